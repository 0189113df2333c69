"""Events that arrive ahead of an earlier event of their source are held, not handed back and forth.

Each test publishes ``station.planned`` documents of one source out of order into its own stream and runs a real
runner on its own database: every event is applied once, in sequence order, and a held message is delivered once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import psycopg
from nats.js import JetStreamContext

from benchmarks import planned
from benchmarks.widgets import SERVICE, Widgets
from shared import store
from shared.decisions import Decision
from shared.envelope import CloudEvent
from shared.projection import Projection, ProjectionRunner
from shared.settings import Settings
from tests.kit.waiting import eventually_async

KIND = json.loads(planned.planned(1)[0])["type"]


class Arrivals(Projection):
    """Records the order in which it applied each event; fails at one sequence while ``blocked``."""

    name = "test.arrivals"
    ddl = ("CREATE TABLE IF NOT EXISTS arrivals (n bigserial PRIMARY KEY, sequence bigint NOT NULL)",)
    tables = ("arrivals",)

    def __init__(self, blocked: int = 0, halts: bool = False, unreachable: int = 0) -> None:
        self.blocked = blocked
        self.halts_on_failure = halts
        self.unreachable, self.unreachable_tries = unreachable, 2  # the quick pass, then the careful one

    def handlers(self):
        return {KIND: self._arrived}

    def _arrived(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        if event.sequence == self.blocked:
            raise RuntimeError(f"event {event.sequence} cannot be applied yet")
        if event.sequence == self.unreachable and self.unreachable_tries:
            self.unreachable_tries -= 1
            raise psycopg.OperationalError("the database went away")  # the batch fails, not the event
        cur.execute("INSERT INTO arrivals (sequence) VALUES (%s)", (event.sequence,))


class Counting(ProjectionRunner):
    """A runner that notes how many times each message it decided on had been delivered."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deliveries: dict[int, int] = {}  # event sequence → the highest delivery count seen

    def _decide(self, cur, msg, last, batch) -> Decision:
        decision = super()._decide(cur, msg, last, batch)
        if decision.event is not None:
            seen = self.deliveries.get(decision.event.sequence, 0)
            self.deliveries[decision.event.sequence] = max(seen, msg.metadata.num_delivered)
        return decision


async def publish(js: JetStreamContext, iso: Settings, documents: Sequence[bytes]) -> None:
    subject = f"{iso.subject_prefix}.{planned.SOURCE}.station.planned"
    acks = [await js.publish_async(subject, body, headers={"Nats-Msg-Id": json.loads(body)["id"]})
            for body in documents]
    await asyncio.gather(*acks)


def applied(iso: Settings) -> list[int]:
    with store.connect(store.service_url(iso, SERVICE)) as conn:
        return [r["sequence"] for r in conn.execute("SELECT sequence FROM arrivals ORDER BY n").fetchall()]


async def run_until_applied(runner: ProjectionRunner, js: JetStreamContext, iso: Settings, n: int) -> list[int]:
    """Runs the runner until it applied ``n`` events (or more); answers them in the order applied."""
    runner.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(js, stop))
    try:
        await eventually_async(lambda: asyncio.to_thread(lambda: len(applied(iso)) >= n), timeout=60)
    finally:
        stop.set()
        await task
    return applied(iso)


def runner(iso: Settings, projection: Projection | None = None, **settings: int) -> Counting:
    return Counting(iso.model_copy(update=settings), projection or Arrivals(), store.service_url(iso, SERVICE))


async def test_events_published_out_of_order_are_applied_in_order_each_delivered_once(
    iso: Settings, widgets: Widgets, js
) -> None:
    documents = planned.planned(2000)
    await publish(js, iso, documents[1:])  # 2..2000 overtook 1, as after a gap the relay refilled
    await publish(js, iso, documents[:1])
    consumer = runner(iso)

    assert await run_until_applied(consumer, js, iso, 2000) == list(range(1, 2001)), "once each, in order"
    assert set(consumer.deliveries.values()) == {1}, "no message was handed back to be delivered again"
    assert len(consumer.held) == 0


