"""A read model rebuilt beside the live one, from the stream's first event, then swapped in at once.

The new tables are built in a schema of their own (``rebuild_<projection>``) through a consumer of
their own, while the service keeps reading and updating the old ones. Once the new tables have caught
up with the old ones for every source, one transaction swaps them in: it takes the projection's schema
row (so the live runner's next batch waits, then reads the new positions), locks the old tables (readers
wait a moment rather than fail), drops them, moves the new ones into place and copies their positions.
Readers see the complete old model, then the complete new one; never a missing table nor a half-built one.

The rebuild's consumer acknowledges nothing (``AckPolicy.NONE``) and fetches large batches: the new tables'
per-source positions, committed with each batch, are what it has applied. An event that must wait for an earlier
one of its source (which the relay may have refilled at the stream's end) is read again on the next pass: once a
pass reaches the end of the stream, the consumer starts again from the first such event, and what was applied
after it is recognised by the positions and passed over.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from types import SimpleNamespace

import nats.errors
import psycopg
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from psycopg import sql

from shared import pull
from shared.projection import SCHEMA_DDL, TRACKING_DDL, Projection, ProjectionRunner
from shared.settings import Settings
from shared.store import connect, session_options

log = logging.getLogger(__name__)
REBUILD_BATCH = 1000


class Behind(Exception):
    """The new tables have not yet caught up with the old ones."""


class NotRebuilt(Exception):
    """The rebuild cannot be done (an append-only projection) or did not catch up in time; nothing changed."""


class Shadow:
    """A projection rebuilt in a schema of its own, then swapped in for the live tables."""

    def __init__(self, settings: Settings, projection: Projection, db_url: str, service: str) -> None:
        if not projection.resettable:
            raise NotRebuilt(f"projection {projection.name} is append-only and cannot be rebuilt")
        self.settings = settings
        self.projection = projection
        self.db_url = db_url
        self.runner = ProjectionRunner(settings, projection, db_url)
        self.schema = f"rebuild_{self.runner.durable}"[:63]
        self.runner.durable = f"{self.runner.durable}_rebuild"[:63]  # a consumer of its own, from the start
        self.session = session_options(settings, f"{service}-rebuild")
        self._reads: dict[int, int] = {}  # times read, of each message that had to be read again

    def open(self) -> psycopg.Connection:
        """A connection whose unqualified tables are the new ones; the schema created afresh."""
        with connect(self.db_url, autocommit=True, **self.session) as conn:
            conn.execute(TRACKING_DDL)  # the live tables' bookkeeping, should the service never have run
            conn.execute(SCHEMA_DDL)
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema)))
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
        options = f"{self.session['options']} -c search_path={self.schema},public"
        conn = connect(self.db_url, **{**self.session, "options": options})
        with conn.transaction():
            conn.execute(TRACKING_DDL)  # created in the new schema: it comes first on the search path
            for statement in self.projection.ddl:
                conn.execute(statement)
        return conn

    async def build(self, js: JetStreamContext, patience: float = 300.0) -> int:
        """Replays the stream into the new tables and swaps them in; returns the number of messages read."""
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(self.settings.stream_name, self.runner.durable)
        conn = await asyncio.to_thread(self.open)
        self.runner._conn = conn
        read, deadline, again, analysed = 0, time.monotonic() + patience, None, False
        sub = await self._subscribe(js, 1)
        try:
            while True:
                try:
                    msgs = await pull.fetch(sub, REBUILD_BATCH, timeout=1.0)
                except (TimeoutError, nats.errors.TimeoutError):
                    msgs = []
                if msgs:
                    read += len(msgs)
                    first = await self._apply(msgs)
                    again = first if again is None or (first is not None and first < again) else again
                    if msgs[-1].metadata.num_pending:
                        continue  # more to read; else the end of the stream: read again, or swap
                if again is not None:  # a pass reached the end: read again from the first event that waited
                    await sub.unsubscribe()
                    await asyncio.sleep(0.2)
                    sub, again = await self._subscribe(js, again), None
                    continue
                if not analysed:  # once, outside the swap's locks
                    await asyncio.to_thread(self._analyse, conn)
                    analysed = True
                if await asyncio.to_thread(self._try_swap, conn):
                    return read
                if time.monotonic() > deadline:
                    raise NotRebuilt(f"{self.projection.name}: the new tables did not catch up with the live ones "
                                     f"within {patience:.0f}s; nothing was changed")
                await asyncio.sleep(0.5)
        finally:
            await sub.unsubscribe()
            with contextlib.suppress(NotFoundError, nats.errors.Error):
                await js.delete_consumer(self.settings.stream_name, self.runner.durable)
            await asyncio.to_thread(self._drop_schema)
            await asyncio.to_thread(conn.close)

    async def _subscribe(self, js: JetStreamContext, start: int) -> JetStreamContext.PullSubscription:
        """The rebuild's consumer (created afresh) from stream sequence ``start``; it acknowledges nothing."""
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(self.settings.stream_name, self.runner.durable)
        config = ConsumerConfig(durable_name=self.runner.durable, deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                opt_start_seq=start, ack_policy=AckPolicy.NONE, inactive_threshold=300.0,
                                filter_subject=f"{self.settings.subject_prefix}.>")
        return await js.pull_subscribe(f"{self.settings.subject_prefix}.>", durable=self.runner.durable,
                                       stream=self.settings.stream_name, config=config)

    async def _apply(self, msgs: list) -> int | None:
        """One batch into the new tables; what the live projection dead-lettered is passed over, not resent.
        Answers the stream sequence of the first message that must be read again (an event waiting for an earlier
        one of its source), if any."""
        conn = self.runner._conn
        assert conn is not None
        msgs = [self._as_delivered(msg) for msg in msgs]
        try:
            batch = await asyncio.to_thread(self.runner._apply_batch, conn, msgs)
            await asyncio.to_thread(conn.commit)
        except BaseException:
            await asyncio.to_thread(conn.rollback)
            raise
        # a rebuild holds nothing between batches: an event the batch held (or NAKed) is read again on the next pass
        waiting = [d.msg.metadata.sequence.stream for d in batch.decisions if d.action in ("nak", "hold")]
        for sequence in waiting:
            self._reads[sequence] = self._reads.get(sequence, 1) + 1
        for decision in batch.decisions:
            if decision.action == "dlq":
                log.info("%s: passed over %s (%s)", self.projection.name, decision.msg.subject, decision.reason)
        return min(waiting) if waiting else None

    def _as_delivered(self, msg: Msg) -> Msg | SimpleNamespace:
        """The message as the runner sees it: delivered as many times as the rebuild has read it (a handler that
        keeps failing is passed over after its attempts, as the live consumer's redeliveries would)."""
        reads = self._reads.get(msg.metadata.sequence.stream)
        if reads is None:
            return msg
        return SimpleNamespace(subject=msg.subject, data=msg.data,
                               metadata=dataclasses.replace(msg.metadata, num_delivered=reads))

    def _analyse(self, conn: psycopg.Connection) -> None:
        """Gathers the planner's statistics of the new tables before they are swapped in: tables filled in one go have
        none until autovacuum gets to them (never, on a server that runs without it), and a query planned without
        them may walk a whole table for one page."""
        with conn.transaction():
            for table in self.projection.tables:
                if _exists(conn, f"{self.schema}.{table}"):
                    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(self.schema, table)))

    def _try_swap(self, conn: psycopg.Connection) -> bool:
        """Swaps the new tables in if they are at least as far as the live ones for every source."""
        name, schema = self.projection.name, sql.Identifier(self.schema)
        try:
            with conn.transaction():
                conn.execute("SELECT 1 FROM public.projection_schema WHERE projection = %s FOR UPDATE", (name,))
                live_tables = [t for t in self.projection.tables if _exists(conn, f"public.{t}")]
                if live_tables:
                    conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                        sql.SQL(", ").join(sql.Identifier("public", t) for t in live_tables)))
                live = _positions(conn, sql.Identifier("public"), name)
                new = _positions(conn, schema, name)
                if any(new.get(source, 0) < sequence for source, sequence in live.items()):
                    raise Behind
                for table in live_tables:
                    conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(sql.Identifier("public", table)))
                for table in self.projection.tables:
                    if _exists(conn, f"{self.schema}.{table}"):
                        conn.execute(sql.SQL("ALTER TABLE {} SET SCHEMA public").format(
                            sql.Identifier(self.schema, table)))
                conn.execute("DELETE FROM public.projection_tracking WHERE projection = %s", (name,))
                conn.execute(sql.SQL("INSERT INTO public.projection_tracking SELECT * FROM {}.projection_tracking "
                                     "WHERE projection = %s").format(schema), (name,))
                conn.execute(
                    "INSERT INTO public.projection_schema (projection, fingerprint) VALUES (%s, %s) "
                    "ON CONFLICT (projection) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, updated_at = now()",
                    (name, self.runner.fingerprint()),
                )
        except (Behind, psycopg.errors.LockNotAvailable):
            return False
        return True

    def _drop_schema(self) -> None:
        with connect(self.db_url, autocommit=True, **self.session) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema)))


def _exists(conn: psycopg.Connection, qualified: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (qualified,)).fetchone()
    return bool(row and row["found"])


def _positions(conn: psycopg.Connection, schema: sql.Identifier, projection: str) -> dict[str, int]:
    rows = conn.execute(sql.SQL("SELECT source, last_sequence FROM {}.projection_tracking WHERE projection = %s")
                        .format(schema), (projection,)).fetchall()
    return {r["source"]: r["last_sequence"] for r in rows}
