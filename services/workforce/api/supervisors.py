"""Routes of supervisors (督导): designation, the stations each covers against the plan's range."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from services.workforce import read_models
from services.workforce.api.deps import COUNTY_READERS, App, command_route, readable_by
from services.workforce.application import DesignateSupervisor, ReleaseSupervision, Workforce
from services.workforce.application.views import SupervisorPublic
from shared.domain import county_today
from shared.http import (
    COMMAND_PROBLEMS,
    QUERY_PROBLEMS,
    AsOf,
    CurrentContext,
    IdempotencyKey,
    IfMatch,
    Limit,
    Offset,
    Page,
    created,
    page_of,
    with_etag,
)
from shared.service import ReadDb

router = APIRouter(tags=["supervisors"])


@router.post("/workers/{worker_id}/supervisor", status_code=status.HTTP_201_CREATED, response_model=SupervisorPublic,
             responses=COMMAND_PROBLEMS)
def designate_supervisor(worker_id: UUID, body: DesignateSupervisor, ctx: CurrentContext, app: App,
                         version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Designates a worker with a qualifying certificate as supervisor (civil affairs admin)."""
    result = app.designate_supervisor(ctx, worker_id, body, expected_version=version, idempotency_key=key)
    return created(response, f"/v1/supervisors/{worker_id}", result)


@router.get("/supervisors", response_model=Page[read_models.SupervisorCoverage], responses=QUERY_PROBLEMS)
def list_supervisors(ctx: CurrentContext, db: ReadDb, app: App, as_of: AsOf = None, offset: Offset = 0,
                     limit: Limit = 100) -> dict[str, Any]:
    """Per supervisor on a date: the stations covered against the plan's 5–8, with a warning below it."""
    readable_by(ctx, COUNTY_READERS)
    items = read_models.supervisors_as_of(db, as_of or county_today(), app.policy)
    return page_of(items[offset:offset + limit + 1], offset, limit)


@router.get("/supervisors/{supervisor_id}", response_model=SupervisorPublic, responses=QUERY_PROBLEMS)
def get_supervisor(supervisor_id: UUID, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A supervisor's current stations against the plan's 5–8."""
    readable_by(ctx, COUNTY_READERS)
    return with_etag(response, app.supervisor_load(supervisor_id))


command_route(router, "post", "/supervisors/{supervisor_id}/stations", Workforce.assign_supervision, SupervisorPublic)


@router.post("/supervisors/{supervisor_id}/stations/{station_id}/release", response_model=SupervisorPublic,
             responses=COMMAND_PROBLEMS)
def release_supervision(supervisor_id: UUID, station_id: UUID, body: ReleaseSupervision, ctx: CurrentContext,
                        app: App, version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Takes a station off a supervisor's list (civil affairs admin)."""
    return with_etag(response, app.release_supervision(ctx, supervisor_id, station_id, body,
                                                       expected_version=version, idempotency_key=key))
