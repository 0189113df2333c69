"""A tiny aggregate, contract and projection used to test the shared mechanisms on real servers."""

from __future__ import annotations

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
    """Sum of counts per widget; fails on purpose for a widget named 'explode'."""

    name = "widgets.totals"
    ddl = ("CREATE TABLE IF NOT EXISTS widget_totals (widget text PRIMARY KEY, name text, total int NOT NULL)",)
    tables = ("widget_totals",)

    def handlers(self) -> dict[str, Handler]:
        return {WidgetMade.event_type(): self._made, WidgetCounted.event_type(): self._counted}

    def _made(self, cur, event: CloudEvent) -> None:
        if event.data["name"] == "explode":
            raise RuleViolated("widget.projectable", "this widget cannot be projected")
        cur.execute("INSERT INTO widget_totals VALUES (%s, %s, 0)", (event.aggregateid, event.data["name"]))

    def _counted(self, cur, event: CloudEvent) -> None:
        cur.execute("UPDATE widget_totals SET total = total + %s WHERE widget = %s",
                    (event.data["by"], event.aggregateid))


CTX = Context(actor="tester", role="civil_affairs_admin", organisation="county")
