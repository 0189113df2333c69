"""The relay beside raw async publish, wall clock and CPU per event, alternated in one process.

    .venv/bin/python -m benchmarks.relay_cpu [EVENTS] [ROUNDS]

Stores EVENTS widgets once, then ROUNDS times: raw async publish with ``Nats-Msg-Id`` of EVENTS messages, and the
relay publishing the EVENTS stored events to a stream of their own (its position on a connection of its own, as the
active relay keeps it on its lock's connection). CPU is the process's (every thread's) time per event, which a
loaded machine disturbs less than the wall clock. Uses its own databases and streams (removed afterwards).
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time

from nats.js import JetStreamContext

from benchmarks import raw
from benchmarks.pipeline import store_events
from benchmarks.widgets import PUBLISHED, SERVICE, Widgets
from deploy.cleanup import delete_run_streams, drop_run_databases
from shared import store, stream
from shared.relay import Position, Relay
from shared.settings import Settings


async def relay_round(settings: Settings, app: Widgets, js: JetStreamContext, n: int) -> tuple[float, float]:
    """Events per second and CPU microseconds per event of the relay publishing the store from its start."""
    url = store.service_url(settings, SERVICE)
    relay = Relay(settings, SERVICE, app, PUBLISHED, url)
    with store.connect(url, True) as conn, relay.holding(conn):
        relay.load_position()  # (creates the position's table)
        relay.position = Position()  # from the store's start
        wall, cpu = time.perf_counter(), time.process_time()
        while await relay.step(js):
            pass
        return n / (time.perf_counter() - wall), (time.process_time() - cpu) / n * 1e6


async def raw_round(js: JetStreamContext, settings: Settings, n: int) -> tuple[float, float]:
    """Events per second and CPU microseconds per event of raw async publish."""
    cpu = time.process_time()
    rate = await raw.jetstream_publish(js, settings, n)
    return rate, (time.process_time() - cpu) / n * 1e6


async def main(n: int, rounds: int) -> None:
    """Prints one line per round."""
    tag = secrets.token_hex(3)
    settings = Settings(database_prefix=f"swbench_{tag}_", subject_prefix=f"swbench{tag}")
    store.ensure_database(settings.database_url, settings.database_name(SERVICE))
    nc = await stream.connect(settings, "benchmark")
    js = nc.jetstream()
    app = Widgets(env=store.eventsourcing_env(settings, SERVICE))
    try:
        store_events(app, n)
        rawset = settings.model_copy(update={"subject_prefix": f"{settings.subject_prefix}raw"})
        await stream.ensure_stream(js, rawset)
        for i in range(rounds):
            own = settings.model_copy(update={"subject_prefix": f"{settings.subject_prefix}r{i}"})
            await stream.ensure_stream(js, own)  # a fresh stream: nothing deduplicated
            raw_rate, raw_cpu = await raw_round(js, rawset, n)
            relay_rate, relay_cpu = await relay_round(own, app, js, n)
            print(f"raw {raw_rate:8,.0f}/s {raw_cpu:5.1f} µs CPU | relay {relay_rate:8,.0f}/s {relay_cpu:5.1f} µs CPU"
                  f" | {relay_rate / raw_rate:4.0%} of raw, CPU {raw_cpu / relay_cpu:4.0%}", flush=True)
    finally:
        app.close()
        await nc.close()
        drop_run_databases(settings)
        await delete_run_streams(settings)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 5))
