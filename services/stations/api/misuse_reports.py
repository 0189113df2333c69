"""Reports of station social workers put to work as township staff, and their resolution."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from services.stations.commands import ReportMisuse, ResolveMisuseReport
from services.stations.read_models import station_queries
from shared.domain import Forbidden
from shared.http import (
    COMMAND_PROBLEMS,
    QUERY_PROBLEMS,
    CurrentContext,
    IdempotencyKey,
    IfMatch,
    Limit,
    Offset,
    Page,
    created,
    with_etag,
)
from shared.service import ReadDb

from .deps import MISUSE_READERS, TOWNSHIP, TOWNSHIP_CODE, App, IdFilter, IdPath, township_scope, uuid_text
from .representations import MisuseReportPublic
from .rows import MisuseReportRow

WITHHELD = {"actor": "withheld", "role": "withheld", "organisation": "withheld"}
"""What the reported township reads in place of the reporter."""
router = APIRouter(prefix="/v1", tags=["misuse reports"])


@router.post("/misuse-reports", status_code=status.HTTP_201_CREATED, response_model=MisuseReportPublic,
             responses=COMMAND_PROBLEMS)
def report_misuse(body: ReportMisuse, ctx: CurrentContext, app: App, key: IdempotencyKey,
                  response: Response) -> dict[str, Any]:
    """Reports a station social worker put to work as township staff (any role but auditor)."""
    result = app.report_misuse(ctx, body, idempotency_key=key)
    return created(response, f"/v1/misuse-reports/{result['id']}", result)


@router.get("/misuse-reports", response_model=Page[MisuseReportRow], responses=QUERY_PROBLEMS)
def list_misuse_reports(
    ctx: CurrentContext, db: ReadDb,
    station_id: IdFilter = None,
    township_code: Annotated[str | None, Query(pattern=TOWNSHIP_CODE)] = None,
    state: Annotated[Literal["open", "resolved"] | None, Query(alias="status")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Misuse reports, newest first, without their descriptions (bureau, auditor; a township its own)."""
    ctx.require(*MISUSE_READERS)
    townships = township_scope(ctx)
    return station_queries.list_misuse_reports(
        db, station_id=None if station_id is None else uuid_text(station_id, "station"), township_code=township_code,
        status=state, townships=townships, limit=limit, offset=offset)


@router.get("/misuse-reports/{report_id}", response_model=MisuseReportPublic, responses=QUERY_PROBLEMS)
def get_misuse_report(report_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A misuse report with its description and resolution (bureau, auditor, its township, its reporter)."""
    report = app.get_misuse_report(report_id)
    if report["reported_by"].get("actor") != ctx.actor:
        ctx.require(*MISUSE_READERS)
        townships = township_scope(ctx)
        if townships is not None and report["township_code"] not in townships:
            raise Forbidden("a township user may read only its own township's misuse reports")
        if ctx.has_role(TOWNSHIP):
            # The reported township never learns who reported it: a contractor depending on it must be safe to.
            report = {**report, "reported_by": WITHHELD}
    return with_etag(response, report)


@router.post("/misuse-reports/{report_id}/resolution", response_model=MisuseReportPublic, responses=COMMAND_PROBLEMS)
def resolve_misuse_report(report_id: IdPath, body: ResolveMisuseReport, ctx: CurrentContext, app: App, version: IfMatch,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The bureau records how a misuse report was resolved."""
    result = app.resolve_misuse_report(ctx, report_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)
