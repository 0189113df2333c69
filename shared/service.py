"""Wiring of a service process: store, broker, relay, projections and the HTTP app.

A service's ``main`` describes itself with a ``ServiceSpec``; ``create_app`` does
the rest the same way for every service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import nats.errors
import psycopg
from fastapi import APIRouter, Depends, FastAPI, Request
from nats.aio.client import Client
from nats.js import JetStreamContext
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from shared import stream
from shared.application import ServiceApplication
from shared.contracts import Contract
from shared.http import install_error_mapper, install_request_metrics, ops_router
from shared.logs import configure_logging
from shared.projection import Projection, ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings, get_settings
from shared.store import conninfo, ensure_database, eventsourcing_env, service_url

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


class Runtime:
    """The running parts of one service process."""

    def __init__(self, spec: ServiceSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.db_url = service_url(settings, spec.name)
        self.application: ServiceApplication | None = None
        self.pool: ConnectionPool | None = None
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.relay: Relay | None = None
        self.runners: list[ProjectionRunner] = []
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []

    async def start(self) -> None:
        """Opens the store and the broker, then starts the relay and the projections."""
        dbname = self.settings.database_name(self.spec.name)
        await asyncio.to_thread(ensure_database, self.settings.database_url, dbname)
        self.pool = ConnectionPool(
            kwargs={**conninfo(self.db_url), "row_factory": dict_row}, min_size=1, max_size=8, open=True,
        )
        if self.spec.make_application is not None:
            env = eventsourcing_env(self.settings, self.spec.name, encrypt=self.spec.encrypt_store)
            self.application = await asyncio.to_thread(self.spec.make_application, self.settings, env)
        self.nc = await stream.connect(self.settings, name=self.spec.name)
        self.js = self.nc.jetstream()
        await stream.ensure_stream(self.js, self.settings)
        projections = self.spec.projections(self.settings, self.application)
        self.runners = [ProjectionRunner(self.settings, p, self.db_url) for p in projections]
        for runner in self.runners:
            await runner.rebuild_if_schema_changed(self.js)  # before setup records the new schema
            await asyncio.to_thread(runner.setup)
            self.tasks.append(asyncio.create_task(runner.run(self.js, self.stop_event)))
        if self.application is not None and self.spec.published:
            self.relay = Relay(self.settings, self.spec.name, self.application, self.spec.published, self.db_url)
            self.tasks.append(asyncio.create_task(self.relay.run(self.js, self.stop_event)))

    async def stop(self) -> None:
        """Stops background work, then closes connections."""
        self.stop_event.set()
        for task in self.tasks:
            with suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)
        if self.nc is not None:
            with suppress(nats.errors.Error):
                await self.nc.close()  # the loops have stopped; nothing is left to drain
        if self.pool is not None:
            self.pool.close()
        if self.application is not None:
            self.application.close()

    async def check_store(self) -> str | None:
        """None if the database answers, else why not."""
        try:
            await asyncio.to_thread(self._select_one)
        except psycopg.Error as exc:
            return str(exc).strip() or type(exc).__name__
        return None

    def _select_one(self) -> None:
        assert self.pool is not None
        with self.pool.connection(timeout=3) as conn:
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


def create_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    """The FastAPI app of a service, with its runtime started in the lifespan."""
    settings = settings or get_settings()
    configure_logging(spec.name)
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
    app.include_router(ops_router(spec.name, {"store": runtime.check_store, "broker": runtime.check_broker}))
    for router in spec.routers:
        app.include_router(router)
    return app


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving this request."""
    return request.app.state.runtime


def read_connection(request: Request) -> Any:
    """A pooled connection to the service's own database, for read-model queries."""
    pool = runtime_of(request).pool
    assert pool is not None
    with pool.connection() as conn:
        yield conn


ReadDb = Annotated[psycopg.Connection, Depends(read_connection)]


def application_of(cls: type[AppT]) -> Callable[[Request], AppT]:
    """A dependency giving the service's application as ``cls``."""

    def dependency(request: Request) -> AppT:
        application = runtime_of(request).application
        if not isinstance(application, cls):
            raise RuntimeError(f"this service runs no {cls.__name__} application")
        return application

    return dependency


def county_code(request: Request) -> str:
    """The county this deployment serves."""
    return runtime_of(request).settings.county_code


County = Annotated[str, Depends(county_code)]
