"""Routes of the roster (花名册): who works where on a date, and per station. Id numbers and phones are masked."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from fastapi import APIRouter

from services.workforce import read_models
from services.workforce.api.deps import COUNTY_READERS, ROSTER_READERS, App, readable_by
from shared.domain import Context, Forbidden, Invalid, Role, county_today
from shared.http import QUERY_PROBLEMS, AsOf, CurrentContext, Limit, Offset, Page, page_of
from shared.service import ReadDb

router = APIRouter(tags=["roster"])
TOWNSHIP = Role.TOWNSHIP


@router.get("/roster", response_model=Page[read_models.RosterEntry], responses=QUERY_PROBLEMS)
def get_roster(ctx: CurrentContext, db: ReadDb, app: App, as_of: AsOf = None, station_id: UUID | None = None,
               organisation_id: UUID | None = None, offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
    """Who works where on a date, certified, insured, under contract; id number and phone masked.

    A township reads its own townships' stations (naming ``station_id`` when it has several).
    """
    if ctx.has_role(TOWNSHIP):
        organisation, station = None, own_station(ctx, db, station_id)
        if station is None:
            return page_of([], offset, limit)
    else:
        organisation = readable_by(ctx, ROSTER_READERS, str(organisation_id) if organisation_id else None)
        station = str(station_id) if station_id else None
    rows = read_models.roster(db, as_of or county_today(), station, organisation, limit + 1, offset)
    masked = app.masked_identities(row["worker_id"] for row in rows)
    return page_of([{**row, **masked[row["worker_id"]]} for row in rows], offset, limit)


@router.get("/roster/stations", response_model=Page[read_models.StationStaffing], responses=QUERY_PROBLEMS)
def get_roster_stations(ctx: CurrentContext, db: ReadDb, as_of: AsOf = None, offset: Offset = 0,
                        limit: Limit = 100) -> dict[str, Any]:
    """Per station on a date: headcount, certified count, its workers and its supervisors."""
    readable_by(ctx, COUNTY_READERS)
    items = read_models.stations_as_of(db, as_of or county_today())
    return page_of(items[offset:offset + limit + 1], offset, limit)


def own_station(ctx: Context, db: psycopg.Connection, station_id: UUID | None) -> str | None:
    """The station a township's roster is limited to (None while its township has no station yet)."""
    stations = read_models.township_stations(db, ctx.townships)
    if station_id is not None:
        if str(station_id) not in stations:
            raise Forbidden("a township reads only its own townships' stations' roster")
        return str(station_id)
    if len(stations) > 1:
        raise Invalid("station_id", "name the station: your token covers several townships' stations")
    return stations[0] if stations else None
