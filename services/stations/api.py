"""Stations HTTP API (``/v1``): thin routes that turn requests into application calls."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.stations.application import Stations
from services.stations.projections import list_station_status
from shared.http import CurrentContext, IdempotencyKey, with_etag
from shared.service import ReadDb, runtime_of

router = APIRouter(prefix="/v1", tags=["stations"])
CODE = r"^[A-Za-z0-9][A-Za-z0-9_]{0,31}$"
VILLAGE_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"


def stations_app(request: Request) -> Stations:
    """The service's application."""
    app = runtime_of(request).application
    assert isinstance(app, Stations)
    return app


def county_code(request: Request) -> str:
    """The county this deployment serves."""
    return runtime_of(request).settings.county_code


App = Annotated[Stations, Depends(stations_app)]
County = Annotated[str, Depends(county_code)]


class Body(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Batch(Body):
    batch: int = Field(ge=1, le=9)
    deadline: date


class Village(Body):
    code: str = Field(pattern=VILLAGE_CODE)
    name: str = Field(min_length=1, max_length=64)
    kind: Literal["village", "community"]


class Township(Body):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=64)
    kind: Literal["town", "township"] = Field(description="town 镇 or township 乡")
    population: int = Field(ge=0, description="household-registered population 户籍人口")
    population_as_of: date | None = None
    batch: int = Field(ge=1, le=9)
    villages: list[Village] = Field(default_factory=list)


class EstablishCountyPlan(Body):
    county_name: str = Field(min_length=1, max_length=64)
    period_start_year: int = Field(ge=2000, le=2100)
    period_end_year: int = Field(ge=2000, le=2100)
    batches: list[Batch] = Field(min_length=1)
    townships: list[Township] = Field(min_length=1)


@router.put("/county-plan", status_code=status.HTTP_200_OK)
def establish_county_plan(body: EstablishCountyPlan, ctx: CurrentContext, app: App, county: County,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Establishes the county's action plan (行动方案); sending the same plan again changes nothing."""
    data = body.model_dump()
    result = app.establish_county_plan(ctx, county_code=county, idempotency_key=key, **data)
    return with_etag(response, result)


@router.get("/county-plan")
def get_county_plan(ctx: CurrentContext, app: App, county: County, response: Response) -> dict[str, Any]:
    """The county plan: period, batches with deadlines, townships with populations and villages."""
    return with_etag(response, app.get_county_plan(county))


class PlanStation(Body):
    township_code: str = Field(pattern=CODE, description="the township's code in the county plan, e.g. T01")


@router.post("/stations", status_code=status.HTTP_201_CREATED)
def plan_station(body: PlanStation, ctx: CurrentContext, app: App, county: County, key: IdempotencyKey,
                 response: Response) -> dict[str, Any]:
    """Plans the station of a township (one per township), in its batch and with its deadline."""
    result = app.plan_station(ctx, county_code=county, township_code=body.township_code, idempotency_key=key)
    response.headers["Location"] = f"/v1/stations/{result['id']}"
    return with_etag(response, result)


@router.get("/stations/{station_id}")
def get_station(station_id: str, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """One station as its events left it (the ETag is its version)."""
    return with_etag(response, app.get_station(station_id))


@router.get("/station-status")
def station_status(
    ctx: CurrentContext,
    db: ReadDb,
    township_code: Annotated[str | None, Query(pattern=CODE)] = None,
    batch: Annotated[int | None, Query(ge=1, le=9)] = None,
    state: Annotated[str | None, Query(alias="status", max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The station-status view: every station's state, batch, deadline, contractor and staffing."""
    return list_station_status(db, township_code=township_code, batch=batch, status=state, limit=limit, offset=offset)
