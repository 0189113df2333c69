"""A tiny aggregate, contract and projection used to test the shared mechanisms on real servers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
from eventsourcing.domain import Aggregate, event

from shared.application import ServiceApplication
from shared.contracts import Contract, contract
from shared.domain import Context, RuleViolated
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

SERVICE = "widgets"


class Widget(Aggregate):
    """A thing with a name and a count."""

    @event("Made")
    def __init__(self, name: str, ctx: Context) -> None:
        self.name = name
        self.count = 0

    @event("Counted")
    def count_up(self, by: int, ctx: Context) -> None:
        self.count += by


@contract(SERVICE, "widget", "made")
class WidgetMade(Contract):
    name: str


@contract(SERVICE, "widget", "counted")
class WidgetCounted(Contract):
    by: int


PUBLISHED = {Widget.Made: WidgetMade, Widget.Counted: WidgetCounted}


class Widgets(ServiceApplication):
    """The test application."""


class WidgetTotals(Projection):
    """Sum of counts per widget; fails on purpose for a widget named 'explode'.

    In a quick pass its changes are gathered in memory (new widgets, and the sum counted per widget) and written in
    two statements when the batch closes; in a careful pass each event runs its statement in its own savepoint."""

    name = "widgets.totals"
    ddl = ("CREATE TABLE IF NOT EXISTS widget_totals (widget text PRIMARY KEY, name text, total int NOT NULL)",)
    tables = ("widget_totals",)
    _names: dict[str, str] | None = None  # the open quick batch's new widgets
    _counts: dict[str, int] | None = None  # ... and what it counted per widget

    def handlers(self) -> dict[str, Handler]:
        return {WidgetMade.event_type(): self._made, WidgetCounted.event_type(): self._counted}

    @contextlib.contextmanager
    def batch(self, cur: psycopg.Cursor) -> Iterator[None]:
        """A quick pass gathers, then writes once; a careful one writes event by event."""
        if not self.quick_pass:
            yield
            return
        self._names, self._counts = {}, {}
        try:
            yield
            self._write(cur, self._names, self._counts)
        finally:
            self._names, self._counts = None, None

    def applies_in_memory(self) -> bool:
        return self._names is not None

    def _made(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        if event.data["name"] == "explode":
            raise RuleViolated("widget.projectable", "this widget cannot be projected")
        if self._names is None:
            cur.execute("INSERT INTO widget_totals VALUES (%s, %s, 0)", (event.aggregateid, event.data["name"]))
        elif event.aggregateid in self._names:
            raise ValueError(f"widget {event.aggregateid} made twice")  # as the primary key would refuse it
        else:
            self._names[event.aggregateid] = event.data["name"]

    def _counted(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        if self._counts is None:
            cur.execute("UPDATE widget_totals SET total = total + %s WHERE widget = %s",
                        (event.data["by"], event.aggregateid))
        else:
            self._counts[event.aggregateid] = self._counts.get(event.aggregateid, 0) + event.data["by"]

    @staticmethod
    def _write(cur: psycopg.Cursor, names: dict[str, str], counts: dict[str, int]) -> None:
        """The batch's new widgets, then its counts (a widget's ``made`` always comes before its counts)."""
        if names:
            cur.execute("INSERT INTO widget_totals SELECT w, n, 0 FROM unnest(%s::text[], %s::text[]) AS t(w, n)",
                        (list(names), list(names.values())))
        if counts:
            cur.execute("UPDATE widget_totals SET total = total + c.by FROM unnest(%s::text[], %s::int[]) AS c(w, by) "
                        "WHERE widget = c.w", (list(counts), list(counts.values())))


CTX = Context(actor="tester", role="civil_affairs_admin", organisation="county")
