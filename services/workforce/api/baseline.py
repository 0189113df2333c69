"""Routes of the county's workforce baseline (基数) and the plan's workforce targets (目标)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from services.workforce import read_models
from services.workforce.api.deps import COUNTY_READERS, App, readable_by
from services.workforce.application import CorrectBaseline, EnterBaseline, RecordYearlyFigures
from services.workforce.application.views import BaselinePublic
from shared.domain import county_today
from shared.http import (
    COMMAND_PROBLEMS,
    QUERY_PROBLEMS,
    AsOf,
    CurrentContext,
    IdempotencyKey,
    IfMatch,
    created,
    with_etag,
)
from shared.service import County, ReadDb

router = APIRouter(tags=["baseline and targets"])


@router.post("/baseline", status_code=status.HTTP_201_CREATED, response_model=BaselinePublic,
             responses=COMMAND_PROBLEMS)
def enter_baseline(body: EnterBaseline, ctx: CurrentContext, app: App, county: County, key: IdempotencyKey,
                   response: Response) -> dict[str, Any]:
    """Enters the county's 2020 workforce baseline 基数 (civil affairs admin)."""
    return created(response, "/v1/baseline", app.enter_baseline(ctx, county, body, idempotency_key=key))


@router.get("/baseline", response_model=BaselinePublic, responses=QUERY_PROBLEMS)
def get_baseline(ctx: CurrentContext, app: App, county: County, response: Response) -> dict[str, Any]:
    """The county's baseline and the yearly figures recorded since."""
    readable_by(ctx, COUNTY_READERS)
    return with_etag(response, app.get_baseline(county))


@router.post("/baseline/yearly-figures", response_model=BaselinePublic, responses=COMMAND_PROBLEMS)
def record_yearly_figures(body: RecordYearlyFigures, ctx: CurrentContext, app: App, county: County, version: IfMatch,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a later year's official certified and professional counts (civil affairs admin)."""
    return with_etag(response, app.record_yearly_figures(ctx, county, body, expected_version=version,
                                                         idempotency_key=key))


@router.post("/baseline/correction", response_model=BaselinePublic, responses=COMMAND_PROBLEMS)
def correct_baseline(body: CorrectBaseline, ctx: CurrentContext, app: App, county: County, version: IfMatch,
                     key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Corrects the baseline figures, saying why (civil affairs admin)."""
    return with_etag(response, app.correct_baseline(ctx, county, body, expected_version=version,
                                                    idempotency_key=key))


@router.get("/targets", response_model=read_models.TargetsReport, responses=QUERY_PROBLEMS)
def get_targets(ctx: CurrentContext, db: ReadDb, app: App, county: County, as_of: AsOf = None) -> dict[str, Any]:
    """The workforce targets on a date (met / on_track / at_risk), with the figures they were assessed on."""
    readable_by(ctx, COUNTY_READERS)
    return read_models.targets(db, county, as_of or county_today(), app.policy)
