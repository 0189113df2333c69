"""The relay: the only way events leave a service.

It follows the service's notification log (the store's total order) from a
durable position and publishes each public event to JetStream with
``Nats-Msg-Id`` = source + notification id. Batches are published
asynchronously; the position moves only past acknowledged messages. On start, after
a reconnect, after a publish the stream refused and periodically it reconciles
(``shared.heal``): a stream holding more than the position (the relay died between
publishing and saving its position) moves it forward, so nothing is resent however
long it was down; a stream holding less (the broker lost acknowledged messages, or
the stream itself) gets the missing events again, exactly as first published. Only
the replica holding a PostgreSQL advisory lock relays; LISTEN/NOTIFY wakes it on new events.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import nats.errors
import psycopg
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from psycopg import sql

from shared import acks as acks_
from shared import envelope, heal, metrics, payloads, tracing
from shared.application import IdempotencyRecord, ServiceApplication
from shared.contracts import Contract
from shared.settings import Settings
from shared.store import connect, session_options
from shared.supervisor import Loop, Stuck, supervise_alone
from shared.timing import sleep_unless

log = logging.getLogger(__name__)
STUCK_FIRST_RETRY = 0.5
STUCK_MAX_RETRY = 10.0
ACK_TIMEOUT = 10.0  # seconds a batch waits for the broker's acknowledgements once it is sent
EXPECTED_STREAM = "Nats-Expected-Stream"  # the header publish_async adds for ``stream=``

POSITION_DDL = """
CREATE TABLE IF NOT EXISTS relay_position (
    source text PRIMARY KEY,
    position bigint NOT NULL,
    last_published bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(slots=True)
class Position:
    """How far the log was relayed: last notification handled, last one published."""

    position: int = 0
    last_published: int = 0


@dataclass(slots=True)
class Outgoing:
    """One notification's place in a batch: its message (if public) and the position after it."""

    after: Position
    subject: str | None = None
    body: bytes = b""
    msg_id: str = ""
    traceparent: str = ""
    tracestate: str = ""

    def headers(self, stream: str | None = None) -> dict[str, str]:
        """The NATS headers: the dedup id, the W3C trace context of the command (if it had one), and the stream
        expected to store the message (if given)."""
        headers = {"Nats-Msg-Id": self.msg_id}
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        if self.tracestate:
            headers["tracestate"] = self.tracestate
        if stream is not None:
            headers[EXPECTED_STREAM] = stream
        return headers


class Relay:
    """Publishes one service's stored events to the stream, in order, once."""

    def __init__(
        self,
        settings: Settings,
        service: str,
        app: ServiceApplication,
        published: dict[type, type[Contract]],
        db_url: str,
        *,
        creates_tables: bool = True,
    ) -> None:
        self.settings = settings
        self.creates_tables = creates_tables  # False for a runtime role: the owner created relay_position
        self.service = service
        self.app = app
        self.published = published
        self.db_url = db_url
        self.lock_key = zlib.crc32(f"relay:{service}".encode())
        self.position = Position()
        self.active = False
        self._conn: psycopg.Connection | None = None  # the lock's connection, while active
        self.heal_status = heal.HealStatus()
        self.stuck: tuple[str, str] | None = None  # (event id, reason) of a message the broker did not take
        self._ahead: tuple[Position, list[Outgoing]] | None = None  # a batch read while idle, and where from
        self._acks: acks_.Acks | None = None  # the reply subscription collecting the broker's acknowledgements
        self._session = session_options(settings, service)
        self._county = settings.event_county
        self._contract_names: dict[type[Contract], tuple[str, str]] = {}

    @contextmanager
    def _db(self) -> Iterator[psycopg.Connection]:
        """The active relay's own (lock) connection, else a short-lived one."""
        if self._conn is not None:
            yield self._conn
            return
        with connect(self.db_url, autocommit=True, **self._session) as conn:
            yield conn

    @contextmanager
    def holding(self, conn: psycopg.Connection) -> Iterator[None]:
        """Reads and saves the position on ``conn`` meanwhile, as the active relay does on its lock's connection."""
        previous, self._conn = self._conn, conn
        try:
            yield
        finally:
            self._conn = previous

    # --- durable position -------------------------------------------------------------
    def load_position(self) -> Position:
        """Reads the durable position (creating the table on first use, unless the owner role made it)."""
        with self._db() as conn:
            if self.creates_tables:
                conn.execute(POSITION_DDL)
            row = conn.execute(
                "SELECT position, last_published FROM relay_position WHERE source = %s", (self.service,)
            ).fetchone()
        return Position(row["position"], row["last_published"]) if row else Position()

    def save_position(self, position: Position) -> None:
        """Records how far the log was relayed."""
        with self._db() as conn:
            conn.execute(
                "INSERT INTO relay_position (source, position, last_published) VALUES (%s, %s, %s) "
                "ON CONFLICT (source) DO UPDATE SET position = EXCLUDED.position, "
                "last_published = EXCLUDED.last_published, updated_at = now()",
                (self.service, position.position, position.last_published),
            )

    # --- reading the log ----------------------------------------------------------------
    def read_batch(self, after: Position | None = None) -> list[Outgoing]:
        """The next notifications after the position (or ``after``), turned into messages."""
        after = after or self.position
        notifications = self.app.recorder.select_notifications(
            start=after.position + 1, limit=self.settings.relay_batch
        )
        state = Position(after.position, after.last_published)
        batch: list[Outgoing] = []
        for notification in notifications:
            try:
                batch.append(self._outgoing(notification, state))
            except Exception as exc:
                if batch:
                    return batch  # publish what precedes it; the next batch starts at it
                raise Stuck(envelope.event_id(self.service, notification.id),
                            f"notification {notification.id} ({notification.topic}) cannot be turned into "
                            f"a message: {type(exc).__name__}: {exc}") from exc
            state = batch[-1].after
        return batch

    def _outgoing(self, notification, state: Position) -> Outgoing:
        domain_event = self.app.mapper.to_domain_event(notification)
        contract = self.published.get(type(domain_event))
        if contract is None:
            if not isinstance(domain_event, IdempotencyRecord.Event):
                log.warning("relay %s: %s has no contract; not published", self.service, notification.topic)
            return Outgoing(after=Position(notification.id, state.last_published))
        values = vars(domain_event)
        subject, event_type = self._names(contract)
        document = envelope.document(
            service=self.service,
            event_type=event_type,
            data=payloads.data(contract, values),
            notification_id=notification.id,
            previous_id=state.last_published,
            aggregate_id=str(domain_event.originator_id),
            aggregate_version=domain_event.originator_version,
            timestamp=domain_event.timestamp,
            ctx=values.get("ctx"),
            county=self._county,
        )
        return Outgoing(
            after=Position(notification.id, notification.id),
            subject=subject,
            body=envelope.encode(document),
            msg_id=document["id"],
            traceparent=document.get("traceparent", ""),
            tracestate=document.get("tracestate", ""),
        )

    def _names(self, contract: type[Contract]) -> tuple[str, str]:
        """A contract's subject and CloudEvents type (found once per contract)."""
        names = self._contract_names.get(contract)
        if names is None:
            names = self._contract_names[contract] = (contract.subject(self.settings.subject_prefix),
                                                      contract.event_type())
        return names

    # --- publishing ---------------------------------------------------------------------
    async def publish(self, js: JetStreamContext, batch: Sequence[Outgoing]) -> Position:
        """Publishes a batch; returns the position after the last message acknowledged in order.

        The first message the broker does not take (refused, e.g. too large, or not acknowledged in
        time) ends the batch there and is recorded in ``stuck``: it is resent, never skipped.
        """
        acks = await self._acks_on(js)
        answers = acks.batch(len(batch))
        sent = await self._send(acks.nc, batch, answers)
        await answers.wait(ACK_TIMEOUT)
        reached, stored = self.position, 0
        for index, item in enumerate(batch[:sent]):
            if item.subject is not None:
                failure = answers.result(index)
                if failure is not None:
                    self._stuck_at(item, failure)
                    break
                stored += 1
            reached = item.after
        if stored:
            metrics.RELAY_PUBLISHED.labels(self.service).inc(stored)
        if sent == len(batch) and reached == batch[-1].after:
            self.stuck = None
        return reached

    async def _send(self, nc: NATS, batch: Sequence[Outgoing], answers: acks_.Batch) -> int:
        """Publishes the batch's public messages, each answering to its own reply subject; returns how many of
        the batch's items were handled before one the client refused to send (all, if none was)."""
        stream, traced = self.settings.stream_name, tracing.enabled()
        for index, item in enumerate(batch):
            if item.subject is None:
                continue
            try:
                if traced:
                    with tracing.publishing(self.service, item.subject, item.msg_id, item.traceparent,
                                            item.tracestate):
                        await nc.publish(item.subject, item.body, answers.reply(index), item.headers(stream))
                else:
                    await nc.publish(item.subject, item.body, answers.reply(index), item.headers(stream))
            except (TimeoutError, nats.errors.Error) as exc:  # refused before sending (e.g. over max_payload)
                self._stuck_at(item, exc)
                return index
        return len(batch)

    def _stuck_at(self, item: Outgoing, exc: BaseException) -> None:
        self.stuck = (item.msg_id, _publish_failure(item, exc))
        heal.note_publish_failure(self, exc)

    async def _acks_on(self, js: JetStreamContext) -> acks_.Acks:
        """The reply subscription on the context's connection (made on first use, again on a new connection)."""
        nc = js._nc  # the JetStream context's connection
        if self._acks is None or self._acks.nc is not nc:
            if self._acks is not None:
                await self._acks.close()
            self._acks = await acks_.Acks(nc).start()
        return self._acks

    async def reconcile(self, js: JetStreamContext) -> list[list[int]]:
        """Makes the stream hold what the store published: moves forward past what it holds beyond the
        position, republishes what it lost (re-creating a stream that is gone); returns the missing runs."""
        return await heal.reconcile(self, js)

    async def step(self, js: JetStreamContext) -> int:
        """Relays one batch (the one read while waiting, if read from the current position); returns how many
        notifications it moved past."""
        ahead, self._ahead = self._ahead, None
        batch = ahead[1] if ahead is not None and ahead[0] == self.position else None
        if batch is None:
            batch = await asyncio.to_thread(self.read_batch)
        if not batch:
            return 0
        end = batch[-1].after
        following = asyncio.ensure_future(asyncio.to_thread(self.read_batch, end))  # read while acks come back
        try:
            reached = await self.publish(js, batch)
            moved = reached.position - self.position.position
            if moved:
                await asyncio.to_thread(self.save_position, reached)
                self.position = reached
        except BaseException:
            await asyncio.gather(following, return_exceptions=True)
            raise
        if reached == end and self.stuck is None:
            self._ahead = (end, await following)  # a batch it cannot turn into messages raises Stuck here
        else:
            await asyncio.gather(following, return_exceptions=True)
        return moved

    # --- running --------------------------------------------------------------------------
    async def run(self, js: JetStreamContext, stop: asyncio.Event) -> None:
        """Relays until ``stop`` is set, restarted after any failure (on its own supervisor)."""
        await supervise_alone(self.service, "relay", lambda st, loop: self.attempt(js, st, loop), stop)

    async def attempt(self, js: JetStreamContext, stop: asyncio.Event, loop: Loop) -> None:
        """One supervised run: wait for the advisory lock (standby), then relay until ``stop``.

        Any failure (PostgreSQL or NATS gone, a bug) propagates to the supervisor, which restarts
        this with backoff; the lock's session ends with its connection, so another replica may take over.
        """
        loop.starting("connecting to the store")
        lock_conn = await asyncio.to_thread(partial(connect, self.db_url, True, **self._session))
        try:
            while not await asyncio.to_thread(self._try_lock, lock_conn):
                loop.standby("another replica holds the relay lock")
                await sleep_unless(stop, 2.0)
                if stop.is_set():
                    return
            await self._run_active(js, stop, lock_conn, loop)
        finally:
            self.active = False
            await asyncio.to_thread(lock_conn.close)

    async def _run_active(
        self, js: JetStreamContext, stop: asyncio.Event, lock_conn: psycopg.Connection, loop: Loop,
    ) -> None:
        self.active, self._conn, self.stuck, self._ahead = True, lock_conn, None, None
        loop.starting("holding the relay lock; catching up")
        self.position = await asyncio.to_thread(self.load_position)
        self.heal_status.due = True
        listen = await asyncio.to_thread(self._listen)
        retry = STUCK_FIRST_RETRY
        try:
            while not stop.is_set():
                if heal.due(self, js):
                    await self.reconcile(js)
                moved = await self.step(js)
                if self.stuck is not None:
                    event_id, reason = self.stuck
                    loop.stalled(reason, event_id)
                    await sleep_unless(stop, retry)  # resent, never skipped; later events wait behind it
                    retry = min(retry * 2, STUCK_MAX_RETRY)
                    continue
                retry = STUCK_FIRST_RETRY
                loop.running()
                if moved == 0:
                    self._ahead = await asyncio.to_thread(self._idle, lock_conn, listen)
        finally:
            self._conn = None
            await asyncio.to_thread(listen.close)

    def _idle(self, lock_conn: psycopg.Connection, listen: psycopg.Connection) -> tuple[Position, list[Outgoing]]:
        """Checks the lock's session, waits (up to a second) for a new event's notification, and reads the next
        batch at once, in the same worker thread (one hand-over fewer between a commit and its publication)."""
        lock_conn.execute("SELECT 1")  # still holding the lock?
        _wait_notify(listen, 1.0)
        position = Position(self.position.position, self.position.last_published)
        return position, self.read_batch()

    def _try_lock(self, conn: psycopg.Connection) -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (self.lock_key,)).fetchone()
        return bool(row and row["ok"])

    def _listen(self) -> psycopg.Connection:
        conn = connect(self.db_url, autocommit=True, **self._session)
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.app.recorder.channel_name)))
        return conn

    def lag(self, conn: psycopg.Connection) -> int:
        """Stored notifications not yet relayed: the store's head minus the durable position (any replica)."""
        row = conn.execute(
            sql.SQL("SELECT (SELECT max(notification_id) FROM {}) AS head, "
                    "(SELECT position FROM relay_position WHERE source = %s) AS position").format(
                sql.Identifier(self.app.recorder.datastore.schema, self.app.recorder.events_table_name)),
            (self.service,),
        ).fetchone()
        return max((row["head"] or 0) - (row["position"] or 0), 0) if row else 0


async def last_sequence_in_stream(js: JetStreamContext, settings: Settings, service: str) -> int:
    """The ``sequence`` of the newest message this source has in the stream (0 if none)."""
    return await heal.last_sequence(js, settings, service)


def _publish_failure(item: Outgoing, exc: BaseException) -> str:
    what = type(exc).__name__ + (f": {exc}" if str(exc) else "")
    return f"notification {item.after.position} ({len(item.body)} bytes on {item.subject}) not published: {what}"


def _wait_notify(conn: psycopg.Connection, timeout: float) -> None:
    for _ in conn.notifies(timeout=timeout, stop_after=1):
        break

