"""External evaluations (第三方评估) and their rectification items (整改事项)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from services.stations.commands import CloseRectificationItem, RecordEvaluation
from services.stations.read_models import station_queries
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

from .deps import App, IdFilter, IdPath, check_station_readable, scope, uuid_text
from .representations import EvaluationPublic
from .rows import EvaluationRow

router = APIRouter(prefix="/v1", tags=["evaluations"])


@router.post("/evaluations", status_code=status.HTTP_201_CREATED, response_model=EvaluationPublic,
             responses=COMMAND_PROBLEMS)
def record_evaluation(body: RecordEvaluation, ctx: CurrentContext, app: App, key: IdempotencyKey,
                      response: Response) -> dict[str, Any]:
    """An evaluator records a station's external evaluation (第三方评估) with rectification items."""
    result = app.record_evaluation(ctx, body, idempotency_key=key)
    return created(response, f"/v1/evaluations/{result['id']}", result)


@router.get("/evaluations", response_model=Page[EvaluationRow], responses=QUERY_PROBLEMS)
def list_evaluations(
    ctx: CurrentContext, db: ReadDb,
    station_id: IdFilter = None,
    open_items: Annotated[bool | None, Query(description="true: only with open rectification items")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """External evaluations, newest first (a township sees its own stations', a contractor those it holds)."""
    townships, organisation = scope(ctx, db)
    return station_queries.list_evaluations(
        db, station_id=None if station_id is None else uuid_text(station_id, "station"), open_items=open_items,
        townships=townships, organisation_id=organisation, limit=limit, offset=offset)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationPublic, responses=QUERY_PROBLEMS)
def get_evaluation(evaluation_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """An evaluation with its rectification items."""
    evaluation = app.get_evaluation(evaluation_id)
    check_station_readable(ctx, app.get_station(evaluation["station_id"]))
    return with_etag(response, evaluation)


@router.post("/evaluations/{evaluation_id}/items/{item_id}/closure", response_model=EvaluationPublic,
             responses=COMMAND_PROBLEMS)
def close_rectification_item(evaluation_id: IdPath, item_id: IdPath, body: CloseRectificationItem,
                             ctx: CurrentContext, app: App, version: IfMatch, key: IdempotencyKey,
                             response: Response) -> dict[str, Any]:
    """Closes a rectification item (整改事项) with the evidence that it was rectified."""
    result = app.close_rectification_item(ctx, evaluation_id, item_id, body,
                                          expected_version=version, idempotency_key=key)
    return with_etag(response, result)
