"""A consumer catching up a backlog whose first event arrives late (a gap the relay refilled, a batch handed back):
every later event of the source must wait for it. Held in memory (``shared.held``), each is delivered once and applied
right after it; NAKed (``SW_CONSUMER_MAX_HELD=0``), each comes back when its delay expires, mostly still too early.

Workforce's station townships (a real read model) consume ``station.planned`` events of one source from a stream of
their own; the figure is events per second from the moment the first event is published to the last one applied,
beside the same events published in order at once to the consumer, up and idle."""

from __future__ import annotations

import asyncio
import json
import time

from nats.js import JetStreamContext

from benchmarks import planned
from services.workforce.read_models.station_townships import StationTownships
from shared import store, stream
from shared.projection import ProjectionRunner
from shared.settings import Settings

LATE = 3.0  # seconds the first event arrives after the others


async def rate(settings: Settings, js: JetStreamContext, db: str, n: int, late: bool, held: int) -> float:
    """Events per second of one catch-up: a stream of its own, the read model rebuilt from nothing."""
    own = settings.model_copy(update={"subject_prefix": f"{settings.subject_prefix}gap", "consumer_max_held": held})
    await stream.ensure_stream(js, own)
    runner = ProjectionRunner(own, StationTownships(), store.service_url(own, db))
    try:
        await runner.reset(js)
        documents = planned.planned(n)
        if late:
            await _publish(js, own, documents[1:])
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(js, stop))
        await asyncio.sleep(LATE)  # the consumer is up (late: the others were delivered, and wait)
        started = time.perf_counter()
        await _publish(js, own, documents[:1] if late else documents)
        while await asyncio.to_thread(_applied, runner) < n:
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
        stop.set()
        await task
    finally:
        await js.delete_stream(own.stream_name)
    return n / seconds


async def _publish(js: JetStreamContext, settings: Settings, documents: list[bytes]) -> None:
    """Publishes the documents in the order given, each with its event id for de-duplication."""
    subject = f"{settings.subject_prefix}.{planned.SOURCE}.station.planned"
    for start in range(0, len(documents), 500):
        acks = [await js.publish_async(subject, body, headers={"Nats-Msg-Id": json.loads(body)["id"]})
                for body in documents[start:start + 500]]
        await asyncio.gather(*acks)


def _applied(runner: ProjectionRunner) -> int:
    with store.connect(runner.db_url) as conn:
        row = conn.execute("SELECT max(last_sequence) AS n FROM projection_tracking WHERE projection = %s",
                           (runner.projection.name,)).fetchone()
    return int(row["n"] or 0) if row else 0
