"""History over HTTP: a station, a contract, a worker (masked), the plan's progress and the workforce figures, as of
a ledger position, a moment the system had recorded by, and a business date — each answer a replay of the ledger.

The entries are read in position order and folded by ``history`` / ``history_plan``; nothing else is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Query, Request
from psycopg.rows import tuple_row

from services.audit import application, history, history_plan
from services.audit.api import MAX_POSITION, PROBLEMS, _problem_doc
from services.audit.domain import parse_canonical
from services.audit.history import Fact
from services.audit.history_models import (
    Bounds,
    ContractHistory,
    PlanProgressHistory,
    StationHistory,
    TargetsHistory,
    WorkerHistory,
)
from services.audit.queries import read_ledger
from shared.domain import COUNTY_TIME, Invalid, NotFound
from shared.http import CurrentContext
from shared.service import ReadDb, runtime_of
from shared.settings import Settings

BATCH = 2000
LAST = 2**63 - 1


# --- reading the ledger ----------------------------------------------------------------------------------------


def facts(conn: psycopg.Connection, at_position: int | None, as_of: datetime | None, *, subject: str | None = None,
          type_prefixes: tuple[str, ...] = ("",)) -> Iterator[Fact]:
    """The ledger's facts in position order up to ``at_position``, recorded by ``as_of``, of one subject or types."""
    where = ["(" + " OR ".join("starts_with(type, %s)" for _ in type_prefixes) + ")"]
    params: list[Any] = list(type_prefixes)
    if as_of is not None:
        where.append("event_time <= %s")
        params.append(as_of)
    if subject is not None:
        where.append("subject = %s")
        params.append(subject)
    for position, canonical in read_ledger(conn, "position, canonical", upto=at_position, where=" AND ".join(where),
                                           params=params, row_factory=tuple_row, batch=BATCH):
        fact = _fact(position, canonical)
        if fact is not None:
            yield fact


def _fact(position: int, body: bytes) -> Fact | None:
    try:
        document = parse_canonical(body)
    except (ValueError, RecursionError):
        return None  # verify names such an entry; it states no fact
    return history.fact_of(position, document) if isinstance(document, dict) else None


def through(conn: psycopg.Connection, at_position: int | None, as_of: datetime | None) -> int:
    """The last ledger position the bounds cover (0 for none)."""
    sql, params = "SELECT max(position) AS p FROM ledger WHERE position <= %s", [LAST if at_position is None
                                                                               else at_position]
    if as_of is not None:
        sql += " AND event_time <= %s"
        params.append(as_of)
    row = conn.execute(sql, params).fetchone()
    return int(row["p"] or 0) if row else 0


