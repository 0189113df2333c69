"""What every stations router shares: the application, the read scopes of each role, and bounded path and
query parameters.

Commands check roles and scopes in the application. Read access is checked here: a township reads only its own
townships' stations, a contractor only the stations and contracts it holds; see services/stations/README.md.
"""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import Depends, Path, Query, Request

from services.stations.application import Stations, as_id
from services.stations.read_models import registers
from shared.auth import same_organisation
from shared.domain import Context, Forbidden, Role
from shared.service import application_of, runtime_of

ADMIN, FINANCE, AUDITOR = Role.CIVIL_AFFAIRS_ADMIN, Role.FINANCE, Role.AUDITOR
TOWNSHIP, CONTRACTOR, EVALUATOR = Role.TOWNSHIP, Role.CONTRACTOR, Role.EVALUATOR
CONTRACT_READERS = (ADMIN, FINANCE, AUDITOR, EVALUATOR, CONTRACTOR)
LEDGER_READERS = (ADMIN, FINANCE, AUDITOR, EVALUATOR, CONTRACTOR, TOWNSHIP)
MISUSE_READERS = (ADMIN, AUDITOR, TOWNSHIP)
IdFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")]  # no control characters
IdPath = Annotated[str, Path(max_length=64)]
TOWNSHIP_CODE = r"^[A-Za-z0-9][A-Za-z0-9_]{0,31}$"
CodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
App = Annotated[Stations, Depends(application_of(Stations))]
Month = Annotated[str | None, Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
                                    description="YYYY-MM: the month whose supervision is shown (default: this month)")]


def supervision_min_hours(request: Request) -> float:
    """The minimum length of a supervision session (``SW_SUPERVISION_MIN_HOURS``)."""
    return runtime_of(request).settings.supervision_min_hours


MinHours = Annotated[float, Depends(supervision_min_hours)]


def scope(ctx: Context, db: psycopg.Connection) -> tuple[list[str] | None, list[str] | None]:
    """What a caller may see of the stations: (townships, the names of its organisation); None means no limit.

    A contractor's organisation is known by the id or the credit code its token names, in any case, whichever of them
    the records use (``registers.organisation_names``).
    """
    if ctx.has_role(TOWNSHIP):
        return township_scope(ctx), None
    if ctx.has_role(CONTRACTOR):
        return None, registers.organisation_names(db, ctx.organisation or "-")
    return None, None


def township_scope(ctx: Context) -> list[str] | None:
    """The townships a township user is limited to (None: no limit by township)."""
    return list(ctx.townships) if ctx.has_role(TOWNSHIP) else None


def named_organisation(db: psycopg.Connection, organisation_id: str | None) -> list[str] | None:
    """A filter on an organisation given by its id or its credit code: every name the records may give it."""
    return None if organisation_id is None else registers.organisation_names(db, organisation_id)


def check_station_readable(ctx: Context, station: dict[str, Any]) -> None:
    """A township reads only its own townships' stations, a contractor only stations it holds."""
    if ctx.has_role(TOWNSHIP) and station["township_code"] not in ctx.townships:
        raise Forbidden(f"a township user may read only its own township's station, not {station['township_code']}")
    holder = station["organisation_id"]
    if ctx.has_role(CONTRACTOR) and not (holder and same_organisation(holder, ctx.organisation or "-")):
        raise Forbidden(f"station {station['township_code']} is not covered by a contract of your organisation")


def check_organisation(ctx: Context, organisation_id: str, what: str) -> None:
    """A contractor reads only its own organisation's records."""
    if ctx.has_role(CONTRACTOR) and not same_organisation(organisation_id, ctx.organisation):
        raise Forbidden(f"a contractor may read only its own organisation's {what}")


def uuid_text(value: str, what: str) -> str:
    """An id given as text, normalised (404 if it is not an id)."""
    return str(as_id(value, what))
