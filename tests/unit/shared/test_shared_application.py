"""The service-layer base: idempotent commands, version checks, stored contexts and dates."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.domain import Aggregate, event

from shared.application import Command, Outcome, ServiceApplication
from shared.domain import Context, Invalid, NotFound, StaleVersion

CTX = Context(actor="u1", role="civil_affairs_admin", organisation="bureau", townships=("T01",))


class Thing(Aggregate):
    @event("Made")
    def __init__(self, name: str, due: date, ctx: Context) -> None:
        self.name = name
        self.due = due

    @event("Renamed")
    def rename(self, name: str, ctx: Context) -> None:
        self.name = name


class Make(Command):
    name: str


class Rename(Command):
    name: str = "b"


class Things(ServiceApplication):
    def make(self, ctx: Context, name: str, key: str | None = None) -> dict:
        def handler() -> Outcome:
            thing = Thing(name=name, due=date(2021, 12, 31), ctx=ctx)
            return Outcome({"id": str(thing.id)}, [thing])

        return self.execute(ctx, Make(name=name), handler, key)


def test_a_retried_command_returns_the_first_result_and_records_nothing_new() -> None:
    app = Things()
    first = app.make(CTX, "a", key="k-1")
    head = app.recorder.max_notification_id()
    assert app.make(CTX, "a", key="k-1") == first
    assert app.recorder.max_notification_id() == head


def test_the_same_key_from_another_user_is_another_command() -> None:
    app = Things()
    other = Context(actor="u2", role="civil_affairs_admin")
    assert app.make(CTX, "a", key="k") != app.make(other, "a", key="k")


def test_a_key_reused_for_a_different_request_is_refused() -> None:
    app = Things()
    app.make(CTX, "a", key="k")
    head = app.recorder.max_notification_id()
    with pytest.raises(Invalid, match="different request"):
        app.make(CTX, "b", key="k")
    assert app.recorder.max_notification_id() == head


def test_loading_at_a_stale_version_is_a_precondition_failure() -> None:
    app = Things()
    thing_id = app.make(CTX, "a")["id"]
    thing = app.load(Thing, __import__("uuid").UUID(thing_id), expected_version=1)
    thing.rename(name="b", ctx=CTX)
    app.save(thing)
    with pytest.raises(StaleVersion) as refused:
        app.load(Thing, thing.id, expected_version=1)
    assert refused.value.extra["current_version"] == 2


def test_loading_a_missing_aggregate_is_not_found() -> None:
    with pytest.raises(NotFound):
        Things().load(Thing, __import__("uuid").uuid4())


def test_context_and_dates_survive_storage() -> None:
    app = Things()
    thing_id = app.make(CTX, "a")["id"]
    stored = app.mapper.to_domain_event(app.recorder.select_notifications(1, 1)[0])
    assert stored.ctx == CTX
    assert stored.due == date(2021, 12, 31)
    assert app.load(Thing, __import__("uuid").UUID(thing_id)).due == date(2021, 12, 31)


def test_change_acts_on_one_aggregate_at_the_callers_version_and_answers_its_view() -> None:
    app = Things()
    thing_id = __import__("uuid").UUID(app.make(CTX, "a")["id"])

    def view(thing: Thing) -> dict:
        return {"name": thing.name, "version": thing.version}

    def rename(thing: Thing) -> dict:
        thing.rename(name="b", ctx=CTX)
        return {"renamed": True}

    answer = app.change(CTX, Rename(), Thing, thing_id, rename, view,
                        expected_version=1, idempotency_key="r-1")
    assert answer == {"name": "b", "version": 2, "renamed": True}
    head = app.recorder.max_notification_id()
    assert app.change(CTX, Rename(), Thing, thing_id, rename, view,
                      expected_version=1, idempotency_key="r-1") == answer
    assert app.recorder.max_notification_id() == head
    with pytest.raises(StaleVersion):
        app.change(CTX, Rename(), Thing, thing_id, rename, view, expected_version=1)
