"""The stream heals from the stores: events the broker acknowledged and then lost are published again.

JetStream acknowledges a message before it reaches the disk, so a crash, a truncated
block file or a deleted stream can lose what the relay already moved past. The
stores are the source of truth: the relay compares, per source, what the stream holds
with what its store has published, and republishes the missing events from the
notification log with the same ``Nats-Msg-Id`` and the same CloudEvents document
(``id``, ``sequence``, ``prevsequence``), so consumers that applied them skip them and
those that had not apply them in order.

The check is cheap when nothing is missing: the stream's per-subject counts for the
source against the store's count of public events (kept per topic, so each check reads
only what was stored since the last). Only when the counts differ is the stream read,
headers only, to find the exact gaps.

Over ~400 lines on purpose: one mechanism (compare, find the gaps, republish) whose steps share the
status they report; split across modules it would be harder to check against its guarantee.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import nats.errors
import psycopg
from eventsourcing.utils import resolve_topic
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NoStreamResponseError, NotFoundError
from prometheus_client import Counter
from psycopg import sql

from shared import stream
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.relay import Outgoing, Position, Relay

log = logging.getLogger(__name__)

REPUBLISHED = Counter("sw_relay_republished_total", "Events republished because the stream had lost them",
                      ["service"])
MISSING = Counter("sw_relay_missing_found_total", "Published events found missing from the stream", ["service"])
STREAM_RECREATED = Counter("sw_stream_recreated_total", "Times a relay re-created a stream that was gone",
                           ["service"])
# The broker's code for "stream not found" (a missing message is another NotFoundError).
STREAM_NOT_FOUND = 10059
# With extra copies on the stream, every this many checks read the stream in full rather than trust counts.
FULL_SCAN_EVERY = 60
# Appended to the Nats-Msg-Id when the broker still remembers a deleted message's id (see _send).
AGAIN = "/again"


PUBLIC_STATUS = ("last_check", "checks", "missing_found", "republished", "stream_recreated", "last_missing",
                 "last_heal", "last_error", "extra_on_stream", "ahead_of_store")


@dataclass
class HealStatus:
    """What the relay's reconciliation last saw and did, for ``/readyz`` and operators."""

    last_check: str = ""
    checks: int = 0
    missing_found: int = 0
    republished: int = 0
    stream_recreated: int = 0
    last_missing: list[list[int]] = field(default_factory=list)
    last_heal: str = ""
    last_error: str = ""
    extra_on_stream: int = 0  # messages of the source beyond the store's (resends after the duplicate window)
    ahead_of_store: int = 0  # the stream's last sequence when it is beyond the store's head (never followed)
    due: bool = True  # a check is wanted now (start, reconnect, failed publish)
    next_check: float = 0.0
    reconnects: int = 0
    store_log: StoreLog | None = None

    def as_dict(self) -> dict[str, Any]:
        """The public part, as JSON-ready values."""
        return {name: getattr(self, name) for name in PUBLIC_STATUS}


