"""Routes of the roster (花名册): who works where on a date, and per station. Id numbers and phones are masked."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.workforce import read_models
from services.workforce.api.deps import COUNTY_READERS, ROSTER_READERS, App, readable_by
from shared.http import QUERY_PROBLEMS, AsOf, CurrentContext, Limit, Offset, Page, page_of
from shared.service import ReadDb

router = APIRouter(tags=["roster"])


@router.get("/roster", response_model=Page[read_models.RosterEntry], responses=QUERY_PROBLEMS)
def get_roster(ctx: CurrentContext, db: ReadDb, app: App, as_of: AsOf = None, station_id: UUID | None = None,
               organisation_id: UUID | None = None, offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
    """Who works where on a date, certified, insured, under contract; id number and phone masked."""
    organisation = readable_by(ctx, ROSTER_READERS, str(organisation_id) if organisation_id else None)
    rows = read_models.roster(db, as_of or date.today(), str(station_id) if station_id else None, organisation,
                              limit + 1, offset)
    masked = app.masked_identities(row["worker_id"] for row in rows)
    return page_of([{**row, **masked[row["worker_id"]]} for row in rows], offset, limit)


@router.get("/roster/stations", response_model=Page[read_models.StationStaffing], responses=QUERY_PROBLEMS)
def get_roster_stations(ctx: CurrentContext, db: ReadDb, as_of: AsOf = None, offset: Offset = 0,
                        limit: Limit = 100) -> dict[str, Any]:
    """Per station on a date: headcount, certified count, its workers and its supervisors."""
    readable_by(ctx, COUNTY_READERS)
    items = read_models.stations_as_of(db, as_of or date.today())
    return page_of(items[offset:offset + limit + 1], offset, limit)
