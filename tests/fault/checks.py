"""What a fault scenario checks once the fault is healed, read from outside the services.

- every stored event of a source (its notification log, decoded with the service's own application) is on the
  stream exactly once (counted by CloudEvents ``id`` over the source's whole subject) and in the audit ledger
  exactly once; every accepted command (by its correlation id) is in all three;
- ``GET /v1/ledger/verify`` is ok and complete;
- each read model equals a rebuild of it from the stream into a fresh database.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats.errors
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared import store, stream
from shared.projection import ProjectionRunner
from shared.settings import Settings
from tests.fault.harness import Answer, Deployment

SOURCES = ("stations", "workforce")
READ_MODELS = {"stations": ("stations.station_status", "stations.registers"),
               "workforce": ("workforce.roster", "workforce.targets")}  # policies issue commands: not rebuilt here


@dataclass(frozen=True)
class Stored:
    """One published event as its service stored it."""

    correlation: str
    kind: str  # the event class's qualified name, e.g. SocialWorker.PhoneChanged
    aggregate: str


@dataclass
class Snapshot:
    """Store, stream and ledger of one deployment at one moment."""

    stored: dict[str, Stored] = field(default_factory=dict)  # by event id
    stream: Counter = field(default_factory=Counter)  # event id -> copies on the stream
    stream_correlations: set[str] = field(default_factory=set)
    ledger: Counter = field(default_factory=Counter)  # event id -> copies in the ledger
    ledger_correlations: set[str] = field(default_factory=set)
    consumers_idle: bool = False

    @property
    def unpublished(self) -> set[str]:
        return set(self.stored) - set(self.stream)

    @property
    def unledgered(self) -> set[str]:
        return set(self.stream) - set(self.ledger)

    @property
    def duplicated(self) -> int:
        return sum(n - 1 for n in self.stream.values() if n > 1) + sum(n - 1 for n in self.ledger.values() if n > 1)

    @property
    def settled(self) -> bool:
        """Everything stored reached the stream and the ledger, and every consumer is idle."""
        return bool(self.stored) and not self.unpublished and not self.unledgered and self.consumers_idle

    def lost(self, accepted: list[Answer]) -> list[str]:
        """Accepted commands whose events are missing from the store, the stream or the ledger (queries record none)."""
        stored = {e.correlation for e in self.stored.values()}
        return [a.command.correlation for a in accepted if a.command.method != "GET"
                and not {a.command.correlation} <= stored & self.stream_correlations & self.ledger_correlations]


def stored_events(settings: Settings, service: str) -> dict[str, Stored]:
    """Every published event in a service's store, by the event id it is published under."""
    spec = importlib.import_module(f"services.{service}.main").SPEC
    env = store.eventsourcing_env(settings, service, encrypt=spec.encrypt_store)
    app = spec.make_application(settings, {**env, "CREATE_TABLE": "false"})
    out: dict[str, Stored] = {}
    try:
        start = 1
        while batch := app.recorder.select_notifications(start=start, limit=1000):
            for notification in batch:
                event = app.mapper.to_domain_event(notification)
                if type(event) in spec.published:
                    ctx = vars(event).get("ctx")
                    out[f"{service}-{notification.id}"] = Stored(
                        getattr(ctx, "correlation_id", ""), type(event).__qualname__, str(event.originator_id))
            start = batch[-1].id + 1
    finally:
        app.close()
    return out