# --- the store's side ---------------------------------------------------------------------
class StoreLog:
    """The public events of one service's notification log, by direct SQL on its events table.

    Counts per topic are kept up to the highest id counted, so a periodic check reads only the
    events stored since the last one (notification ids follow commit order: none appears later below).
    """

    def __init__(self, relay: Relay) -> None:
        recorder = relay.app.recorder
        self.table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)  # type: ignore[attr-defined]
        self.published = relay.published
        self._public: dict[str, bool] = {}
        self._counted_upto = 0
        self._counts: dict[str, int] = {}

    def is_public(self, topic: str) -> bool:
        """True if events stored under ``topic`` have a contract (so the relay publishes them)."""
        if topic not in self._public:
            try:
                self._public[topic] = resolve_topic(topic) in self.published
            except Exception:  # an unknown topic cannot be published either; the relay says so loudly
                self._public[topic] = False
        return self._public[topic]

    def _range_counts(self, conn: psycopg.Connection, after: int, upto: int) -> dict[str, int]:
        rows = conn.execute(
            sql.SQL("SELECT topic, count(*) AS n FROM {} WHERE notification_id > %s AND notification_id <= %s "
                    "GROUP BY topic").format(self.table), (after, upto),
        ).fetchall()
        return {r["topic"]: int(r["n"]) for r in rows}

    def _extend(self, conn: psycopg.Connection, upto: int) -> None:
        if upto > self._counted_upto:
            for topic, n in self._range_counts(conn, self._counted_upto, upto).items():
                self._counts[topic] = self._counts.get(topic, 0) + n
            self._counted_upto = upto

    def _topics(self, conn: psycopg.Connection, upto: int) -> list[str]:
        self._extend(conn, upto)
        return [t for t in self._counts if self.is_public(t)]

    def count_public(self, conn: psycopg.Connection, upto: int) -> int:
        """How many public events the log holds up to ``upto``."""
        self._extend(conn, upto)
        total = sum(n for t, n in self._counts.items() if self.is_public(t))
        if upto < self._counted_upto:
            total -= sum(n for t, n in self._range_counts(conn, upto, self._counted_upto).items()
                         if self.is_public(t))
        return total

    def public_ids(self, conn: psycopg.Connection, after: int, upto: int) -> list[int]:
        """Notification ids of the public events in (after, upto], in order."""
        rows = conn.execute(
            sql.SQL("SELECT notification_id AS id FROM {} WHERE notification_id > %s AND notification_id <= %s "
                    "AND topic = ANY(%s) ORDER BY notification_id").format(self.table),
            (after, upto, self._topics(conn, upto)),
        ).fetchall()
        return [int(r["id"]) for r in rows]

    def previous_public(self, conn: psycopg.Connection, before: int) -> int:
        """The last public notification id before ``before`` (0 if none): a republished event's ``prevsequence``."""
        row = conn.execute(
            sql.SQL("SELECT max(notification_id) AS id FROM {} WHERE notification_id < %s AND topic = ANY(%s)").format(
                self.table), (before, self._topics(conn, before)),
        ).fetchone()
        return int(row["id"]) if row and row["id"] is not None else 0

    def head(self, conn: psycopg.Connection) -> int:
        """The newest notification id (0 if the log is empty)."""
        row = conn.execute(sql.SQL("SELECT max(notification_id) AS id FROM {}").format(self.table)).fetchone()
        return int(row["id"]) if row and row["id"] is not None else 0


# --- the stream's side --------------------------------------------------------------------
def source_filter(settings: Settings, service: str) -> str:
    """The subjects of one source's events."""
    return f"{settings.subject_prefix}.{service}.>"


async def stream_exists(js: JetStreamContext, settings: Settings) -> bool:
    """False only when the broker says the stream is not there (other failures raise)."""
    try:
        await js.stream_info(settings.stream_name)
    except NotFoundError as exc:
        if exc.err_code == STREAM_NOT_FOUND:
            return False
        raise
    return True


async def count_on_stream(js: JetStreamContext, settings: Settings, service: str) -> int:
    """How many messages of this source the stream holds."""
    info = await js.stream_info(settings.stream_name, subjects_filter=source_filter(settings, service))
    return sum((info.state.subjects or {}).values())


async def last_sequence(js: JetStreamContext, settings: Settings, service: str) -> int:
    """The ``sequence`` of the newest message this source has in the stream (0 if none)."""
    try:
        msg = await js.get_last_msg(settings.stream_name, source_filter(settings, service))
    except NotFoundError as exc:
        if exc.err_code == STREAM_NOT_FOUND:
            raise
        return 0
    try:
        return int(json.loads(msg.data or b"{}")["sequence"])
    except (ValueError, KeyError, TypeError):
        return 0


async def sequences_on_stream(js: JetStreamContext, settings: Settings, service: str, expected: int) -> set[int]:
    """The notification ids of this source's ``expected`` messages in the stream, read from their headers only."""
    prefix, found, received = f"{service}-", set(), 0
    complete = asyncio.Event()

    async def on_message(msg: Msg) -> None:
        nonlocal received
        received += 1
        event_id = ((msg.headers or {}).get("Nats-Msg-Id") or "").removesuffix(AGAIN)
        if event_id.startswith(prefix) and event_id[len(prefix):].isdigit():
            found.add(int(event_id[len(prefix):]))
        if received >= expected:
            complete.set()

    if expected <= 0:
        return found
    # An ordered push consumer delivers headers twice as fast as pulling batches with nats-py.
    sub = await js.subscribe(source_filter(settings, service), stream=settings.stream_name, ordered_consumer=True,
                             headers_only=True, cb=on_message)
    try:
        while not complete.is_set():
            before = received
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(complete.wait(), timeout=2.0)
            if received == before:
                break  # nothing more is coming: fewer messages than counted (removed meanwhile)
    finally:
        await sub.unsubscribe()
    return found


