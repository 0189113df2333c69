"""Projections: read models built from the stream, exactly once in effect.

A ``Projection`` says which tables it owns and how each event type changes them. A ``ProjectionRunner`` feeds it from
a durable JetStream pull consumer: each batch is applied **and** the per-source position recorded in one PostgreSQL
transaction, so a redelivered message changes nothing. A message that cannot be decoded, or whose handler keeps
failing (any exception, domain refusals included), is published to ``<prefix>.dlq.<projection>`` with the reason in
its headers, and the consumer carries on. A projection that ``halts_on_failure`` (the audit ledger) never does that to
an event: it stops at it, retrying with backoff, and its loop shows stalled with the event's id and the reason until
the cause is gone. A projection that may be rebuilt drops its tables and consumer on ``reset()`` and starts again from
the stream's first message.

An event that arrives ahead of the event before it in its source is held in memory, unacked, and applied right after
that event (``shared.held``), rather than NAKed back and forth until the one it waits for comes. A batch with nothing
for the read model waits to be applied with the next batch that has something, or a short while (``shared.coalesce``).

Near 500 lines on purpose: the runner, the per-message decision and the dead-letter path are one
exactly-once mechanism; each part is tested on its own (tests/unit/shared/test_projection_decide.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence

import nats.errors
import psycopg
from eventsourcing import persistence
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from psycopg_pool import ConnectionPool
from pydantic import ValidationError

from shared import metrics, pull, tracing
from shared.coalesce import Deferred, subject_words
from shared.decisions import Batch, Decision, Halt, dead_letter, settle
from shared.envelope import CloudEvent
from shared.held import ACK_WAIT, WAITING, Held, Pending, give_back
from shared.projection_parts import PERMANENT, SCHEMA_DDL, TRACKING_DDL, contract_problem, first_error
from shared.settings import Settings
from shared.store import StoreUnreachable, connect
from shared.supervisor import Loop, supervise_alone

log = logging.getLogger(__name__)
IDLE_FETCH = 1.0  # seconds a fetch waits for a first message when nothing is held or waiting to be applied

Handler = Callable[[psycopg.Cursor, CloudEvent], None]
__all__ = ["PERMANENT", "SCHEMA_DDL", "TRACKING_DDL", "Batch", "Handler", "Projection", "ProjectionRunner"]

class Projection:
    """A read model: its tables, and a handler per CloudEvents type."""

    name: str = ""
    ddl: Sequence[str] = ()
    tables: Sequence[str] = ()
    resettable: bool = True
    halts_on_failure: bool = False
    """True: an event of a known source that fails (handler or contract) is never dead-lettered or
    passed over; the projection stops at it and retries until it succeeds (a gap is worse than a delay)."""
    checks_contracts: bool = True
    """False: any well-formed event document is applied, whatever its type or payload (the audit ledger records
    what the stream carried, including event types this process does not know yet)."""

    def handlers(self) -> dict[str, Handler]:
        """Handlers by CloudEvents ``type``; other types are passed over (and still tracked)."""
        return {}

    def subjects(self) -> frozenset[str] | None:
        """The subject words (``service.aggregate.event``) of the events a handler may apply; None (a projection
        that overrides ``apply``): every event."""
        return None if type(self).apply is not Projection.apply else subject_words(self.handlers())

    @contextlib.contextmanager
    def batch(self, cur: psycopg.Cursor) -> Iterator[None]:
        """Around the events of one batch, inside its transaction and outside any event's savepoint: a projection
        may take a lock or read a head once per batch here (the audit ledger does). Nothing by default."""
        yield

    pipelines: bool = False
    """True: no handler reads a result (fetch, ``rowcount``): a quick pass sends the statements pipelined."""
    quick_pass: bool = False  # set by the runner before each batch: a quick pass, or a careful one

    def applies_in_memory(self) -> bool:
        """True while ``apply`` runs no statement (it gathers rows that ``batch`` writes when the batch closes): the
        runner then applies each event without a savepoint of its own. False by default."""
        return False

    def apply(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        """Changes the read model for one event (the handler table is built once, on the first event)."""
        table = self.__dict__.get("_handler_table")
        if table is None:
            table = self.__dict__["_handler_table"] = self.handlers()
        handler = table.get(event.type)
        if handler is not None:
            handler(cur, event)


class _Careful(Exception):
    """A handler failed in a quick batch: the batch is rolled back and applied again, one savepoint per event."""


class ProjectionRunner:
    """Feeds one projection from the stream."""

    def __init__(
        self, settings: Settings, projection: Projection, db_url: str, pool: ConnectionPool | None = None,
        *, creates_tables: bool = True,
    ) -> None:
        self.settings = settings
        # False for a runtime role, which may run no DDL at all: the owner created the tables (shared.store.provision)
        self.creates_tables = creates_tables
        self.projection = projection
        self.db_url = db_url
        self.pool = pool  # the process's shared pool: a connection is borrowed per batch
        self.halted: dict[str, Halt] = {}
        self.held = Held(settings.consumer_max_held, settings.consumer_batch)  # waiting for an earlier event
        self.deferred = Deferred(settings.subject_prefix, projection.subjects(), settings.consumer_batch,
                                 settings.consumer_coalesce_ms / 1000)  # nothing for the read model: applied later
        self.durable = projection.name.replace(".", "_")
        self.dlq_subject = f"{settings.subject_prefix}.dlq.{projection.name}"
        self._dlq_prefix = f"{settings.subject_prefix}.dlq."
        self._conn: psycopg.Connection | None = None

    @contextlib.contextmanager
    def _db(self) -> Iterator[psycopg.Connection]:
        """A connection for set-up work: the shared pool's, else a short-lived one."""
        if self.pool is not None:
            with self.pool.connection() as conn:
                yield conn
        else:
            with connect(self.db_url) as conn:
                yield conn

    # --- tables -------------------------------------------------------------------------
    def setup(self) -> None:
        """Creates the read model's tables and the tracking table, and records the schema they follow."""
        with self._db() as conn, conn.transaction():
            self._create_bookkeeping(conn)
            for statement in self.projection.ddl if self.creates_tables and not self._owned_by_another_role(conn) \
                    else ():
                conn.execute(statement)
            conn.execute(
                "INSERT INTO projection_schema (projection, fingerprint) VALUES (%s, %s) "
                "ON CONFLICT (projection) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, updated_at = now()",
                (self.projection.name, self.fingerprint()),
            )

    def _create_bookkeeping(self, conn: psycopg.Connection) -> None:
        if self.creates_tables:
            conn.execute(TRACKING_DDL)
            conn.execute(SCHEMA_DDL)

    def _owned_by_another_role(self, conn: psycopg.Connection) -> bool:
        """True if the tables exist under another role (the append-only ledger: its owner migrates it,
        deploy/postgres/README.md); this role then only uses them."""
        if not self.projection.tables:
            return False
        row = conn.execute("SELECT tableowner <> current_user AS other FROM pg_tables "
                           "WHERE schemaname = current_schema() AND tablename = %s", (self.projection.tables[0],)
                           ).fetchone()
        return bool(row and row["other"])

    def fingerprint(self) -> str:
        """A digest of the read model's DDL: when the code changes it, the tables are rebuilt."""
        text = "\n".join([*self.projection.ddl, *self.projection.tables])
        return hashlib.sha256(text.encode()).hexdigest()

    def schema_changed(self) -> bool:
        """True if the tables were built by a different version of the projection."""
        with self._db() as conn, conn.transaction():
            self._create_bookkeeping(conn)
            row = conn.execute(
                "SELECT fingerprint FROM projection_schema WHERE projection = %s", (self.projection.name,)
            ).fetchone()
            if row is not None:
                return row["fingerprint"] != self.fingerprint()
            if not self.projection.resettable:
                return False  # nothing recorded yet: setup records it; an append-only table is never rebuilt
            applied = conn.execute(
                "SELECT 1 FROM projection_tracking WHERE projection = %s LIMIT 1", (self.projection.name,)
            ).fetchone()
            return applied is not None  # built before fingerprints were recorded

    async def rebuild_if_schema_changed(self, js: JetStreamContext) -> None:
        """Drops and rebuilds a read model whose schema changed since it was built."""
        if not await asyncio.to_thread(self.schema_changed):
            return
        if not self.projection.resettable:
            log.error("projection %s changed its schema but is append-only: migrate it by hand",
                      self.projection.name)
            return
        log.warning("projection %s: schema changed; rebuilding from the stream", self.projection.name)
        await self.reset(js)

    async def reset(self, js: JetStreamContext) -> None:
        """Drops the read model and its consumer, so the next run rebuilds it from the start."""
        if not self.projection.resettable:
            raise RuntimeError(f"projection {self.projection.name} is append-only and cannot be reset")
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(self.settings.stream_name, self.durable)
        await asyncio.to_thread(self._drop)

    def _drop(self) -> None:
        with self._db() as conn, conn.transaction():
            for table in self.projection.tables:
                conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
            conn.execute(TRACKING_DDL)
            conn.execute("DELETE FROM projection_tracking WHERE projection = %s", (self.projection.name,))
            conn.execute(SCHEMA_DDL)
            conn.execute("DELETE FROM projection_schema WHERE projection = %s", (self.projection.name,))

    # --- consuming ----------------------------------------------------------------------
    async def subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        """Binds the durable pull consumer over the whole stream, creating it or bringing its settings up to date.

        ``max_ack_pending`` is unlimited by default (``SW_CONSUMER_MAX_ACK_PENDING``): after the relay refills a
        gap in the middle of the stream, the missing events arrive at its end, and every later event of that source
        waits (held, or NAKed beyond the limit) until they do; a limit would let the waiting ones fill it and stall
        the consumer for good.
        """
        config = ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ACK_WAIT,
            max_ack_pending=self.settings.consumer_max_ack_pending,
            filter_subject=f"{self.settings.subject_prefix}.>",
        )
        await js.add_consumer(self.settings.stream_name, config)  # creates, or updates an existing one's settings
        return await js.pull_subscribe(
            f"{self.settings.subject_prefix}.>", durable=self.durable,
            stream=self.settings.stream_name, config=config,
        )

    async def run(self, js: JetStreamContext, stop: asyncio.Event) -> None:
        """Consumes until ``stop`` is set, restarted after any failure (on its own supervisor)."""
        await self.rebuild_if_schema_changed(js)
        await supervise_alone(self.projection.name, "projection", lambda st, loop: self.attempt(js, st, loop), stop)

    async def attempt(self, js: JetStreamContext, stop: asyncio.Event, loop: Loop) -> None:
        """One supervised run: set up the tables, bind the consumer, consume until ``stop``."""
        loop.starting("binding the consumer")
        try:
            await asyncio.to_thread(self.setup)  # again after a reset, which dropped the tables
            sub = await self.subscribe(js)
            await self._consume(js, sub, stop, loop)
        finally:
            await self.held.hand_back()  # delivered again at once, to this run's successor
            await self.deferred.hand_back()
            await asyncio.to_thread(self._close)

    async def _consume(self, js: JetStreamContext, sub, stop: asyncio.Event, loop: Loop) -> None:
        deferred, batch = self.deferred, self.settings.consumer_batch
        while not stop.is_set():
            try:  # held events that may follow what was applied go first: nothing new is taken meanwhile
                wait = deferred.fetch_timeout(self.held.fetch_timeout(IDLE_FETCH))
                msgs = [] if self.held.ready else await pull.fetch(sub, batch, timeout=wait)
            except (TimeoutError, nats.errors.TimeoutError):
                if not len(deferred) and wait >= IDLE_FETCH:  # idle, not following another replica's progress
                    await self._report_lag(sub)
                msgs = []
            msgs, held = deferred.take(msgs, holding=len(self.held) > 0), len(self.held)
            if msgs or held:  # nothing new: the held may follow what another replica applied
                await self.process(js, msgs)
                self.held.passed(held)
            await self.held.keep_alive()
            self._report(loop)

    def _report(self, loop: Loop) -> None:
        """Running, or stalled at the first event a halting projection cannot get past."""
        if self.halted:
            halt = next(iter(self.halted.values()))
            loop.stalled(halt.reason, halt.event_id)
        else:
            loop.running()

    async def process(self, js: JetStreamContext, msgs: Sequence[Msg]) -> None:
        """Applies a batch in one transaction, dead-letters what must be (before the commit), then acks; a batch
        with nothing to dead-letter is applied and committed in one call to a worker thread (``_apply_committing``)."""
        conn = None
        try:
            conn, batch = await asyncio.to_thread(self._apply_committing, msgs)
            if conn is not None:
                await dead_letter(js, self.settings.stream_name, self.dlq_subject, self.projection.name,
                                  batch.decisions)
                await asyncio.to_thread(conn.commit)
                await asyncio.to_thread(self._release, conn)
        except BaseException:
            if conn is not None:
                await asyncio.to_thread(self._discard, conn)
            await give_back(msgs)
            raise
        # Counted once committed: a quick pass rolled back and applied again carefully is not counted twice.
        metrics.CONSUMER_APPLIED.labels(self.projection.name).inc(sum(d.applied for d in batch.decisions))
        self._note_halts(batch)
        self.held.settle(batch)
        await self._settle(batch.decisions)

    def _apply_committing(self, msgs: Sequence[Msg]) -> tuple[psycopg.Connection | None, Batch]:
        """Applies and commits the batch, unless it has something to dead-letter first: then answers its connection."""
        conn = self._connection()
        try:
            batch = self._apply_batch(conn, msgs)
            if any(decision.action == "dlq" for decision in batch.decisions):
                return conn, batch
            conn.commit()
        except BaseException:
            self._discard(conn)
            raise
        self._release(conn)
        return None, batch

    def _note_halts(self, batch: Batch) -> None:
        for source, (sequence, _stream) in batch.reached.items():
            halt = self.halted.get(source)
            if halt is not None and sequence >= halt.sequence:
                del self.halted[source]
                log.warning("projection %s: got past %s; carrying on", self.projection.name, halt.event_id)
        self.halted.update(batch.halted)

    # --- the transaction ----------------------------------------------------------------
    def _apply_batch(self, conn: psycopg.Connection, msgs: Sequence[Msg]) -> Batch:
        """Applies a batch (uncommitted): first quickly, without a savepoint per event; if a handler fails, the
        transaction is rolled back and the batch applied again with one savepoint per event, so only the failing
        event's changes are undone (a halting projection, which must stop exactly at it, always goes carefully)."""
        if not self.projection.halts_on_failure:
            try:
                return self._apply_all(conn, msgs, Batch(quick=True))
            except _Careful:
                conn.rollback()
        return self._apply_all(conn, msgs, Batch())

    def _apply_all(self, conn: psycopg.Connection, msgs: Sequence[Msg], batch: Batch) -> Batch:
        with conn.cursor() as cur:
            # A rebuild swapping new tables in holds this row: the batch waits, then reads the new positions.
            cur.execute("SELECT 1 FROM projection_schema WHERE projection = %s FOR SHARE", (self.projection.name,))
            last = self._positions(cur)
            self._apply_events(cur, msgs, last, batch)
            for source, (sequence, stream_seq) in batch.reached.items():
                cur.execute(
                    "INSERT INTO projection_tracking (projection, source, last_sequence, stream_sequence) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (projection, source) DO UPDATE SET "
                    "last_sequence = EXCLUDED.last_sequence, stream_sequence = EXCLUDED.stream_sequence, "
                    "updated_at = now()",
                    (self.projection.name, source, sequence, stream_seq),
                )
        return batch

    def _apply_events(self, cur: psycopg.Cursor, msgs: Sequence[Msg], last: dict[str, int], batch: Batch) -> None:
        """Each message inside the projection's ``batch`` (pipelined in a quick pass if it ``pipelines``); in a quick
        pass, a failure where the batch closes or the pipeline syncs sends the batch back to go carefully. Held
        events come first if the events before them were applied meanwhile (by another replica); an event that must
        wait is held (``shared.held``), and applied as soon as the event before it is."""
        self.projection.quick_pass = batch.quick
        pipelined = batch.quick and self.projection.pipelines
        pending = self.held.pending()
        try:
            with cur.connection.pipeline() if pipelined else contextlib.nullcontext(), self.projection.batch(cur):
                for source in pending.sources():
                    self._follow(cur, source, pending, last, batch)
                for msg in msgs:
                    self._take(cur, msg, pending, last, batch)
        except Exception as exc:
            if isinstance(exc, _Careful) or not batch.quick or cur.connection.broken or cur.connection.closed:
                raise
            raise _Careful from exc
        pending.close(batch)

    def _take(self, cur: psycopg.Cursor, msg: Msg, pending: Pending, last: dict[str, int], batch: Batch) -> None:
        """Decides one message: held if it must wait (and the limit allows), then the held ones it lets through."""
        decision = self._decide(cur, msg, last, batch)
        event = decision.event
        if decision.reason == WAITING and event is not None and pending.hold(event, msg):
            return
        batch.decisions.append(decision)
        if event is not None:
            self._follow(cur, event.source, pending, last, batch)

    def _follow(self, cur: psycopg.Cursor, source: str, pending: Pending, last: dict[str, int], batch: Batch) -> None:
        """Applies the source's held events, in sequence order, as long as each follows what is applied."""
        while (msg := pending.next_ready(source, last.get(source, 0))) is not None:
            batch.decisions.append(self._decide(cur, msg, last, batch))

    def _positions(self, cur: psycopg.Cursor) -> dict[str, int]:
        cur.execute(
            "SELECT source, last_sequence FROM projection_tracking WHERE projection = %s",
            (self.projection.name,),
        )
        return {row["source"]: row["last_sequence"] for row in cur.fetchall()}

    def _decide(self, cur: psycopg.Cursor, msg: Msg, last: dict[str, int], batch: Batch) -> Decision:
        if msg.subject.startswith(self._dlq_prefix):
            return Decision(msg, "ack")
        try:
            event = CloudEvent.parse(msg.data).received_at(msg.metadata.sequence.stream)
        except ValidationError as exc:
            return Decision(msg, "dlq", reason=f"not a valid event document: {first_error(exc)}")
        except ValueError as exc:
            return Decision(msg, "dlq", reason=f"not JSON: {exc}")
        decision = self._decide_event(cur, msg, event, last, batch)
        decision.event = event
        return decision

    def _decide_event(self, cur: psycopg.Cursor, msg: Msg, event: CloudEvent, last: dict[str, int],
                      batch: Batch) -> Decision:
        seen = last.get(event.source, 0)
        if event.sequence <= seen:
            return Decision(msg, "ack")  # a redelivery or a resend: already applied
        if event.prevsequence > seen:
            delay = min(0.2 * msg.metadata.num_delivered, WAIT_MAX)  # behind a halted event: no busy loop
            return Decision(msg, "nak", reason=WAITING, delay=delay)
        failure = (contract_problem(event) if self.projection.checks_contracts else "") or self._apply_one(
            cur, event, batch.quick)
        if failure and self.projection.halts_on_failure:
            reason = failure.removeprefix(PERMANENT)
            batch.halted[event.source] = Halt(event.id, event.sequence, reason)
            delay = min(0.5 * 2 ** (msg.metadata.num_delivered - 1), HALT_BACKOFF_MAX)
            return Decision(msg, "nak", reason=reason, delay=delay)
        permanent = failure.startswith(PERMANENT)
        if failure and not permanent and msg.metadata.num_delivered < self.settings.consumer_max_attempts:
            return Decision(msg, "nak", reason=failure, delay=0.5 * msg.metadata.num_delivered)
        last[event.source] = event.sequence
        batch.reached[event.source] = (event.sequence, msg.metadata.sequence.stream)
        if permanent:
            return Decision(msg, "dlq", reason=failure.removeprefix(PERMANENT))
        if failure:
            return Decision(msg, "dlq", reason=f"failed {msg.metadata.num_delivered} times: {failure}")
        return Decision(msg, "ack", applied=True)

    def _apply_one(self, cur: psycopg.Cursor, event: CloudEvent, quick: bool = False) -> str:
        """Applies one event inside a savepoint (``quick``: none; a failure raises ``_Careful``); returns the
        failure, if any."""
        try:
            with tracing.consuming(self.projection.name, event):
                if quick or self.projection.applies_in_memory():
                    self.projection.apply(cur, event)  # no statement to roll back: no savepoint
                else:
                    with cur.connection.transaction():
                        self.projection.apply(cur, event)
        except UNREACHABLE:
            raise  # the database, not the event: the whole batch is retried, nothing dead-lettered
        except Exception as exc:
            if quick:
                raise _Careful from exc
            log.warning("projection %s: %s %s failed: %s", self.projection.name, event.type, event.id, exc)
            return f"{type(exc).__name__}: {exc}"
        return ""

    # --- after the transaction ----------------------------------------------------------
    _settle = staticmethod(settle)  # acks and NAKs once the batch's transaction is settled

    async def _report_lag(self, sub) -> None:
        """Publishes the lag; a deleted consumer (a reset) raises NotFoundError, so the loop re-subscribes."""
        try:
            info = await sub.consumer_info()
        except NotFoundError:
            raise
        except (TimeoutError, nats.errors.Error):
            return
        metrics.CONSUMER_LAG.labels(self.projection.name).set(info.num_pending + info.num_ack_pending)

    def _connection(self) -> psycopg.Connection:
        """The pool's connection for one batch, or the runner's own when it has no pool. The shared pool is busy at
        times (a process's consumers share it): a batch waits longer than a request would, not failing for it."""
        if self.pool is not None:
            return self.pool.getconn(timeout=ACK_WAIT / 3)
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.db_url)
        return self._conn

    def _release(self, conn: psycopg.Connection) -> None:
        if self.pool is not None:
            self.pool.putconn(conn)

    def _discard(self, conn: psycopg.Connection) -> None:
        """After a failed batch: roll back, and give the connection back (the pool checks it)."""
        with contextlib.suppress(psycopg.Error):
            conn.rollback()
        if self.pool is not None:
            self.pool.putconn(conn)
        elif conn.closed or conn.broken:
            self._conn = None

    def _close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None


UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError, StoreUnreachable,
               persistence.OperationalError, persistence.InterfaceError)
HALT_BACKOFF_MAX, WAIT_MAX = 30.0, 5.0