def moment(text: str | None) -> datetime | None:
    """``as_of`` as a moment: a date-time (no offset: China Standard Time), or a day (its end, in CST)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(), COUNTY_TIME) \
                - timedelta(microseconds=1)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("as_of", f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=COUNTY_TIME)


# --- routes ----------------------------------------------------------------------------------------------------

router = APIRouter(prefix="/v1/history", tags=["history"])
AtPosition = Annotated[int | None, Query(ge=1, le=MAX_POSITION, description="replay the ledger up to this position")]
AsOf = Annotated[str | None, Query(max_length=40, description=(
    "replay what the system had recorded by this moment: an ISO 8601 date-time (no offset: UTC+8) or a date "
    "(its end, UTC+8)"))]
AsOfDate = Annotated[date | None, Query(description="business date: only facts dated on or before it")]
NOT_FOUND = {**PROBLEMS, 404: _problem_doc("the ledger shows no such thing within the bounds")}


def _bounds(db: psycopg.Connection, at_position: int | None, as_of: str | None,
            as_of_date: date | None) -> tuple[Bounds, datetime | None]:
    recorded = moment(as_of)
    return Bounds(at_position=at_position, as_of=recorded, as_of_date=as_of_date,
                  through_position=through(db, at_position, recorded)), recorded


def _subject(db: psycopg.Connection, fold: Callable[[Any, str], dict[str, Any] | None], what: str, key: str,
             at_position: int | None, as_of: str | None, as_of_date: date | None) -> dict[str, Any]:
    """One subject (a station, contract or worker) folded from its ledger facts within the bounds; 404 if none."""
    bounds, recorded = _bounds(db, at_position, as_of, as_of_date)
    found = fold(history.by_business_date(facts(db, at_position, recorded, subject=key), as_of_date), key)
    if found is None:
        raise NotFound(f"the ledger shows no {what} {key} up to position {bounds.through_position}")
    return {**found, "bounds": bounds}


@router.get("/stations/{station_id}", response_model=StationHistory, responses=NOT_FOUND)
def station_history(station_id: str, ctx: CurrentContext, db: ReadDb, at_position: AtPosition = None,
                    as_of: AsOf = None, as_of_date: AsOfDate = None) -> dict[str, Any]:
    """A station as the ledger shows it at a position, a recorded moment and a business date."""
    application.check_may_read_ledger(ctx)
    return _subject(db, history.station, "station", station_id, at_position, as_of, as_of_date)


@router.get("/contracts/{contract_id}", response_model=ContractHistory, responses=NOT_FOUND)
def contract_history(contract_id: str, ctx: CurrentContext, db: ReadDb, at_position: AtPosition = None,
                     as_of: AsOf = None, as_of_date: AsOfDate = None) -> dict[str, Any]:
    """A service contract as the ledger shows it at a position, a recorded moment and a business date."""
    application.check_may_read_ledger(ctx)
    return _subject(db, history.contract, "contract", contract_id, at_position, as_of, as_of_date)


@router.get("/workers/{worker_id}", response_model=WorkerHistory, responses=NOT_FOUND)
def worker_history(worker_id: str, ctx: CurrentContext, db: ReadDb, at_position: AtPosition = None,
                   as_of: AsOf = None, as_of_date: AsOfDate = None) -> dict[str, Any]:
    """A worker's record (masked) as the ledger shows it at a position, a recorded moment and a business date."""
    application.check_may_read_ledger(ctx)
    return _subject(db, history.worker, "worker", worker_id, at_position, as_of, as_of_date)


@router.get("/plan-progress", response_model=PlanProgressHistory, responses=PROBLEMS)
def plan_progress_history(request: Request, ctx: CurrentContext, db: ReadDb, at_position: AtPosition = None,
                          as_of: AsOf = None, as_of_date: AsOfDate = None) -> dict[str, Any]:
    """Stations planned and opened against each batch's target, on a business date, as recorded at the bounds."""
    application.check_may_read_ledger(ctx)
    bounds, recorded = _bounds(db, at_position, as_of, as_of_date)
    county = runtime_of(request).settings.county_code
    chosen = facts(db, at_position, recorded, type_prefixes=("sw.stations.county_plan.", "sw.stations.station."))
    answer = history_plan.plan_progress(chosen, county, business_day(as_of_date, recorded))
    return {**answer, "bounds": bounds}


@router.get("/targets", response_model=TargetsHistory, responses=PROBLEMS)
def targets_history(request: Request, ctx: CurrentContext, db: ReadDb, at_position: AtPosition = None,
                    as_of: AsOf = None, as_of_date: AsOfDate = None) -> dict[str, Any]:
    """The workforce figures and thresholds on a business date, as recorded at the bounds."""
    application.check_may_read_ledger(ctx)
    bounds, recorded = _bounds(db, at_position, as_of, as_of_date)
    settings = runtime_of(request).settings
    chosen = facts(db, at_position, recorded, type_prefixes=("sw.stations.county_plan.", "sw.workforce."))
    answer = history_plan.workforce_figures(chosen, settings.county_code, business_day(as_of_date, recorded),
                                            target_policy(settings))
    return {**answer, "bounds": bounds}


def target_policy(settings: Settings) -> history_plan.TargetPolicy:
    """The plan's workforce targets as the settings give them (the workforce service reads the same)."""
    return history_plan.TargetPolicy(settings.certified_growth_per_year, settings.certified_multiple_by_2023,
                                     settings.professionals_population_share, settings.registered_organisations_min)


def business_day(as_of_date: date | None, recorded: datetime | None) -> date:
    """The business date asked, else the day of the recorded moment (UTC+8), else today (UTC+8)."""
    if as_of_date is not None:
        return as_of_date
    return (recorded or datetime.now(COUNTY_TIME)).astimezone(COUNTY_TIME).date()
