"""Wiring of a service process: store, broker, relay, projections and the HTTP app.

A service's ``main`` describes itself with a ``ServiceSpec``; ``create_app`` does
the rest the same way for every service.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, TypeVar, get_type_hints

import nats.errors
import psycopg
from fastapi import APIRouter, Depends, FastAPI, Request
from nats.aio.client import Client
from nats.js import JetStreamContext
from psycopg_pool import ConnectionPool

from shared import metrics, stream, tracing
from shared.application import ServiceApplication
from shared.contracts import Contract
from shared.http import Unavailable, install_error_mapper, install_request_metrics, ops_router
from shared.logs import configure_logging
from shared.projection import SCHEMA_DDL, TRACKING_DDL, Projection, ProjectionRunner
from shared.relay import POSITION_DDL, Relay
from shared.routing import include_flat
from shared.settings import Settings, get_settings
from shared.shadow import Shadow
from shared.store import (
    APPEND_ONLY,
    BOOKKEEPING,
    READ_WRITE,
    Owned,
    ensure_database,
    eventsourcing_env,
    open_pool,
    owner_session,
    provision,
    runtime_url,
    service_url,
    session_options,
    tune_event_store,
)
from shared.supervisor import Loop, Supervisor

log = logging.getLogger(__name__)
AppT = TypeVar("AppT", bound=ServiceApplication)


@dataclass
class ServiceSpec:
    """What a service is made of."""

    name: str
    title: str
    make_application: Callable[[Settings, dict[str, str]], ServiceApplication] | None = None
    published: dict[type, type[Contract]] = field(default_factory=dict)
    projections: Callable[[Settings, ServiceApplication | None], list[Projection]] = lambda _s, _a: []
    routers: list[APIRouter] = field(default_factory=list)
    encrypt_store: bool = False
    tables: Callable[[Settings], list[Owned]] = lambda _s: []
    """Tables of its own beside the event store and the read models (created by the owner role too)."""

    def events_table(self) -> str:
        """The event store's table (eventsourcing names it after the application class), or "" if none."""
        application = self._application_class()
        return f"{application.name.lower()}_events" if application else ""

    def snapshots_table(self) -> str:
        """The table of the application's snapshots, when it takes any (``snapshotting_intervals``), or ""."""
        application = self._application_class()
        snapshotting = application and (getattr(application, "snapshotting_intervals", None)
                                        or getattr(application, "is_snapshotting_enabled", False))
        return f"{application.name.lower()}_snapshots" if snapshotting else ""

    def _application_class(self) -> type | None:
        if self.make_application is None:
            return None
        application = get_type_hints(self.make_application).get("return")
        if application is None:
            raise TypeError(f"{self.name}: make_application must declare the application class it returns")
        return application

    def owned(self, settings: Settings) -> list[Owned]:
        """Every table of the service's database but the event store, and what its runtime role may do to each."""
        bookkeeping = [Owned((TRACKING_DDL, SCHEMA_DDL), ("projection_tracking", "projection_schema"), BOOKKEEPING)]
        if self.published:
            bookkeeping.append(Owned((POSITION_DDL,), ("relay_position",), BOOKKEEPING))
        views = [Owned(p.ddl, p.tables, READ_WRITE if p.resettable else APPEND_ONLY,
                       p.name if p.resettable else "",  # an append-only table's DDL is its migrations: always run
                       ProjectionRunner(settings, p, "").fingerprint())
                 for p in self.projections(settings, None) if p.tables]
        return [*bookkeeping, *views, *self.tables(settings)]

    def provision(self, settings: Settings, **options: str) -> None:
        """Sets the service's database up for least privilege (``shared.store.provision``)."""
        provision(settings, self.name, self.owned(settings), self.events_table(), self.snapshots_table(),
                  **options)


class Waiting(Exception):
    """The boot loop waits for a server (the supervisor retries it)."""


