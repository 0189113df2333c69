"""Entry point of the audit service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI

from services.audit import proofs, signing
from services.audit.api import router
from services.audit.checkpoints import AuditLog, LedgerBroken
from services.audit.projections import CheckpointRegister, LedgerProjection
from services.audit.proofs_api import router as proofs_router
from services.audit.published import PUBLISHED
from shared.application import ServiceApplication
from shared.domain import Context
from shared.projection import Projection
from shared.service import Runtime, ServiceSpec, create_app
from shared.settings import Settings
from shared.timing import sleep_unless

log = logging.getLogger(__name__)
SCHEDULER = Context(actor="audit-checkpoint-schedule", role="system", organisation="county")


def origin(settings: Settings) -> str:
    """The name of this deployment's ledger in its checkpoints."""
    return f"sw-audit/{settings.county_code}"


def make_application(settings: Settings, env: dict[str, str]) -> AuditLog:
    """The audit service's checkpoint store, signing with the configured key."""
    key = signing.private_key(settings.audit_signing_key, settings.jwt_secret)
    return AuditLog(env=env, key=key, origin=origin(settings))


def projections(_settings: Settings, _app: ServiceApplication | None) -> list[Projection]:
    """The ledger, and the register of the checkpoints this service published."""
    return [LedgerProjection(), CheckpointRegister()]


SPEC = ServiceSpec(
    name="audit",
    title="Audit service (审计)",
    make_application=make_application,
    published=PUBLISHED,
    projections=projections,
    routers=[router, proofs_router],
)


def scheduled_checkpoint(runtime: Runtime) -> int | None:
    """Signs a checkpoint when the ledger grew (by more than its own checkpoints); the size signed, if any."""
    app, pool = runtime.application, runtime.pool
    if not isinstance(app, AuditLog) or pool is None:
        return None
    with pool.connection() as conn:
        latest = proofs.latest_checkpoint(conn)
        if not proofs.grew_since(conn, latest.tree_size if latest else 0):
            return None
        checkpoint, made = proofs.sign_next(app, conn, SCHEDULER)
        return checkpoint.tree_size if made else None


async def checkpoint_schedule(runtime: Runtime, stop: asyncio.Event) -> None:
    """Every ``audit_checkpoint_every_s`` seconds, a checkpoint if the ledger grew; survives outages."""
    every = runtime.settings.audit_checkpoint_every_s
    while not stop.is_set():
        await sleep_unless(stop, every)
        if stop.is_set():
            return
        try:
            size = await asyncio.to_thread(scheduled_checkpoint, runtime)
        except LedgerBroken as exc:
            log.error("audit: no checkpoint signed: %s", exc.detail)
        except psycopg.Error as exc:
            log.warning("audit: checkpoint schedule: %s; retrying next period", exc)
        except Exception:
            log.exception("audit: checkpoint schedule failed; retrying next period")
        else:
            if size:
                log.info("audit: checkpoint signed at tree size %s", size)


def make_app(settings: Settings | None = None) -> FastAPI:
    """The audit service's ASGI app, with the checkpoint schedule running beside the service's own runtime."""
    app = create_app(SPEC, settings)
    runtime: Runtime = app.state.runtime
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(inner: FastAPI) -> AsyncIterator[None]:
        async with started(inner):
            stop = asyncio.Event()
            task = asyncio.create_task(checkpoint_schedule(runtime, stop))
            try:
                yield
            finally:
                stop.set()
                await task

    app.router.lifespan_context = lifespan
    return app