# --- finding what is missing --------------------------------------------------------------
def as_ranges(missing: Sequence[int], public: Sequence[int]) -> list[list[int]]:
    """Missing ids grouped into [first, last, count] runs of consecutive public events."""
    index = {n: i for i, n in enumerate(public)}
    ranges: list[list[int]] = []
    previous = -2
    for n in missing:
        i = index.get(n, -2)
        if ranges and i == previous + 1:
            ranges[-1][1] = n
            ranges[-1][2] += 1
        else:
            ranges.append([n, n, 1])
        previous = i
    return ranges


def spans(ids: Sequence[int], gap: int) -> list[tuple[int, int]]:
    """Sorted ids cut into [first, last] spans wherever more than ``gap`` notifications lie between two."""
    out: list[tuple[int, int]] = []
    for n in ids:
        if out and n - out[-1][1] <= gap:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


async def find_missing(
    js: JetStreamContext, relay: Relay, log_: StoreLog, last: int
) -> tuple[list[int], list[list[int]]]:
    """The public notification ids up to the relay's last published that the stream lacks, and their runs."""
    upto = relay.position.last_published
    status = relay.heal_status
    on_stream = await count_on_stream(js, relay.settings, relay.service)
    expected = await asyncio.to_thread(_with_conn, relay, log_.count_public, upto)
    extra = status.extra_on_stream
    # Extra copies (a republish after the duplicate window) are counted at each scan; a loss hiding behind new
    # copies of exactly its size is not excluded by counts, so while there are any the stream is also read in
    # full every FULL_SCAN_EVERY checks.
    trusted = not extra or status.checks % FULL_SCAN_EVERY != 0
    if trusted and last == upto and on_stream == expected + extra:
        return [], []  # the common case: nothing lost, one count on each side
    if trusted and last < upto and \
            on_stream == await asyncio.to_thread(_with_conn, relay, log_.count_public, last) + extra:
        tail = await asyncio.to_thread(_with_conn, relay, log_.public_ids, last, upto)  # only the tail was lost
        return tail, as_ranges(tail, tail)
    present = await sequences_on_stream(js, relay.settings, relay.service, on_stream)
    public = await asyncio.to_thread(_with_conn, relay, log_.public_ids, 0, upto)
    missing = [n for n in public if n not in present]
    status.extra_on_stream = max(on_stream - (len(public) - len(missing)), 0)
    return missing, as_ranges(missing, public)


def _with_conn(relay: Relay, fn, *args):
    with relay._db() as conn:
        return fn(conn, *args)


# --- republishing -------------------------------------------------------------------------
async def republish(js: JetStreamContext, relay: Relay, ids: Iterable[int], log_: StoreLog | None = None) -> int:
    """Publishes these public events again, exactly as first published; returns how many the stream stored."""
    from shared.relay import Position

    log_ = log_ or StoreLog(relay)
    wanted = set(ids)
    sent = 0
    for first, last in spans(sorted(wanted), relay.settings.relay_batch):
        state = Position(first - 1, await asyncio.to_thread(_with_conn, relay, log_.previous_public, first))
        while state.position < last:  # a page at a time: a refilled stream may be the whole log
            items, state = await asyncio.to_thread(_page, relay, state, last, wanted)
            sent += await _send(js, relay, items)
    if sent:
        REPUBLISHED.labels(relay.service).inc(sent)
        relay.heal_status.republished += sent
    return sent


def _page(relay: Relay, state: Position, last: int, wanted: set[int]) -> tuple[list[Outgoing], Position]:
    """The wanted messages among the next notifications up to ``last``, built by the relay's own code."""
    from shared.relay import Position

    notifications = relay.app.recorder.select_notifications(
        start=state.position + 1, limit=relay.settings.relay_batch, stop=last)
    items = []
    for notification in notifications:
        item = relay._outgoing(notification, state)
        state = item.after
        if item.subject is not None and notification.id in wanted:
            items.append(item)
    return items, state if notifications else Position(last, state.last_published)