async def stream_documents(js, settings: Settings, subject: str) -> list[dict[str, Any]]:
    """Every document on ``subject`` in the stream, oldest first."""
    sub = await js.pull_subscribe(subject, stream=settings.stream_name,
                                  config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=10.0))
    out: list[dict[str, Any]] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(1000, timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                return out
            out.extend(json.loads(m.data) for m in msgs)
            for msg in msgs:
                await msg.ack()
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def consumers_idle(js, settings: Settings) -> bool:
    """True if every durable consumer of the services has nothing pending or unacknowledged."""
    names = [p.name.replace(".", "_") for service in (*SOURCES, "audit")
             for p in importlib.import_module(f"services.{service}.main").SPEC.projections(settings, None)]
    for name in names:
        try:
            info = await js.consumer_info(settings.stream_name, name)
        except NotFoundError:
            return False
        if info.num_pending or info.num_ack_pending:
            return False
    return True


async def _stream_side(settings: Settings, snap: Snapshot) -> None:
    nc = await nats.connect(**stream.connect_options(settings), connect_timeout=3, allow_reconnect=False)
    try:
        js = nc.jetstream(timeout=5)
        for service in SOURCES:
            for doc in await stream_documents(js, settings, f"{settings.subject_prefix}.{service}.>"):
                snap.stream[doc["id"]] += 1
                snap.stream_correlations.add(doc.get("correlationid", ""))
        snap.consumers_idle = await consumers_idle(js, settings)
    finally:
        await nc.close()


def stream_ids(settings: Settings) -> set[str]:
    """The ids of the events the stream holds now."""
    snap = Snapshot()
    asyncio.run(asyncio.wait_for(_stream_side(settings, snap), 60))
    return set(snap.stream)


def snapshot(settings: Settings) -> Snapshot:
    """Reads store, stream and ledger now (an unreachable part reads as empty)."""
    snap = Snapshot()
    with contextlib.suppress(Exception):
        for service in SOURCES:
            snap.stored.update(stored_events(settings, service))
    with contextlib.suppress(Exception):
        asyncio.run(asyncio.wait_for(_stream_side(settings, snap), 60))
    with contextlib.suppress(Exception), store.connect(store.service_url(settings, "audit")) as conn:
        for row in conn.execute("SELECT event_id, canonical FROM ledger").fetchall():
            snap.ledger[row["event_id"]] += 1
            snap.ledger_correlations.add(json.loads(bytes(row["canonical"])).get("correlationid", ""))
    return snap


def wait_settled(settings: Settings, timeout: float) -> tuple[Snapshot, float | None]:
    """Polls until everything stored is on the stream and in the ledger; the snapshot and seconds taken."""
    started = time.monotonic()
    while True:
        snap = snapshot(settings)
        if snap.settled:
            return snap, round(time.monotonic() - started, 1)
        if time.monotonic() - started > timeout:
            return snap, None
        time.sleep(1.0)


def verify(deployment: Deployment) -> dict[str, Any]:
    """The audit service's verdict on its ledger."""
    response = httpx.get(deployment.url("audit") + "/v1/ledger/verify", timeout=30,
                         headers={"Authorization": f"Bearer {deployment.token('auditor')}"})
    if response.status_code != 200:
        return {"ok": False, "status": response.status_code, "detail": response.text[:300]}
    return response.json()


# --- read models equal a rebuild ------------------------------------------------------------------------


def _rows(url: str, table: str) -> list[str]:
    with store.connect(url) as conn:
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


async def _rebuild(settings: Settings, service: str, projection, url: str, timeout: float) -> bool:
    """Runs a fresh copy of the projection over the whole stream; False if it never catches up (a gap)."""
    runner = ProjectionRunner(settings, projection, url)
    runner.durable = f"rebuild_{runner.durable}"  # its own consumer: the live one is left alone
    runner.dlq_subject = f"{settings.subject_prefix}.dlq.rebuild.{projection.name}"
    nc = await nats.connect(**stream.connect_options(settings), connect_timeout=3)
    js = nc.jetstream()
    stop = asyncio.Event()
    await asyncio.to_thread(runner.setup)
    task = asyncio.create_task(runner.run(js, stop))
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            with contextlib.suppress(NotFoundError, nats.errors.Error, TimeoutError):
                info = await js.consumer_info(settings.stream_name, runner.durable)
                if info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0:
                    return True
        return False
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        with contextlib.suppress(Exception):
            await js.delete_consumer(settings.stream_name, runner.durable)
        await nc.close()


def projections_equal(settings: Settings, timeout: float = 30) -> dict[str, bool]:
    """Per read model: do the live tables equal a rebuild from the stream into a fresh database?

    A rebuild that cannot finish (the stream lacks an event a later one follows, or the stream is gone) is unequal.
    """
    out: dict[str, bool] = {}
    for service, names in READ_MODELS.items():
        spec = importlib.import_module(f"services.{service}.main").SPEC
        projections = {p.name: p for p in spec.projections(settings, None)}
        live = store.service_url(settings, service)
        for name in names:
            dbname = settings.database_name(f"rebuild_{name.replace('.', '_')}")
            store.ensure_database(settings.database_url, dbname)
            try:
                rebuilt = store.url_for(settings.database_url, dbname)
                try:
                    done = asyncio.run(_rebuild(settings, service, projections[name], rebuilt, timeout))
                except (nats.errors.Error, TimeoutError, OSError):
                    done = False  # no stream to rebuild from, or no server
                out[name] = done and all(_rows(live, t) == _rows(rebuilt, t) for t in projections[name].tables)
            finally:
                store.drop_database(settings.database_url, dbname)
    return out
