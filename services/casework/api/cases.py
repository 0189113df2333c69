"""Routes of cases (个案): intake, every step of the lifecycle, and the case's facts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from services.casework import read_models
from services.casework.api.deps import App, command_route
from services.casework.application import Casework, OpenCase
from services.casework.application.fields import Choice, Purpose
from services.casework.application.views import CaseNotes, CasePublic
from services.casework.domain import STAGES
from shared.domain import Forbidden, Role
from shared.http import (
    COMMAND_PROBLEMS,
    QUERY_PROBLEMS,
    CurrentContext,
    IdempotencyKey,
    Limit,
    Offset,
    Page,
    created,
    page_of,
    problems,
    with_etag,
)
from shared.service import ReadDb

router = APIRouter(tags=["cases"])


@router.post("/cases", status_code=status.HTTP_201_CREATED, response_model=CasePublic, responses=COMMAND_PROBLEMS)
def open_case(body: OpenCase, ctx: CurrentContext, app: App, key: IdempotencyKey,
              response: Response) -> dict[str, Any]:
    """受理: opens a case for a registered beneficiary at its station."""
    result = app.open_case(ctx, body, idempotency_key=key)
    return created(response, f"/v1/cases/{result['id']}", result)


@router.get("/cases", response_model=Page[read_models.CaseEntry], responses=QUERY_PROBLEMS)
def list_cases(ctx: CurrentContext, app: App, db: ReadDb, station_id: UUID | None = None,
               stage: Annotated[Choice | None, Query(description=f"one of {', '.join(STAGES)}")] = None,
               offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
    """Cases by station and stage (no notes)."""
    app.check_reads_facts(ctx)
    if ctx.has_role(Role.TOWNSHIP):
        raise Forbidden("a township reads its own beneficiaries' cases one by one")
    return page_of(read_models.cases(db, station_id, stage, offset, limit + 1), offset, limit)


@router.get("/cases/{case_id}", response_model=CasePublic, responses=QUERY_PROBLEMS)
def get_case(case_id: UUID, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A case's facts: stage, steps, services (no notes)."""
    return with_etag(response, app.get_case(ctx, case_id))


@router.get("/cases/{case_id}/notes", response_model=CaseNotes, responses={**QUERY_PROBLEMS, **problems(409)})
def read_case_notes(case_id: UUID, ctx: CurrentContext, app: App,
                    purpose: Annotated[Purpose, Query(description="why they are read (logged)")]) -> dict[str, Any]:
    """A case's notes and goals, for the bureau or the case's station; every read is logged."""
    return app.read_case_notes(ctx, case_id, purpose)


for verb, path, action in (
    ("post", "/cases/{case_id}/assessments", Casework.assess_case),
    ("put", "/cases/{case_id}/plan", Casework.plan_case),
    ("post", "/cases/{case_id}/services", Casework.record_service),
    ("post", "/cases/{case_id}/reviews", Casework.review_case),
    ("post", "/cases/{case_id}/closure", Casework.close_case),
    ("post", "/cases/{case_id}/reopening", Casework.reopen_case),
    ("post", "/cases/{case_id}/transfer", Casework.transfer_case),
):
    command_route(router, verb, path, action, CasePublic)
