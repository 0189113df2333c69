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

import nats.errors
import psycopg
from nats.js import JetStreamContext
from psycopg import sql

from shared import envelope, heal, metrics
from shared.application import IdempotencyRecord, ServiceApplication
from shared.contracts import Contract
from shared.settings import Settings
from shared.store import connect
from shared.timing import sleep_unless

log = logging.getLogger(__name__)

POSITION_DDL = """
CREATE TABLE IF NOT EXISTS relay_position (
    source text PRIMARY KEY,
    position bigint NOT NULL,
    last_published bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass
class Position:
    """How far the log was relayed: last notification handled, last one published."""

    position: int = 0
    last_published: int = 0


@dataclass
class Outgoing:
    """One notification's place in a batch: its message (if public) and the position after it."""

    after: Position
    subject: str | None = None
    body: bytes = b""
    msg_id: str = ""


class Relay:
    """Publishes one service's stored events to the stream, in order, once."""

    def __init__(
        self,
        settings: Settings,
        service: str,
        app: ServiceApplication,
        published: dict[type, type[Contract]],
        db_url: str,
    ) -> None:
        self.settings = settings
        self.service = service
        self.app = app
        self.published = published
        self.db_url = db_url
        self.lock_key = zlib.crc32(f"relay:{service}".encode())
        self.position = Position()
        self.active = False
        self._conn: psycopg.Connection | None = None  # the lock's connection, while active
        self.heal_status = heal.HealStatus()

    @contextmanager
    def _db(self) -> Iterator[psycopg.Connection]:
        """The active relay's own (lock) connection, else a short-lived one."""
        if self._conn is not None:
            yield self._conn
            return
        with connect(self.db_url, autocommit=True) as conn:
            yield conn

    # --- durable position -------------------------------------------------------------
    def load_position(self) -> Position:
        """Reads the durable position (creating the table on first use)."""
        with self._db() as conn:
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
    def read_batch(self) -> list[Outgoing]:
        """The next notifications after the position, turned into messages."""
        notifications = self.app.recorder.select_notifications(
            start=self.position.position + 1, limit=self.settings.relay_batch
        )
        state = Position(self.position.position, self.position.last_published)
        batch = []
        for notification in notifications:
            batch.append(self._outgoing(notification, state))
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
        document = envelope.build(
            service=self.service,
            payload=contract.from_event(values),
            notification_id=notification.id,
            previous_id=state.last_published,
            aggregate_id=str(domain_event.originator_id),
            aggregate_version=domain_event.originator_version,
            timestamp=domain_event.timestamp,
            ctx=values.get("ctx"),
        )
        return Outgoing(
            after=Position(notification.id, notification.id),
            subject=contract.subject(self.settings.subject_prefix),
            body=envelope.encode(document),
            msg_id=document["id"],
        )

    # --- publishing ---------------------------------------------------------------------
    async def publish(self, js: JetStreamContext, batch: Sequence[Outgoing]) -> Position:
        """Publishes a batch; returns the position after the last message acknowledged in order."""
        futures = []
        for item in batch:
            if item.subject is None:
                futures.append(None)
                continue
            futures.append(await js.publish_async(
                item.subject, item.body, headers={"Nats-Msg-Id": item.msg_id}, stream=self.settings.stream_name,
            ))
        reached = self.position
        for item, future in zip(batch, futures, strict=True):
            if future is not None:
                try:
                    await asyncio.wait_for(future, timeout=10)
                except (TimeoutError, nats.errors.Error) as exc:
                    log.warning("relay %s: publish of %s failed (%s); will resend", self.service, item.msg_id, exc)
                    heal.note_publish_failure(self, exc)
                    _drain(futures)
                    return reached
                metrics.RELAY_PUBLISHED.labels(self.service).inc()
            reached = item.after
        return reached

    async def reconcile(self, js: JetStreamContext) -> list[list[int]]:
        """Makes the stream hold what the store published: moves forward past what it holds beyond the
        position, republishes what it lost (re-creating a stream that is gone); returns the missing runs."""
        return await heal.reconcile(self, js)

    async def step(self, js: JetStreamContext) -> int:
        """Relays one batch; returns how many notifications it moved past."""
        batch = await asyncio.to_thread(self.read_batch)
        if not batch:
            return 0
        reached = await self.publish(js, batch)
        moved = reached.position - self.position.position
        if moved:
            await asyncio.to_thread(self.save_position, reached)
            self.position = reached
        if reached.position != batch[-1].after.position:
            await asyncio.sleep(0.5)
        return moved

    # --- running --------------------------------------------------------------------------
    async def run(self, js: JetStreamContext, stop: asyncio.Event) -> None:
        """Waits for the advisory lock, then relays until ``stop`` is set."""
        while not stop.is_set():
            lock_conn = await asyncio.to_thread(self._try_lock)
            if lock_conn is None:
                await sleep_unless(stop, 2.0)
                continue
            try:
                await self._run_active(js, stop, lock_conn)
            except (TimeoutError, nats.errors.Error, psycopg.Error, OSError) as exc:
                log.warning("relay %s stopped (%s); restarting", self.service, exc)
                await sleep_unless(stop, 1.0)
            except Exception:
                # A stored event the relay cannot turn into a message must not be skipped: the relay
                # retries (the lag metric shows it is stuck) rather than dying silently.
                log.exception("relay %s failed; retrying in 5 s", self.service)
                await sleep_unless(stop, 5.0)
            finally:
                self.active = False
                await asyncio.to_thread(lock_conn.close)

    async def _run_active(self, js: JetStreamContext, stop: asyncio.Event, lock_conn: psycopg.Connection) -> None:
        self.active, self._conn = True, lock_conn
        self.position = await asyncio.to_thread(self.load_position)
        self.heal_status.due = True
        listen = await asyncio.to_thread(self._listen)
        try:
            while not stop.is_set():
                if heal.due(self, js):
                    await self.reconcile(js)
                moved = await self.step(js)
                await asyncio.to_thread(self._report_lag)
                if moved == 0:
                    await asyncio.to_thread(lock_conn.execute, "SELECT 1")  # still holding the lock?
                    await asyncio.to_thread(_wait_notify, listen, 1.0)
        finally:
            self._conn = None
            await asyncio.to_thread(listen.close)

    def _try_lock(self) -> psycopg.Connection | None:
        conn = connect(self.db_url, autocommit=True)
        row = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (self.lock_key,)).fetchone()
        if row and row["ok"]:
            return conn
        conn.close()
        return None

    def _listen(self) -> psycopg.Connection:
        conn = connect(self.db_url, autocommit=True)
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.app.recorder.channel_name)))
        return conn

    def _report_lag(self) -> None:
        head = self.app.recorder.max_notification_id() or 0
        metrics.RELAY_LAG.labels(self.service).set(max(head - self.position.position, 0))


async def last_sequence_in_stream(js: JetStreamContext, settings: Settings, service: str) -> int:
    """The ``sequence`` of the newest message this source has in the stream (0 if none)."""
    return await heal.last_sequence(js, settings, service)


def _drain(futures: list) -> None:
    """Marks the remaining futures' results as retrieved (they are resent later)."""
    for future in futures:
        if future is not None and not future.done():
            future.cancel()
        elif future is not None and not future.cancelled():
            future.exception()


def _wait_notify(conn: psycopg.Connection, timeout: float) -> None:
    for _ in conn.notifies(timeout=timeout, stop_after=1):
        break

