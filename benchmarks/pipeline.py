"""Pipeline throughput beside the raw limits of this machine, measured in the same run.

    .venv/bin/python -m benchmarks.pipeline [N]

Uses its own databases and stream (removed afterwards): safe beside a running demo.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time

from nats.js import JetStreamContext

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets, WidgetTotals
from deploy.cleanup import delete_run_streams, drop_run_databases
from services.audit.projections import LedgerProjection
from shared import pull, store, stream
from shared.projection import Projection, ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings


def rate(n: int, seconds: float) -> str:
    """Events per second, rounded."""
    return f"{n / seconds:>9,.0f}/s  ({n} in {seconds:.2f}s)"


def raw_postgres_commits(settings: Settings, n: int) -> float:
    """Single-row INSERT + COMMIT, one after another."""
    url = store.service_url(settings, SERVICE)
    with store.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (i int)")
        conn.commit()
        started = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO bench_raw VALUES (%s)", (i,))
            conn.commit()
        return time.perf_counter() - started


async def raw_jetstream_publish(js: JetStreamContext, settings: Settings, n: int) -> float:
    """Async publish of n small messages, waiting for every ack."""
    started = time.perf_counter()
    futures = [await js.publish_async(f"{settings.subject_prefix}.bench.raw", b"x" * 600) for _ in range(n)]
    await asyncio.gather(*futures)
    return time.perf_counter() - started


def store_events(app: Widgets, n: int) -> float:
    """n aggregates saved one by one (each save is one transaction)."""
    started = time.perf_counter()
    for i in range(n):
        app.save(Widget(name=f"w{i}", ctx=CTX))
    return time.perf_counter() - started


async def relay_all(settings: Settings, app: Widgets, js: JetStreamContext) -> float:
    """The relay publishing everything stored, its position on a connection of its own (as the active relay keeps
    it on its lock's connection)."""
    url = store.service_url(settings, SERVICE)
    relay = Relay(settings, SERVICE, app, PUBLISHED, url)
    with store.connect(url, True) as conn, relay.holding(conn):
        relay.position = relay.load_position()
        started = time.perf_counter()
        while await relay.step(js):
            pass
        return time.perf_counter() - started


async def consume_all(settings: Settings, js: JetStreamContext, projection: Projection, n: int) -> float:
    """A projection consuming n events from the stream."""
    store.ensure_database(settings.database_url, settings.database_name("audit"))
    runner = ProjectionRunner(settings, projection, store.service_url(settings, "audit"))
    runner.setup()
    sub = await runner.subscribe(js)
    done, started = 0, time.perf_counter()
    while done < n:
        msgs = await pull.fetch(sub, settings.consumer_batch, timeout=5)
        await runner.process(js, msgs)
        done += len(msgs)
    return time.perf_counter() - started


async def main(n: int) -> None:
    """Runs every measurement and prints the figures."""
    tag = secrets.token_hex(3)
    settings = Settings(database_prefix=f"swbench_{tag}_", subject_prefix=f"swbench{tag}")
    store.ensure_database(settings.database_url, settings.database_name(SERVICE))
    nc = await stream.connect(settings, "benchmark")
    js = nc.jetstream()
    await stream.ensure_stream(js, settings)
    app = Widgets(env=store.eventsourcing_env(settings, SERVICE))
    try:
        print(f"N = {n} events, batch sizes: relay {settings.relay_batch}, consumer {settings.consumer_batch}")
        print("raw limits")
        print(f"  PostgreSQL single-row commits  {rate(n, raw_postgres_commits(settings, n))}")
        raw = settings.model_copy(update={"subject_prefix": f"{settings.subject_prefix}raw"})
        await stream.ensure_stream(js, raw)
        print(f"  JetStream async publish        {rate(n, await raw_jetstream_publish(js, raw, n))}")
        print("pipeline")
        print(f"  eventsourcing save (1 thread)  {rate(n, store_events(app, n))}")
        print(f"  relay: store -> JetStream      {rate(n, await relay_all(settings, app, js))}")
        print(f"  projection (read model)        {rate(n, await consume_all(settings, js, WidgetTotals(), n))}")
        print(f"  audit ledger (hash chain)      {rate(n, await consume_all(settings, js, LedgerProjection(), n))}")
    finally:
        app.close()
        await nc.close()
        drop_run_databases(settings)
        await delete_run_streams(settings)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))
