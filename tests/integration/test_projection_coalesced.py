"""Events a read model has no handler for are applied with the next batch that has one, or after a short while.

A real runner on its own database and stream: ``station.planned`` documents concern the projection, documents of
another type (``station.site_provided``, the same source) concern none of its handlers. Whatever waits is still
applied — its position recorded, its message acknowledged — and nothing of the read model's own waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from nats.js import JetStreamContext

from benchmarks import planned
from benchmarks.widgets import SERVICE, Widgets
from shared import pull, store
from shared.envelope import encode
from shared.projection import ProjectionRunner
from shared.settings import Settings
from tests.integration.test_projection_held import Arrivals, applied, runner
from tests.kit.waiting import eventually_async

OTHER = "site_provided"


class Planned(Arrivals):
    """Records the planned events it applied; has no handler for any other type (and checks no contract)."""

    name = "test.planned"
    checks_contracts = False


def documents(kinds: str, first: int = 1) -> list[tuple[str, bytes]]:
    """One source's events from sequence ``first``: ``p`` a planned event, ``o`` one of another type."""
    out = []
    for offset, kind in enumerate(kinds):
        i = first + offset
        doc = json.loads(planned.planned(i)[-1])
        if kind == "o":
            doc["type"] = doc["type"].replace(".planned.", f".{OTHER}.")
        out.append(("planned" if kind == "p" else OTHER, encode(doc)))
    return out


async def publish(js: JetStreamContext, iso: Settings, docs: list[tuple[str, bytes]]) -> None:
    for word, body in docs:
        await js.publish(f"{iso.subject_prefix}.{planned.SOURCE}.station.{word}", body,
                         headers={"Nats-Msg-Id": json.loads(body)["id"] + word})


def position(iso: Settings, projection: str) -> int:
    with store.connect(store.service_url(iso, SERVICE)) as conn:
        row = conn.execute("SELECT last_sequence FROM projection_tracking WHERE projection = %s AND source = %s",
                           (projection, planned.SOURCE)).fetchone()
    return row["last_sequence"] if row else 0


async def unacknowledged(js: JetStreamContext, iso: Settings, durable: str) -> int:
    return (await js.consumer_info(iso.stream_name, durable)).num_ack_pending


async def all_acknowledged(js: JetStreamContext, iso: Settings, durable: str) -> bool:
    return await unacknowledged(js, iso, durable) == 0


async def at(iso: Settings, sequence: int, timeout: float = 10) -> None:
    await eventually_async(lambda: asyncio.to_thread(lambda: position(iso, Planned.name) == sequence),
                           timeout=timeout)


@contextlib.asynccontextmanager
async def running(consumer: ProjectionRunner, js: JetStreamContext) -> AsyncIterator[None]:
    """The runner's loop, from its tables' set-up until the block ends (then stopped, and awaited)."""
    consumer.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(js, stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def test_other_events_wait_unacknowledged_and_are_applied_with_the_next_the_read_model_handles(
    iso: Settings, widgets: Widgets, js
) -> None:
    consumer = runner(iso, Planned(), consumer_coalesce_ms=60_000)
    async with running(consumer, js):
        await publish(js, iso, documents("ppppp"))
        await at(iso, 5)
        await publish(js, iso, documents("ooo", first=6))
        await eventually_async(lambda: len(consumer.deferred) == 3, timeout=10)
        await asyncio.sleep(0.5)
        assert position(iso, Planned.name) == 5, "nothing for the read model: no transaction yet"
        assert await unacknowledged(js, iso, consumer.durable) == 3, "held unacknowledged meanwhile"

        await publish(js, iso, documents("p", first=9))
        await at(iso, 9, timeout=10)  # far sooner than the minute the others could have waited
        assert applied(iso) == [1, 2, 3, 4, 5, 9]
        await eventually_async(lambda: all_acknowledged(js, iso, consumer.durable), timeout=10)


async def test_other_events_alone_are_applied_once_the_window_has_passed(iso: Settings, widgets: Widgets, js) -> None:
    consumer = runner(iso, Planned(), consumer_coalesce_ms=300)
    async with running(consumer, js):
        await publish(js, iso, documents("o" * 40))
        await at(iso, 40)
        await eventually_async(lambda: all_acknowledged(js, iso, consumer.durable), timeout=10)
        assert applied(iso) == [] and len(consumer.deferred) == 0


async def test_a_runner_stopping_while_events_wait_applies_them_first(iso: Settings, widgets: Widgets, js) -> None:
    consumer = runner(iso, Planned(), consumer_coalesce_ms=60_000)
    async with running(consumer, js):
        await publish(js, iso, documents("p"))
        await at(iso, 1)
        await publish(js, iso, documents("ooo", first=2))
        await eventually_async(lambda: len(consumer.deferred) == 3, timeout=10)
    assert position(iso, Planned.name) == 4 and len(consumer.deferred) == 0
    assert await all_acknowledged(js, iso, consumer.durable)


async def test_a_run_failing_while_events_wait_hands_them_back_at_once(
    iso: Settings, widgets: Widgets, js, monkeypatch
) -> None:
    consumer = runner(iso, Planned(), consumer_coalesce_ms=60_000)
    real, failed = pull.fetch, []

    async def failing(sub, batch: int, timeout: float):
        if len(consumer.deferred) == 3 and not failed:
            failed.append(True)
            raise RuntimeError("the connection to the server was lost")
        return await real(sub, batch, timeout)

    monkeypatch.setattr(pull, "fetch", failing)
    async with running(consumer, js):
        await publish(js, iso, documents("p"))
        await at(iso, 1)
        await publish(js, iso, documents("ooo", first=2))
        await at(iso, 4, timeout=15)  # handed back at once: long before the ack wait
    assert failed, "the run failed while three events waited"
    assert {consumer.deliveries[s] for s in (2, 3, 4)} == {2}, "each delivered again once, to the next run"
    assert applied(iso) == [1]
