"""Bulk units on the in-memory store: versions and keys within a unit, one unit per thread, other threads as ever."""

from __future__ import annotations

import threading
from uuid import UUID

import pytest

from shared.domain import StaleVersion
from tests.unit.shared.test_shared_application import CTX, Rename, Thing, Things


def rename(app: Things, thing_id: UUID, name: str, **options: object) -> dict:
    def act(thing: Thing) -> None:
        thing.rename(name=name, ctx=CTX)

    return app.change(CTX, Rename(name=name), Thing, thing_id, act, lambda t: {"version": t.version}, **options)


def test_versions_and_keys_within_a_unit_are_those_of_the_collected_aggregates() -> None:
    app = Things()
    with app.bulk(flush_every=100):
        thing_id = UUID(app.make(CTX, "a", key="k")["id"])
        assert app.make(CTX, "a", key="k") == {"id": str(thing_id)}  # the retry sees the collected record
        assert rename(app, thing_id, "b", expected_version=1) == {"version": 2}
        with pytest.raises(StaleVersion):
            rename(app, thing_id, "c", expected_version=1)
        assert app.recorder.max_notification_id() in (None, 0)
    assert app.load(Thing, thing_id).name == "b"
    assert app.recorder.max_notification_id() == 3  # made, its key's record, renamed


def test_a_unit_belongs_to_one_thread_and_cannot_be_nested() -> None:
    app = Things()
    with app.bulk() as unit:
        with pytest.raises(RuntimeError), app.bulk():
            pass
        saved_at_once: list[str] = []
        other = threading.Thread(target=lambda: saved_at_once.append(app.make(CTX, "elsewhere")["id"]))
        other.start()
        other.join()
        assert app.recorder.max_notification_id() == 1, "another thread's command is saved one by one"
        app.make(CTX, "here")
        assert unit.pending_events == 1
    assert app.recorder.max_notification_id() == 2


def test_flush_every_writes_each_batch_once_it_holds_that_many_commands() -> None:
    app = Things()
    with app.bulk(flush_every=2) as unit:
        for name in "abcde":
            app.make(CTX, name)
        assert (unit.flushes, unit.saved_commands, unit.pending_commands) == (2, 4, 1)
        assert app.recorder.max_notification_id() == 4
    assert app.recorder.max_notification_id() == 5
