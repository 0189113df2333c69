"""Entry point of the audit service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI

from services.audit import proofs, signing
from services.audit.access import ACCESS
from services.audit.api import router
from services.audit.checkpoints import AuditLog, LedgerBroken
from services.audit.console import mount as mount_console
from services.audit.exports.ledger import router as ledger_exports_router
from services.audit.finance_api import router as finance_router
from services.audit.findings_api import findings_schedule
from services.audit.findings_api import router as findings_router
from services.audit.findings_log import FindingRegister
from services.audit.history_api import router as history_router
from services.audit.projections import CheckpointRegister, LedgerProjection
from services.audit.proofs_api import router as proofs_router
from services.audit.published import PUBLISHED
from shared import metrics
from shared.access import guarded
from shared.application import ServiceApplication
from shared.domain import Context
from shared.projection import Projection
from shared.service import Runtime, ServiceSpec, create_app
from shared.settings import Settings
from shared.supervisor import Loop
from shared.timing import sleep_unless

log = logging.getLogger(__name__)
DATABASE_RETRY_S = 5.0
SCHEDULER = Context(actor="audit-checkpoint-schedule", role="system", organisation="county")


def origin(settings: Settings) -> str:
    """The name of this deployment's ledger in its checkpoints."""
    return f"sw-audit/{settings.county_code}"


def make_application(settings: Settings, env: dict[str, str]) -> AuditLog:
    """The audit service's checkpoint store, signing with the configured key."""
    key = signing.configured_key(settings)
    return AuditLog(env=env, key=key, origin=origin(settings))


def projections(_settings: Settings, _app: ServiceApplication | None) -> list[Projection]:
    """The ledger, and the registers of the checkpoints and findings this service published."""
    return [LedgerProjection(), CheckpointRegister(), FindingRegister()]


SPEC = ServiceSpec(
    name="audit",
    title="Audit service (审计)",
    make_application=make_application,
    published=PUBLISHED,
    projections=projections,
    # Every route checks the role × scope matrix (access.ACCESS) before anything else.
    routers=[guarded([router, proofs_router, findings_router, finance_router, ledger_exports_router, history_router],
                     ACCESS)],
)


def scheduled_checkpoint(runtime: Runtime, retry: bool = False) -> int | None:
    """Signs a checkpoint when the ledger grew (by more than its own checkpoints), or ``retry``ing a refusal;
    the size signed, if any."""
    app, pool = runtime.application, runtime.pool
    if not isinstance(app, AuditLog) or pool is None:
        return None
    with pool.connection() as conn:
        latest = proofs.latest_checkpoint(conn)
        grew = proofs.grew_since(conn, latest.tree_size if latest else 0)
        metrics.CHECKPOINT_AGE.set(_age(latest) if grew else 0.0)
        if not retry and not grew:
            return None
        checkpoint, made = proofs.sign_next(app, conn, SCHEDULER)
        if made:
            metrics.CHECKPOINT_AGE.set(0.0)
        return checkpoint.tree_size if made else None


def _age(checkpoint: signing.Checkpoint | None) -> float:
    """Seconds since a checkpoint was signed (0 without one: nothing signed yet to be late after)."""
    if checkpoint is None:
        return 0.0
    signed = datetime.fromisoformat(checkpoint.time.replace("Z", "+00:00"))
    return max(0.0, (datetime.now(UTC) - signed).total_seconds())


async def checkpoint_schedule(runtime: Runtime, stop: asyncio.Event, loop: Loop) -> None:
    """Every ``audit_checkpoint_every_s`` seconds, a checkpoint if the ledger grew.

    A ledger that does not verify since the last checkpoint shows this loop stalled with the entry and
    the reason (on ``/readyz``), and nothing is signed over it; an unreachable database too, retried
    within seconds rather than a whole period, so the loop recovers as soon as the database does.
    """
    every, broken, pause = runtime.settings.audit_checkpoint_every_s, False, runtime.settings.audit_checkpoint_every_s
    loop.starting("waiting for the first period")
    while not stop.is_set():
        await sleep_unless(stop, pause)
        if stop.is_set():
            return
        pause = every
        if not runtime.booted:
            loop.starting("waiting for the service to start")
            continue
        try:
            size = await asyncio.to_thread(scheduled_checkpoint, runtime, broken)
        except LedgerBroken as exc:
            broken = True  # stays stalled until a checkpoint can be signed again, growth or not
            loop.stalled(f"no checkpoint signed: {exc.detail}")
            continue
        except (psycopg.Error, PersistenceError) as exc:
            pause = min(every, DATABASE_RETRY_S)
            loop.stalled(f"the ledger's database does not answer: {type(exc).__name__}: {exc}".strip())
            continue
        broken = False
        loop.running()
        if size:
            log.info("audit: checkpoint signed at tree size %s", size)


def make_app(settings: Settings | None = None) -> FastAPI:
    """The audit service's ASGI app, with the checkpoint schedule supervised beside the service's own loops."""
    app = create_app(SPEC, settings)
    mount_console(app)  # the county console's pages at /
    runtime: Runtime = app.state.runtime
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(inner: FastAPI) -> AsyncIterator[None]:
        async with started(inner):
            runtime.supervisor.spawn("checkpoints", partial(checkpoint_schedule, runtime))
            runtime.supervisor.spawn("findings", partial(findings_schedule, runtime))
            yield

    app.router.lifespan_context = lifespan
    return app
