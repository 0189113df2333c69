"""The stream heals from the store: events the broker lost after acknowledging them are published again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets
from shared import store
from shared.relay import Relay
from shared.settings import Settings
from tests.kit.infra import documents, read_subject
from tests.kit.waiting import eventually_async


def _make(app: Widgets, n: int) -> None:
    """``n`` widgets, each made and counted: two public events apiece."""
    for i in range(n):
        widget = Widget(name=f"w{i}", ctx=CTX)
        widget.count_up(by=i, ctx=CTX)
        app.save(widget)


def _relay(iso: Settings, app: Widgets, interval: float = 60.0) -> Relay:
    own = iso.model_copy(update={"relay_heal_interval": interval})
    return Relay(own, SERVICE, app, PUBLISHED, store.service_url(iso, SERVICE))


async def _publish_all(relay: Relay, js) -> None:
    relay.position = relay.load_position()
    while await relay.step(js):
        pass


async def _on_stream(js, iso: Settings) -> list[dict]:
    return documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))


@pytest.fixture
async def running(iso: Settings, widgets: Widgets, js) -> AsyncIterator[dict]:
    """A relay running its loop (checking every half second unless a test says otherwise)."""
    state: dict = {}

    async def start(interval: float = 0.5) -> Relay:
        relay = _relay(iso, widgets, interval)
        stop = asyncio.Event()
        state.update(relay=relay, stop=stop, task=asyncio.create_task(relay.run(js, stop)))
        return relay

    state["start"] = start
    yield state
    if "stop" in state:
        state["stop"].set()
        await state["task"]


async def test_a_deleted_stream_is_recreated_and_refilled_while_the_relay_runs(
    iso: Settings, widgets: Widgets, js, running: dict
) -> None:
    _make(widgets, 10)
    relay = await running["start"](interval=60.0)  # the failed publish, not the periodic check, must notice
    await eventually_async(lambda: relay.position.position == 20)

    await js.delete_stream(iso.stream_name)  # the broker loses everything
    _make(widgets, 5)

    await eventually_async(lambda: relay.position.position == 30, timeout=30)
    docs = await _on_stream(js, iso)
    assert [d["sequence"] for d in docs] == list(range(1, 31)), "every stored event on the stream once, in order"
    assert [d["prevsequence"] for d in docs] == list(range(0, 30))
    assert relay.heal_status.stream_recreated == 1
    assert relay.heal_status.republished == 20
    assert relay.heal_status.last_missing == [[1, 20, 20]]


async def test_messages_lost_from_the_end_are_republished_on_start(iso: Settings, widgets: Widgets, js) -> None:
    _make(widgets, 10)
    await _publish_all(_relay(iso, widgets), js)
    first = await _on_stream(js, iso)
    for stream_seq in range(16, 21):  # the last five acknowledged messages vanish
        await js.delete_msg(iso.stream_name, stream_seq)

    restarted = _relay(iso, widgets)
    restarted.position = restarted.load_position()
    ranges = await restarted.reconcile(js)

    assert ranges == [[16, 20, 5]]
    assert restarted.position.position == 20, "the position never moves back"
    after = await _on_stream(js, iso)
    assert sorted(d["sequence"] for d in after) == list(range(1, 21)), "each event once"
    assert sorted(after, key=lambda d: d["sequence"]) == first, "republished exactly as first published"
    assert await restarted.reconcile(js) == [], "a second check finds nothing missing"


async def test_a_middle_range_deleted_is_found_by_the_periodic_check(
    iso: Settings, widgets: Widgets, js, running: dict
) -> None:
    _make(widgets, 10)
    relay = await running["start"](interval=0.5)
    await eventually_async(lambda: relay.position.position == 20)
    first = await _on_stream(js, iso)
    checks = relay.heal_status.checks

    for stream_seq in (6, 7, 8, 12):
        await js.delete_msg(iso.stream_name, stream_seq)

    await eventually_async(lambda: relay.heal_status.republished == 4, timeout=20)
    assert relay.heal_status.checks > checks
    assert relay.heal_status.last_missing == [[6, 8, 3], [12, 12, 1]]
    after = await _on_stream(js, iso)
    assert sorted(after, key=lambda d: d["sequence"]) == first, "every event once, as first published"
    assert relay.heal_status.as_dict()["missing_found"] == 4


async def test_a_stream_ahead_of_the_store_never_moves_the_position_past_the_store(
    iso: Settings, widgets: Widgets, js
) -> None:
    _make(widgets, 10)
    await _publish_all(_relay(iso, widgets), js)
    # Another store publishing on the same subjects: say, this service's store restored from an older backup.
    other = iso.model_copy(update={"database_prefix": f"{iso.database_prefix}b_"})
    store.ensure_database(other.database_url, other.database_name(SERVICE))
    restored = Widgets(env=store.eventsourcing_env(other, SERVICE))
    try:
        _make(restored, 3)
        relay = _relay(other, restored)
        relay.position = relay.load_position()
        await relay.reconcile(js)
        assert (relay.position.position, relay.position.last_published) == (6, 6), "not past the store's head"
        assert relay.heal_status.as_dict()["ahead_of_store"] == 20, "and it says so"
    finally:
        restored.close()
        store.drop_database(other.database_url, other.database_name(SERVICE))


async def test_extra_copies_on_the_stream_are_counted_once_and_do_not_hide_a_loss(
    iso: Settings, widgets: Widgets, js
) -> None:
    _make(widgets, 10)
    relay = _relay(iso, widgets)
    await _publish_all(relay, js)
    copy = (await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))[4]
    await js.publish(copy.subject, copy.data, stream=iso.stream_name)  # a resend after the duplicate window

    assert await relay.reconcile(js) == []
    assert relay.heal_status.extra_on_stream == 1, "the stream was read once and the copy counted"
    assert await relay.reconcile(js) == [], "the next check trusts the counts again"

    await js.delete_msg(iso.stream_name, 10)  # a loss: the counts, the copy included, now differ
    assert await relay.reconcile(js) == [[10, 10, 1]]
    sequences = [d["sequence"] for d in await _on_stream(js, iso)]
    assert sorted(set(sequences)) == list(range(1, 21)) and len(sequences) == 21