class Runtime:
    """The running parts of one service process, brought up by a supervised boot loop.

    The HTTP app serves from the first moment: while PostgreSQL or NATS is unreachable the
    boot loop retries (with backoff, for ever), ``/readyz`` says why it is not ready, and
    requests needing the store answer 503 with ``Retry-After``. Once the store and the broker
    answer, the relay and the projections run under the same supervisor.
    """

    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.db_url = runtime_url(settings, spec.name)  # least privilege: deploy/postgres/README.md
        self.application: ServiceApplication | None = None
        self.pool: ConnectionPool | None = None
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.relay: Relay | None = None
        self.runners: list[ProjectionRunner] = []
        self.stop_event = asyncio.Event()
        self.supervisor = Supervisor(spec.name, self.stop_event, backoff_max=settings.loop_backoff_max_seconds)
        self.booted = False

    async def start(self) -> None:
        """Starts the boot loop; returns at once, whether or not the store and the broker answer."""
        self.supervisor.spawn("boot", self._boot, once=True)

    async def _boot(self, stop: asyncio.Event, loop: Loop) -> None:
        loop.starting("opening the store")
        try:
            await asyncio.to_thread(self._open_store)
        except Exception as exc:
            raise Waiting(f"waiting for PostgreSQL: {type(exc).__name__}: {exc}") from exc
        loop.starting("connecting to the broker")
        try:
            await self._open_broker()
        except Exception as exc:
            raise Waiting(f"waiting for the NATS broker: {type(exc).__name__}: {exc}") from exc
        assert self.js is not None
        loop.starting("setting up the projections")
        if not self.runners:
            projections = self.spec.projections(self.settings, self.application)
            owned = self.settings.database_roles  # the owner role created every table: the runtime role runs no DDL
            self.runners = [ProjectionRunner(self.settings, p, self.db_url, self.pool, creates_tables=not owned)
                            for p in projections]
        for runner in self.runners:
            await self._rebuild_if_schema_changed(runner, loop)  # before setup records the new schema
            await asyncio.to_thread(runner.setup)
        for runner in self.runners:
            self.supervisor.spawn(f"projection:{runner.projection.name}", partial(runner.attempt, self.js))
        if self.application is not None and self.spec.published:
            self.relay = Relay(self.settings, self.spec.name, self.application, self.spec.published, self.db_url,
                               creates_tables=not self.settings.database_roles)
            self.supervisor.spawn("relay", partial(self.relay.attempt, self.js))
        self.booted = True

    async def _rebuild_if_schema_changed(self, runner: ProjectionRunner, loop: Loop) -> None:
        """A read model built by another version of its code is rebuilt beside the old tables and swapped in.

        Reads wait (503) until the boot is done, so none sees a half-built view; commands are taken meanwhile.
        """
        if not await asyncio.to_thread(runner.schema_changed):
            return
        name = runner.projection.name
        if not runner.projection.resettable:
            log.error("projection %s changed its schema but is append-only: migrate it by hand", name)
            return
        assert self.js is not None
        loop.starting(f"rebuilding {name}: its schema changed")
        read = await self.rebuild(runner.projection)
        log.warning("projection %s: schema changed; rebuilt from %s stream messages and swapped in", name, read)

    async def rebuild(self, projection: Projection) -> int:
        """Rebuilds a read model beside the live one (as the owner role: the runtime role may run no DDL)."""
        assert self.js is not None
        if not self.settings.database_roles:
            return await Shadow(self.settings, projection, self.db_url, self.spec.name).build(self.js)
        if not self.settings.database_provision:
            raise Waiting(f"read model {projection.name} changed its schema: rebuild it as the administrator "
                          f"(python -m deploy.rebuild {self.spec.name} {projection.name})")
        shadow = Shadow(self.settings, projection, service_url(self.settings, self.spec.name), self.spec.name)
        shadow.session = owner_session(self.settings, f"{self.spec.name}-rebuild")
        read = await shadow.build(self.js)
        await asyncio.to_thread(self.spec.provision, self.settings)  # the new tables' grants
        return read

    def _open_store(self) -> None:
        """Creates the database if needed, the shared pool and the application (each once)."""
        if self.pool is None:
            options = session_options(self.settings, self.spec.name)
            ensure_database(self.settings.database_url, self.settings.database_name(self.spec.name), **options)
            if self.settings.database_roles and self.settings.database_provision:
                self.spec.provision(self.settings, **options)
            self.pool = open_pool(self.settings, self.spec.name, runtime=True)
        if self.application is None and self.spec.make_application is not None:
            env = eventsourcing_env(self.settings, self.spec.name, encrypt=self.spec.encrypt_store, runtime=True)
            application = self.spec.make_application(self.settings, env)
            tune_event_store(application, self.settings, self.spec.name)
            self.application = application

    async def _open_broker(self) -> None:
        if self.nc is None:
            self.nc = await stream.connect(self.settings, name=self.spec.name)
            self.js = self.nc.jetstream()
        assert self.js is not None
        await stream.ensure_stream(self.js, self.settings)

    async def stop(self) -> None:
        """Stops background work, then closes connections."""
        await self.supervisor.stop(timeout=5)
        if self.nc is not None:
            with suppress(nats.errors.Error):
                await self.nc.close()  # the loops have stopped; nothing is left to drain
        if self.pool is not None:
            self.pool.close()
        if self.application is not None:
            self.application.close()

    # --- readiness ----------------------------------------------------------------------
    async def check_started(self) -> str | None:
        """None once the boot loop is done, else what it waits for."""
        if self.booted:
            return None
        boot = self.supervisor.loops.get("boot")
        return f"starting: {boot.reason}" if boot is not None and boot.reason else "starting"

    async def check_store(self) -> str | None:
        """None if the database answers, else why not."""
        if self.pool is None:
            return "not connected to PostgreSQL yet"
        try:
            await asyncio.to_thread(self._select_one)
        except psycopg.Error as exc:
            return str(exc).strip() or type(exc).__name__
        return None

    def _select_one(self) -> None:
        assert self.pool is not None
        with self.pool.connection() as conn:
            conn.execute("SELECT 1")

    async def check_broker(self) -> str | None:
        """None if the broker and the stream answer, else why not."""
        if self.nc is None or self.js is None or not self.nc.is_connected:
            return "not connected to NATS"
        try:
            await asyncio.wait_for(self.js.stream_info(self.settings.stream_name), timeout=3)
        except (TimeoutError, nats.errors.Error) as exc:
            return f"stream {self.settings.stream_name} unavailable: {exc!r}"
        return None

    def loops(self) -> dict[str, dict[str, Any]]:
        """Each background loop's state; the relay's also says what its last stream check found and repaired."""
        report = self.supervisor.report()
        if self.relay is not None and "relay" in report:
            report["relay"] = {**report["relay"], "stream_check": self.relay.heal_status.as_dict()}
        return report

    async def refresh_metrics(self) -> None:
        """Measures, at scrape time, what a gauge must never show stale: relay lag, consumer pending, held and deferred
        messages, DLQ depth."""
        await asyncio.gather(self._measure_relay_lag(), self._measure_consumers())

    async def _measure_relay_lag(self) -> None:
        if self.relay is None or self.pool is None:
            return
        relay, pool = self.relay, self.pool

        def measure() -> int:
            with pool.connection() as conn:
                return relay.lag(conn)

        try:
            lag: float = await asyncio.wait_for(asyncio.to_thread(measure), timeout=3)
        except (TimeoutError, psycopg.Error):
            lag = math.nan  # unknown while the store is unreachable: never a stale figure
        metrics.RELAY_LAG.labels(self.spec.name).set(lag)

    async def _measure_consumers(self) -> None:
        if not self.runners:
            return
        js, stream_name = self.js, self.settings.stream_name
        depths: dict[str, int] | None = None
        if js is not None:
            with suppress(TimeoutError, nats.errors.Error):
                info = await asyncio.wait_for(
                    js.stream_info(stream_name, subjects_filter=f"{self.settings.subject_prefix}.dlq.>"), timeout=3)
                depths = dict(info.state.subjects or {})
        for runner in self.runners:
            name = runner.projection.name
            metrics.DLQ_DEPTH.labels(name).set(math.nan if depths is None else depths.get(runner.dlq_subject, 0))
            pending: float = math.nan
            if js is not None:
                with suppress(TimeoutError, nats.errors.Error):
                    ci = await asyncio.wait_for(js.consumer_info(stream_name, runner.durable), timeout=3)
                    pending = ci.num_pending
                    metrics.CONSUMER_LAG.labels(name).set(ci.num_pending + ci.num_ack_pending)
            metrics.CONSUMER_PENDING.labels(name).set(pending)
            metrics.CONSUMER_HELD.labels(name).set(len(runner.held))
            metrics.CONSUMER_DEFERRED.labels(name).set(len(runner.deferred))