async def test_beyond_the_held_limit_waiting_events_are_handed_back_and_still_applied_in_order(
    iso: Settings, widgets: Widgets, js
) -> None:
    documents = planned.planned(600)
    await publish(js, iso, documents[1:])
    await publish(js, iso, documents[:1])
    consumer = runner(iso, consumer_max_held=100, consumer_batch=50)

    assert await run_until_applied(consumer, js, iso, 600) == list(range(1, 601))
    redelivered = [sequence for sequence, times in consumer.deliveries.items() if times > 1]
    assert redelivered, "what did not fit was NAKed and delivered again"
    assert len(redelivered) <= 600 - 100, "the events held were delivered once"


async def test_a_halted_projection_applies_the_held_followers_once_past_the_event_it_stopped_at(
    iso: Settings, widgets: Widgets, js
) -> None:
    await publish(js, iso, planned.planned(300))
    projection = Arrivals(blocked=5, halts=True)
    consumer = runner(iso, projection)
    consumer.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(js, stop))
    try:
        await eventually_async(lambda: planned.SOURCE in consumer.halted and len(consumer.held) == 295, timeout=60)
        assert applied(iso) == [1, 2, 3, 4], "stopped at the event it cannot apply"
        projection.blocked = 0  # the cause is gone
        await eventually_async(lambda: asyncio.to_thread(lambda: len(applied(iso)) == 300), timeout=60)
    finally:
        stop.set()
        await task
    assert applied(iso) == list(range(1, 301))
    assert consumer.deliveries[5] > 1, "the event it stopped at was retried"
    assert {consumer.deliveries[s] for s in range(6, 301)} == {1}, "its followers were held, not handed back"
    assert consumer.halted == {}


async def test_a_restart_while_events_are_held_loses_none_of_them(iso: Settings, widgets: Widgets, js) -> None:
    documents = planned.planned(500)
    await publish(js, iso, documents[1:])
    first = runner(iso)
    first.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(js, stop))
    try:
        await eventually_async(lambda: len(first.held) == 499, timeout=60)
    finally:
        stop.set()
        await task
    assert len(first.held) == 0 and applied(iso) == [], "handed back on stopping, nothing applied"

    await publish(js, iso, documents[:1])
    second = runner(iso)
    assert await run_until_applied(second, js, iso, 500) == list(range(1, 501))
    assert max(second.deliveries.values()) <= 2, "each delivered again once, to the runner that took over"


async def test_a_batch_failing_while_events_are_held_loses_none_of_them(iso: Settings, widgets: Widgets, js) -> None:
    documents = planned.planned(300)
    await publish(js, iso, documents[1:])
    consumer = runner(iso, Arrivals(unreachable=1))
    consumer.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(js, stop))
    try:
        await eventually_async(lambda: len(consumer.held) == 299, timeout=60)
        await publish(js, iso, documents[:1])  # its batch fails: the loop restarts
        await eventually_async(lambda: asyncio.to_thread(lambda: len(applied(iso)) == 300), timeout=60)
    finally:
        stop.set()
        await task
    assert applied(iso) == list(range(1, 301))
    assert consumer.deliveries[1] == 2, "the failed batch's event came back"
    assert max(consumer.deliveries.values()) <= 2, "the held ones were handed back once, and held again"



async def test_two_replicas_sharing_the_consumer_apply_each_others_waiting_events_in_order(
    iso: Settings, widgets: Widgets, js
) -> None:
    """Two processes of one service run the same projection on one durable consumer: each holds the waiting events
    it was handed, and follows what the other applied; every event is applied once, in order."""
    documents = planned.planned(1200)
    await publish(js, iso, documents[1:])
    replicas = [runner(iso, consumer_batch=50), runner(iso, consumer_batch=50)]
    stop = asyncio.Event()
    for replica in replicas:
        replica.setup()
    tasks = [asyncio.create_task(replica.run(js, stop)) for replica in replicas]
    try:
        await eventually_async(lambda: sum(len(r.held) for r in replicas) == 1199 and all(r.held for r in replicas),
                               timeout=60)
        await publish(js, iso, documents[:1])
        await eventually_async(lambda: asyncio.to_thread(lambda: len(applied(iso)) == 1200), timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert applied(iso) == list(range(1, 1201)), "once each, in order, whichever replica held it"
    assert all(len(r.held) == 0 for r in replicas)
    assert {times for r in replicas for times in r.deliveries.values()} == {1}, "nothing was handed back"