async def _send(js: JetStreamContext, relay: Relay, items: Sequence[Outgoing]) -> int:
    """Publishes and waits for every acknowledgement; returns how many the stream stored."""
    name = relay.settings.stream_name
    futures = [await js.publish_async(i.subject or "", i.body, headers=i.headers(), stream=name)
               for i in items]
    stored = 0
    for item, future in zip(items, futures, strict=True):
        ack = await asyncio.wait_for(future, timeout=10)
        if not ack.duplicate:
            stored += 1
        elif not await _holds(js, name, ack.seq, item.msg_id):
            # The message was deleted but the broker still remembers its id (within the duplicate window):
            # the same document goes out under a derived id, itself deduplicated, so repeating stays harmless.
            assert item.subject is not None
            again = await js.publish(item.subject, item.body, stream=name,
                                     headers={**item.headers(), "Nats-Msg-Id": item.msg_id + AGAIN})
            stored += 0 if again.duplicate else 1
    return stored


async def _holds(js: JetStreamContext, name: str, seq: int, msg_id: str) -> bool:
    try:
        msg = await js.get_msg(name, seq)
    except NotFoundError:
        return False
    return (msg.headers or {}).get("Nats-Msg-Id") == msg_id


# --- the whole check ----------------------------------------------------------------------
def due(relay: Relay, js: JetStreamContext) -> bool:
    """True when a check is wanted: on start, after a reconnect, after a failed publish, or periodically."""
    status = relay.heal_status
    nc = getattr(js, "_nc", None)
    reconnects = int(nc.stats.get("reconnects", 0)) if nc is not None else 0
    if reconnects != status.reconnects:
        status.reconnects, status.due = reconnects, True
    return status.due or time.monotonic() >= status.next_check


def note_publish_failure(relay: Relay, exc: BaseException) -> None:
    """A publish the stream refused for want of a stream asks for a check at once."""
    if isinstance(exc, nats.errors.NoRespondersError | NoStreamResponseError):
        relay.heal_status.due = True


async def reconcile(relay: Relay, js: JetStreamContext) -> list[list[int]]:
    """Compares stream and store for the relay's source and repairs the stream; returns the missing ranges."""

    status = relay.heal_status
    started = time.monotonic()
    try:
        if not await stream_exists(js, relay.settings):
            log.error("relay %s: stream %s is gone; re-creating it and refilling it from the store",
                      relay.service, relay.settings.stream_name)
            await stream.ensure_stream(js, relay.settings)
            status.stream_recreated += 1
            status.extra_on_stream = 0
            STREAM_RECREATED.labels(relay.service).inc()
        log_ = status.store_log = status.store_log or StoreLog(relay)
        last = await last_sequence(js, relay.settings, relay.service)
        if last > relay.position.last_published:
            await _move_forward(relay, log_, last)
        missing, ranges = await find_missing(js, relay, log_, last)
        if missing:
            shown = ", ".join(f"{a}..{b}" if a != b else str(a) for a, b, _ in ranges[:20])
            log.error("relay %s: the stream lost %d published event(s): %s%s; republishing from the store",
                      relay.service, len(missing), shown, " …" if len(ranges) > 20 else "")
            MISSING.labels(relay.service).inc(len(missing))
            status.missing_found += len(missing)
            status.last_missing = ranges
            sent = await republish(js, relay, missing, log_)
            status.last_heal = _now()
            log.warning("relay %s: republished %d event(s) in %.1f s", relay.service, sent,
                        time.monotonic() - started)
    except Exception as exc:
        status.last_error = f"{type(exc).__name__}: {exc}"
        raise
    status.checks += 1
    status.last_check = _now()
    status.last_error = ""
    status.due = False
    status.next_check = time.monotonic() + relay.settings.relay_heal_interval
    return ranges


async def _move_forward(relay: Relay, log_: StoreLog, last: int) -> None:
    """The stream holds more than the position: the relay died between publishing and saving it. Never past
    the store's head, though: a stream ahead of the store holds events this store never had."""
    from shared.relay import Position

    head = await asyncio.to_thread(_with_conn, relay, log_.head)
    relay.heal_status.ahead_of_store = last if last > head else 0
    if last > head:
        log.error("relay %s: the stream holds %s events up to sequence %s but the store ends at %s (a store restored "
                  "from an older backup, or another deployment on these subjects?); not moving past the store",
                  relay.service, relay.service, last, head)
        last = head
    if last > relay.position.last_published:
        log.info("relay %s: stream already holds up to %s; moving forward", relay.service, last)
        relay.position = Position(max(last, relay.position.position), last)
        await asyncio.to_thread(relay.save_position, relay.position)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
