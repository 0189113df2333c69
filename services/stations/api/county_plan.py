"""The county plan (行动方案) and the county's status on a date."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from services.stations.commands import AddTownship, AddVillage, AmendTownshipPopulation, EstablishCountyPlan
from services.stations.read_models import station_queries
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

from .deps import App, CodePath
from .representations import CountyPlanPublic
from .rows import CountyStatusPublic

router = APIRouter(prefix="/v1", tags=["county plan"])


@router.put("/county-plan", status_code=status.HTTP_200_OK, response_model=CountyPlanPublic, responses=COMMAND_PROBLEMS)
def establish_county_plan(body: EstablishCountyPlan, ctx: CurrentContext, app: App, county: County,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Establishes the county's action plan (行动方案); sending the same plan again changes nothing."""
    result = app.establish_county_plan(ctx, county, body, idempotency_key=key)
    return with_etag(response, result)


@router.get("/county-plan", response_model=CountyPlanPublic, responses=QUERY_PROBLEMS)
def get_county_plan(ctx: CurrentContext, app: App, county: County, response: Response) -> dict[str, Any]:
    """The county plan: period, batches with deadlines, townships with populations and villages."""
    return with_etag(response, app.get_county_plan(county))


@router.post("/county-plan/townships", status_code=status.HTTP_201_CREATED, response_model=CountyPlanPublic,
             responses=COMMAND_PROBLEMS)
def add_township(body: AddTownship, ctx: CurrentContext, app: App, county: County, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Adds a township to the county plan, in one of its batches; its station can then be planned."""
    result = app.add_township(ctx, county, body, expected_version=version, idempotency_key=key)
    return created(response, "/v1/county-plan", result)


@router.post("/county-plan/townships/{township_code}/population", response_model=CountyPlanPublic,
             responses=COMMAND_PROBLEMS)
def amend_township_population(township_code: CodePath, body: AmendTownshipPopulation, ctx: CurrentContext,
                              app: App, county: County, version: IfMatch, key: IdempotencyKey,
                              response: Response) -> dict[str, Any]:
    """Records a township's new population from a date; earlier figures stay in the plan's history."""
    result = app.amend_township_population(ctx, county, township_code, body,
                                           expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/county-plan/townships/{township_code}/villages", status_code=status.HTTP_201_CREATED,
             response_model=CountyPlanPublic, responses=COMMAND_PROBLEMS)
def add_village(township_code: CodePath, body: AddVillage, ctx: CurrentContext, app: App, county: County,
                version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Adds a village or community (村/社区) to a township of the plan."""
    result = app.add_village(ctx, county, township_code, body, expected_version=version, idempotency_key=key)
    return created(response, "/v1/county-plan", result)


@router.get("/county-status", response_model=CountyStatusPublic, responses=QUERY_PROBLEMS)
def get_county_status(
    ctx: CurrentContext, db: ReadDb, county: County,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Per batch on a date: target count, deadline, stations opened by then, and whether it is behind schedule."""
    return station_queries.county_status(db, county, as_of or county_today())
