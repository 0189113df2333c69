"""The raw limits of this machine, each the least work a part of the pipeline must do, measured in the same run as
the figures they bound. Every function answers operations per second."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import UTC, datetime

import orjson
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from benchmarks.widgets import CTX, SERVICE, Widget, Widgets
from services.audit.projections import COPY_BATCH, COPY_TYPES, LEDGER_DDL
from shared import pull, store, stream
from shared.settings import Settings

BODY = os.urandom(600)  # about the size of one of the services' CloudEvents documents


def single_row_commits(settings: Settings, n: int) -> float:
    """Single-row INSERT + COMMIT, one after another, on one connection."""
    with store.connect(store.service_url(settings, SERVICE)) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (i int)")
        conn.commit()
        started = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO bench_raw VALUES (%s)", (i,))
            conn.commit()
        return n / (time.perf_counter() - started)


def eventsourcing_saves(settings: Settings, n: int, threads: int) -> float:
    """``Application.save`` of new one-event aggregates, from ``threads`` threads at once (the store's own limit:
    no HTTP, no load, no checks, no encryption)."""
    env = {**store.eventsourcing_env(settings, SERVICE), "POSTGRES_POOL_SIZE": str(threads),
           "POSTGRES_MAX_OVERFLOW": "0"}
    app = Widgets(env=env)
    try:
        app.save(Widget(name="warm-up", ctx=CTX))
        each = max(n // threads, 1)

        def work() -> None:
            for i in range(each):
                app.save(Widget(name=f"w{i}", ctx=CTX))

        pool = [threading.Thread(target=work) for _ in range(threads)]
        started = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        return each * threads / (time.perf_counter() - started)
    finally:
        app.close()


async def jetstream_publish(js: JetStreamContext, settings: Settings, n: int, batch: int = 500) -> float:
    """Async publish with ``Nats-Msg-Id`` (deduplicated, as the relay publishes), ``batch`` acks awaited at a time."""
    subject = f"{settings.subject_prefix}.bench.raw"
    run = os.urandom(4).hex()
    started = time.perf_counter()
    for first in range(0, n, batch):
        futures = [await js.publish_async(subject, BODY, headers={"Nats-Msg-Id": f"raw-{run}-{i}"})
                   for i in range(first, min(first + batch, n))]
        await asyncio.gather(*futures)
    return n / (time.perf_counter() - started)


async def pull_fetch(js: JetStreamContext, settings: Settings, n: int, batch: int) -> float:
    """A durable pull consumer fetching ``n`` messages in batches and acknowledging each (nothing else)."""
    durable = f"raw_{os.urandom(3).hex()}"
    config = ConsumerConfig(durable_name=durable, deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT,
                            filter_subject=f"{settings.subject_prefix}.>")
    await js.add_consumer(settings.stream_name, config)
    sub = await js.pull_subscribe(f"{settings.subject_prefix}.>", durable=durable, stream=settings.stream_name)
    done, started = 0, time.perf_counter()
    while done < n:
        msgs = await pull.fetch(sub, batch, timeout=5)  # the fetch the consumers use
        for msg in msgs:
            await msg.ack()
        done += len(msgs)
    seconds = time.perf_counter() - started
    await sub.unsubscribe()
    await js.delete_consumer(settings.stream_name, durable)
    return done / seconds


def batched_insert(settings: Settings, n: int, batch: int) -> float:
    """Rows shaped like ledger entries (a 600-byte document and two hashes) inserted ``batch`` per transaction."""
    with store.connect(store.service_url(settings, SERVICE)) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (position bigint PRIMARY KEY, event_id text, "
                     "canonical bytea, leaf bytea, chain bytea)")
        conn.commit()
        digest = os.urandom(32)
        started = time.perf_counter()
        for first in range(0, n, batch):
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO bench_rows VALUES (%s, %s, %s, %s, %s)",
                                [(i, f"e-{i}", BODY, digest, digest) for i in range(first, min(first + batch, n))])
            conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_rows")
        conn.commit()
        return n / seconds


def ledger_shaped_copy(settings: Settings, n: int, batch: int) -> float:
    """The same number of rows and batches as ``batched_insert``, copied in (binary COPY, as the ledger writes) into
    a table made by the ledger's own DDL in a schema of its own: its five indexes, and its two columns generated from
    the stored document (here a key-sorted JSON document of about the same size). The rows are built before the
    clock starts: what PostgreSQL alone costs for the ledger's rows."""
    digest, moment = os.urandom(32), datetime.now(UTC)
    rows = [_ledger_row(i, moment, digest) for i in range(1, n + 1)]
    with store.connect(store.service_url(settings, SERVICE)) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench_ledger")
        conn.execute("SET search_path = bench_ledger")
        for statement in LEDGER_DDL:
            conn.execute(statement)
        conn.commit()
        started = time.perf_counter()
        for first in range(0, n, batch):
            with conn.cursor() as cur, cur.copy(COPY_BATCH) as copy:
                copy.set_types(COPY_TYPES)
                for row in rows[first:first + batch]:
                    copy.write_row(row)
            conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP SCHEMA bench_ledger CASCADE")
        conn.commit()
        return n / seconds


def _ledger_row(i: int, moment: datetime, digest: bytes) -> tuple[object, ...]:
    subject = f"{i:032x}"
    document = {"data": {"name": f"w{i}", "note": BODY[:180].hex()}, "id": f"raw-{i}", "prevsequence": i - 1,
                "sequence": i, "source": "/sw/raw", "specversion": "1.0", "subject": subject,
                "time": moment.isoformat(), "type": "sw.raw.row.made.v1"}
    body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return i, f"raw-{i}", "/sw/raw", "sw.raw.row.made.v1", subject, moment, i, body, digest, digest


def notification_log_read(app: Widgets, page: int = 500) -> tuple[float, int]:
    """Reads the whole notification log in pages, as a rebuild or the relay must (answers rate and count)."""
    done, start, started = 0, 1, time.perf_counter()
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=page)
        if not notifications:
            break
        done += len(notifications)
        start = notifications[-1].id + 1
    return done / (time.perf_counter() - started), done


async def ensure_raw_stream(settings: Settings) -> Settings:
    """Settings whose prefix names a stream of its own for the raw publish and fetch."""
    raw = settings.model_copy(update={"subject_prefix": f"{settings.subject_prefix}raw"})
    nc = await stream.connect(raw, "bench-raw")
    try:
        await stream.ensure_stream(nc.jetstream(), raw)
    finally:
        await nc.close()
    return raw
