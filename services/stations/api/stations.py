"""A station's lifecycle, and the station-status view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from services.stations.commands import (
    CloseStation,
    CoverVillage,
    EndVillageCoverage,
    OpenStation,
    PlanStation,
    ProvideSite,
    RecordStaffing,
    ReopenStation,
    SuspendStation,
)
from services.stations.domain import StationStatus
from services.stations.read_models import station_queries
from shared.domain import NotFound
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
from shared.service import County, ReadDb

from .deps import (
    TOWNSHIP_CODE,
    App,
    CodePath,
    IdPath,
    MinHours,
    Month,
    check_station_readable,
    scope,
    uuid_text,
)
from .representations import StaffingRecorded, StationPublic
from .rows import StationStatusDetail, StationStatusRow

router = APIRouter(prefix="/v1", tags=["stations"])


@router.post("/stations", status_code=status.HTTP_201_CREATED, response_model=StationPublic, responses=COMMAND_PROBLEMS)
def plan_station(body: PlanStation, ctx: CurrentContext, app: App, county: County, key: IdempotencyKey,
                 response: Response) -> dict[str, Any]:
    """Plans the station of a township (one per township), in its batch and with its deadline."""
    result = app.plan_station(ctx, county, body, idempotency_key=key)
    return created(response, f"/v1/stations/{result['id']}", result)


@router.get("/stations/{station_id}", response_model=StationPublic, responses=QUERY_PROBLEMS)
def get_station(station_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """One station as its events left it (the ETag is its version)."""
    station = app.get_station(station_id)
    check_station_readable(ctx, station)
    return with_etag(response, station)


@router.put("/stations/{station_id}/site", response_model=StationPublic, responses=COMMAND_PROBLEMS)
def provide_site(station_id: IdPath, body: ProvideSite, ctx: CurrentContext, app: App, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The township provides office space and facilities for its own station (township; bureau)."""
    result = app.provide_site(ctx, station_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/staffing", response_model=StaffingRecorded, responses=COMMAND_PROBLEMS)
def record_staffing(station_id: IdPath, body: RecordStaffing, ctx: CurrentContext, app: App, key: IdempotencyKey,
                    response: Response) -> dict[str, Any]:
    """Records by hand a workforce headcount the staffing policy could not apply (idempotent on source_seq)."""
    result = app.record_staffing(ctx, station_id, body, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/opening", response_model=StationPublic, responses=COMMAND_PROBLEMS)
def open_station(station_id: IdPath, body: OpenStation, ctx: CurrentContext, app: App, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Opens a sited, contracted and staffed station."""
    result = app.open_station(ctx, station_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/suspension", response_model=StationPublic, responses=COMMAND_PROBLEMS)
def suspend_station(station_id: IdPath, body: SuspendStation, ctx: CurrentContext, app: App, version: IfMatch,
                    key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Suspends an open station, saying why."""
    result = app.suspend_station(ctx, station_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/reopening", response_model=StationPublic, responses=COMMAND_PROBLEMS)
def reopen_station(station_id: IdPath, body: ReopenStation, ctx: CurrentContext, app: App, version: IfMatch,
                   key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Reopens a suspended station."""
    result = app.reopen_station(ctx, station_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/closure", response_model=StationPublic, responses=COMMAND_PROBLEMS)
def close_station(station_id: IdPath, body: CloseStation, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Closes a station for good, saying why."""
    result = app.close_station(ctx, station_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/villages", response_model=StationPublic, responses=COMMAND_PROBLEMS)
def cover_village(station_id: IdPath, body: CoverVillage, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The station starts serving one of its township's villages/communities from a date."""
    result = app.cover_village(ctx, station_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/villages/{village_code}/end", response_model=StationPublic,
             responses=COMMAND_PROBLEMS)
def end_village_coverage(station_id: IdPath, village_code: CodePath, body: EndVillageCoverage, ctx: CurrentContext,
                         app: App, version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The station stops serving a village/community from a date."""
    result = app.end_village_coverage(ctx, station_id, village_code, body,
                                      expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.get("/station-status", response_model=Page[StationStatusRow], responses=QUERY_PROBLEMS)
def station_status(
    ctx: CurrentContext,
    db: ReadDb,
    minimum_hours: MinHours,
    township_code: Annotated[str | None, Query(pattern=TOWNSHIP_CODE)] = None,
    batch: Annotated[int | None, Query(ge=1, le=9)] = None,
    state: Annotated[StationStatus | None, Query(alias="status")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    month: Month = None,
) -> dict[str, Any]:
    """The station-status view: state, batch, deadline, contractor, workers, supervisor and the month's supervision,
    rectification, ledger."""
    townships, organisation = scope(ctx, db)
    return station_queries.list_station_status(db, township_code=township_code, batch=batch, status=state,
                                               townships=townships, organisation_id=organisation, limit=limit,
                                               offset=offset, month=month, minimum_hours=minimum_hours)


@router.get("/station-status/{station_id}", response_model=StationStatusDetail, responses=QUERY_PROBLEMS)
def station_status_of(station_id: IdPath, ctx: CurrentContext, db: ReadDb, minimum_hours: MinHours,
                      month: Month = None) -> dict[str, Any]:
    """One station in the view, with its supervision, rectification items, village coverage and status history."""
    item = station_queries.get_station_status(db, uuid_text(station_id, "station"), month, minimum_hours)
    if item is None:
        raise NotFound(f"station {station_id} is not in the station-status view")
    check_station_readable(ctx, item)
    return item