def create_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    """The FastAPI app of a service, with its runtime started in the lifespan."""
    settings = settings or get_settings()
    configure_logging(spec.name)
    tracing.configure(spec.name, settings)  # only when an OTLP endpoint is configured
    runtime = Runtime(spec, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=spec.title, version="1.0.0", lifespan=lifespan)
    app.state.runtime = runtime
    install_error_mapper(app)
    install_request_metrics(app, spec.name)
    tracing.instrument_app(app)
    checks = {"started": runtime.check_started, "store": runtime.check_store, "broker": runtime.check_broker}
    include_flat(app.router, ops_router(spec.name, checks, loops=runtime.loops, refresh=runtime.refresh_metrics,
                                        stall_threshold=settings.stall_threshold_seconds))
    for router in spec.routers:
        include_flat(app.router, router)
    return app


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving this request."""
    return request.app.state.runtime


def read_connection(request: Request) -> Any:
    """A pooled connection to the service's own database, for read-model queries (503 until started)."""
    runtime = runtime_of(request)
    if runtime.pool is None or not runtime.booted:
        raise Unavailable("the service is starting: its read models are not open yet")
    with runtime.pool.connection() as conn:
        yield conn


ReadDb = Annotated[psycopg.Connection, Depends(read_connection)]


def application_of(cls: type[AppT]) -> Callable[[Request], Awaitable[AppT]]:
    """A dependency giving the service's application as ``cls``."""

    async def dependency(request: Request) -> AppT:  # on the event loop: no thread hop for a lookup
        application = runtime_of(request).application
        if application is None and runtime_of(request).spec.make_application is not None:
            raise Unavailable("the service is starting: its event store is not open yet")
        if not isinstance(application, cls):
            raise RuntimeError(f"this service runs no {cls.__name__} application")
        return application

    return dependency


async def county_code(request: Request) -> str:
    """The county this deployment serves."""
    return runtime_of(request).settings.county_code


County = Annotated[str, Depends(county_code)]
