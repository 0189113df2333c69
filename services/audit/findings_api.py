"""Compliance findings over HTTP: computed live from the ledger as of a business date, and published on demand.

Readers: auditors, the civil affairs bureau and finance see every finding; a township sees only the
findings about its own stations (and the workers posted to them): those whose ``township`` is one of
its token's townships.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from services.audit.checkpoints import CHECKPOINT_MAKERS, AuditLog
from services.audit.facts_store import with_facts
from services.audit.findings_log import publish
from services.audit.findings_rules import RULES, Finding, evaluate
from shared.domain import Context, Invalid, NotFound, Role, county_today
from shared.fields import Day
from shared.http import COMMAND_PROBLEMS, QUERY_PROBLEMS, CurrentContext, Limit, Offset, Page, page_of
from shared.service import ReadDb, application_of, runtime_of
from shared.settings import Settings
from shared.supervisor import Loop
from shared.timing import sleep_unless

log = logging.getLogger(__name__)
SCHEDULER = Context(actor="audit-findings-schedule", role="system", organisation="county")
FINDING_READERS = (Role.AUDITOR, Role.CIVIL_AFFAIRS_ADMIN, Role.FINANCE, Role.TOWNSHIP)
Log = Annotated[AuditLog, Depends(application_of(AuditLog))]
AsOfDay = Annotated[Day | None, Query(description="the business date findings are judged on (default: today, UTC+8)")]


class FindingOut(BaseModel):
    """A finding: its rule, subject, since when, the ledger positions proving it, and when it was resolved."""

    id: UUID
    rule: str
    subject: str
    period: str
    since: date
    resolved_on: date | None
    open: bool
    severity: str
    township: str
    detail: str
    positions: list[int]


class Evaluation(BaseModel):
    """What one evaluation published on ``sw.audit.finding.*``."""

    as_of: date
    raised: int
    resolved: int


def as_out(f: Finding) -> dict[str, Any]:
    """The HTTP form of a finding."""
    return {"id": f.id, "rule": f.rule, "subject": f.subject, "period": f.period, "since": f.since,
            "resolved_on": f.resolved_on, "open": f.open, "severity": f.severity, "township": f.township,
            "detail": f.detail, "positions": list(f.positions)}


def visible(ctx: Context, found: list[Finding]) -> list[Finding]:
    """All findings for auditors, the bureau and finance; a township's own for a township."""
    ctx.require(*FINDING_READERS)
    if ctx.has_role(Role.TOWNSHIP):
        return [f for f in found if f.township and f.township in ctx.townships]
    return found


def findings_as_of(db: Any, settings: Settings, as_of: date | None) -> list[Finding]:
    """Every finding as of a business date, from the whole ledger."""
    return with_facts(db, lambda facts: evaluate(facts, as_of or county_today(), settings))


router = APIRouter(prefix="/v1", tags=["findings"])


@router.get("/findings", response_model=Page[FindingOut], responses=QUERY_PROBLEMS)
def list_findings(request: Request, ctx: CurrentContext, db: ReadDb, as_of: AsOfDay = None,
                  open: Annotated[bool | None, Query(description="true: only open; false: only resolved")] = None,
                  rule: Annotated[str | None, Query(description=f"one of: {', '.join(RULES)}")] = None,
                  offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
    """Findings as of a business date, oldest first, each with the ledger positions it rests on."""
    if rule is not None and rule not in RULES:
        raise Invalid("rule", f"unknown rule {rule!r}; known: {', '.join(RULES)}")
    found = visible(ctx, findings_as_of(db, runtime_of(request).settings, as_of))
    chosen = [f for f in found if (open is None or f.open == open) and (rule is None or f.rule == rule)]
    return page_of([as_out(f) for f in chosen[offset:offset + limit + 1]], offset, limit)


@router.get("/findings/{finding_id}", response_model=FindingOut, responses=QUERY_PROBLEMS)
def get_finding(finding_id: UUID, request: Request, ctx: CurrentContext, db: ReadDb,
                as_of: AsOfDay = None) -> dict[str, Any]:
    """One finding as of a business date."""
    found = visible(ctx, findings_as_of(db, runtime_of(request).settings, as_of))
    for f in found:
        if f.id == finding_id:
            return as_out(f)
    raise NotFound(f"no finding {finding_id} as of {as_of or county_today()}")


@router.post("/findings/evaluation", response_model=Evaluation, responses=COMMAND_PROBLEMS)
async def evaluate_now(request: Request, ctx: CurrentContext, app: Log) -> dict[str, Any]:
    """Evaluates the findings as of today and publishes what changed (also done every audit_findings_every_s)."""
    ctx.require(*CHECKPOINT_MAKERS)
    runtime = runtime_of(request)
    done = await asyncio.to_thread(evaluate_and_publish, runtime, app, ctx)
    return {"as_of": done.as_of, "raised": done.raised, "resolved": done.resolved}


def evaluate_and_publish(runtime: Any, app: AuditLog, ctx: Context):
    """One evaluation as of today, published through the audit service's store and relay."""
    as_of = county_today()
    with runtime.pool.connection() as conn:
        found = with_facts(conn, lambda facts: evaluate(facts, as_of, runtime.settings))
        return publish(app, conn, found, as_of, ctx)


async def findings_schedule(runtime: Any, stop: asyncio.Event, loop: Loop) -> None:
    """Every ``audit_findings_every_s`` seconds, evaluates the findings as of today and publishes what changed.

    A failure (the database not answering) shows the loop stalled on ``/readyz`` and is retried next period;
    nothing is lost, since the next evaluation compares with what was published.
    """
    every = runtime.settings.audit_findings_every_s
    loop.starting("waiting for the first period")
    while not stop.is_set():
        await sleep_unless(stop, every)
        if stop.is_set():
            return
        if not runtime.booted or not isinstance(runtime.application, AuditLog):
            loop.starting("waiting for the service to start")
            continue
        try:
            done = await asyncio.to_thread(evaluate_and_publish, runtime, runtime.application, SCHEDULER)
        except Exception as exc:
            loop.stalled(f"findings not evaluated: {type(exc).__name__}: {exc}")
            continue
        loop.running()
        if done.raised or done.resolved:
            log.info("audit: findings as of %s: %s raised, %s resolved", done.as_of, done.raised, done.resolved)
