"""The relay publishes every stored event once, in order, even across crashes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from nats.js.api import DiscardPolicy

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets
from shared import store
from shared.relay import Relay
from shared.settings import Settings
from tests.kit.infra import documents, read_subject
from tests.kit.waiting import eventually_async


class CrashAfterPublish(Relay):
    """A relay that dies after the stream acknowledged a batch, before saving its position."""

    def save_position(self, position) -> None:
        raise ConnectionError("simulated crash before the position was written")


def _make_widgets(app: Widgets, n: int) -> None:
    for i in range(n):
        widget = Widget(name=f"w{i}", ctx=CTX)
        widget.count_up(by=i, ctx=CTX)
        app.save(widget)


def _relay(cls: type[Relay], iso: Settings, app: Widgets) -> Relay:
    return cls(iso, SERVICE, app, PUBLISHED, store.service_url(iso, SERVICE))


async def test_relay_publishes_each_event_once_in_store_order(iso: Settings, widgets: Widgets, js) -> None:
    _make_widgets(widgets, 10)
    relay = _relay(Relay, iso, widgets)
    relay.position = relay.load_position()
    while await relay.step(js):
        pass
    docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
    assert [d["sequence"] for d in docs] == list(range(1, 21))
    assert [d["prevsequence"] for d in docs] == list(range(0, 20))
    assert docs[0]["type"] == "sw.widgets.widget.made.v1" and docs[0]["data"] == {"name": "w0"}
    assert docs[0]["actor"] == "tester" and docs[0]["role"] == "civil_affairs_admin"
    assert relay.load_position().position == 20


async def test_batches_read_ahead_keep_the_order_and_those_stored_meanwhile_follow(
    iso: Settings, widgets: Widgets, js
) -> None:
    _make_widgets(widgets, 5)
    relay = _relay(Relay, iso.model_copy(update={"relay_batch": 3}), widgets)  # each batch's successor read ahead
    relay.position = relay.load_position()
    assert await relay.step(js) == 3
    _make_widgets(widgets, 2)  # stored while a batch read ahead waits to be published
    while await relay.step(js):
        pass
    docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
    assert [d["sequence"] for d in docs] == list(range(1, 15))
    assert [d["prevsequence"] for d in docs] == list(range(0, 14))
    assert relay.load_position().position == 14


async def test_a_message_the_stream_refuses_holds_the_relay_at_it_until_the_stream_takes_it(
    iso: Settings, widgets: Widgets, js
) -> None:
    config = (await js.stream_info(iso.stream_name)).config
    await js.update_stream(replace(config, max_msgs=3, discard=DiscardPolicy.NEW))  # a full stream refuses the 4th
    _make_widgets(widgets, 3)
    relay = _relay(Relay, iso, widgets)
    relay.position = relay.load_position()
    assert await relay.step(js) == 3
    assert relay.stuck is not None and relay.stuck[0] == "widgets-4" and "not published" in relay.stuck[1]
    assert relay.load_position().position == 3, "the position stays before the refused message"
    assert await relay.step(js) == 0 and relay.stuck[0] == "widgets-4", "resent, never skipped"

    await js.update_stream(replace(config, max_msgs=-1))
    while await relay.step(js):
        pass
    assert relay.stuck is None and relay.load_position().position == 6
    docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
    assert [d["sequence"] for d in docs] == list(range(1, 7))


async def test_relay_crash_between_publish_and_position_write_resends_nothing(
    iso: Settings, widgets: Widgets, js
) -> None:
    _make_widgets(widgets, 5)
    crashing = _relay(CrashAfterPublish, iso, widgets)
    crashing.position = crashing.load_position()
    with pytest.raises(ConnectionError):
        await crashing.step(js)
    assert _relay(Relay, iso, widgets).load_position().position == 0  # the crash lost the position

    # A new relay process starts long after the duplicate window would have helped.
    restarted = _relay(Relay, iso, widgets)
    restarted.position = restarted.load_position()
    await restarted.reconcile(js)
    assert restarted.position.position == 10
    _make_widgets(widgets, 1)
    while await restarted.step(js):
        pass

    docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
    sequences = [d["sequence"] for d in docs]
    assert sequences == list(range(1, 13)), "every event exactly once, in order"


async def test_only_one_relay_replica_holds_the_lock(iso: Settings, widgets: Widgets) -> None:
    first, second = _relay(Relay, iso, widgets), _relay(Relay, iso, widgets)
    url = store.service_url(iso, SERVICE)
    with store.connect(url, True) as held, store.connect(url, True) as other:
        assert first._try_lock(held)
        assert not second._try_lock(other)
        held.close()  # the holder's session ends: the server frees its lock as the backend exits
        assert await eventually_async(lambda: second._try_lock(other), timeout=10)


async def test_two_replicas_relay_once_and_the_standby_takes_over(iso: Settings, widgets: Widgets, js) -> None:
    first, second = _relay(Relay, iso, widgets), _relay(Relay, iso, widgets)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(first.run(js, stop_first)), asyncio.create_task(second.run(js, stop_second))]
    try:
        _make_widgets(widgets, 5)
        await eventually_async(lambda: first.position.position + second.position.position >= 10)
        assert [first.active, second.active].count(True) == 1, "exactly one replica relays"
        standby, stop_active = (second, stop_first) if first.active else (first, stop_second)

        stop_active.set()  # the active replica goes away; the standby takes the lock
        await eventually_async(lambda: standby.active, timeout=15)
        _make_widgets(widgets, 5)
        await eventually_async(lambda: standby.position.position == 20, timeout=15)
    finally:
        stop_first.set()
        stop_second.set()
        await asyncio.gather(*tasks)
    docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
    assert [d["sequence"] for d in docs] == list(range(1, 21))
