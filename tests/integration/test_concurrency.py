"""Two writers changing the same aggregate at once: one wins, the other gets a conflict, nothing is lost."""

from __future__ import annotations

from uuid import UUID

import pytest

from benchmarks.widgets import CTX, SERVICE, Widget, Widgets
from shared import store
from shared.application import Command, Outcome
from shared.domain import Conflict, StaleVersion
from shared.settings import Settings


class CountUp(Command):
    by: int


def _count_up(app: Widgets, widget_id: UUID, by: int, loaded: Widget | None = None) -> dict:
    def handler() -> Outcome:
        widget = loaded or app.load(Widget, widget_id)
        widget.count_up(by=by, ctx=CTX)
        return Outcome({"count": widget.count, "version": widget.version}, [widget])

    return app.execute(CTX, CountUp(by=by), handler, about=(widget_id,))


def test_the_second_of_two_concurrent_writers_gets_a_conflict(iso: Settings, widgets: Widgets) -> None:
    other_replica = Widgets(env=store.eventsourcing_env(iso, SERVICE))
    try:
        widget = Widget(name="shared", ctx=CTX)
        widgets.save(widget)
        seen_by_a = widgets.load(Widget, widget.id)
        seen_by_b = other_replica.load(Widget, widget.id)

        assert _count_up(widgets, widget.id, 1, loaded=seen_by_a) == {"count": 1, "version": 2}
        with pytest.raises(Conflict, match="at the same time"):
            _count_up(other_replica, widget.id, 10, loaded=seen_by_b)

        # Retrying after reloading applies on top of the first change: no update was lost.
        assert _count_up(other_replica, widget.id, 10) == {"count": 11, "version": 3}
    finally:
        other_replica.close()


def test_a_writer_holding_an_old_version_is_refused_before_anything_is_saved(
    iso: Settings, widgets: Widgets
) -> None:
    widget = Widget(name="versioned", ctx=CTX)
    widgets.save(widget)
    _count_up(widgets, widget.id, 1)
    head = widgets.recorder.max_notification_id()
    with pytest.raises(StaleVersion):
        widgets.load(Widget, widget.id, expected_version=1)
    assert widgets.recorder.max_notification_id() == head
