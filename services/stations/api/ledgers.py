"""Quarterly ledgers (台账): submission by the contractor, review by the bureau."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from services.stations.commands import AcceptLedger, ResubmitLedger, ReturnLedger, SubmitLedger
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

from .deps import (
    LEDGER_READERS,
    TOWNSHIP,
    App,
    IdFilter,
    IdPath,
    check_organisation,
    check_station_readable,
    named_organisation,
    scope,
    uuid_text,
)
from .representations import LedgerPublic
from .rows import LedgerRow

router = APIRouter(prefix="/v1", tags=["ledgers"])


@router.post("/stations/{station_id}/ledgers", status_code=status.HTTP_201_CREATED, response_model=LedgerPublic,
             responses=COMMAND_PROBLEMS)
def submit_ledger(station_id: IdPath, body: SubmitLedger, ctx: CurrentContext, app: App, key: IdempotencyKey,
                  response: Response) -> dict[str, Any]:
    """The station's contractor submits a quarter's ledger (台账)."""
    result = app.submit_ledger(ctx, station_id, body, idempotency_key=key)
    return created(response, f"/v1/ledgers/{result['id']}", result)


@router.get("/ledgers", response_model=Page[LedgerRow], responses=QUERY_PROBLEMS)
def list_ledgers(
    ctx: CurrentContext, db: ReadDb,
    station_id: IdFilter = None,
    organisation_id: IdFilter = None,
    state: Annotated[Literal["submitted", "accepted", "returned"] | None, Query(alias="status")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Quarterly ledgers, newest quarter first (a township sees its own stations', a contractor its own)."""
    ctx.require(*LEDGER_READERS)
    townships, organisation = scope(ctx, db)
    if organisation is not None:
        check_organisation(ctx, organisation_id or ctx.organisation, "ledgers")
    else:
        organisation = named_organisation(db, organisation_id)
    station = None if station_id is None else uuid_text(station_id, "station")
    return station_queries.list_ledgers(db, station_id=station, organisation_id=organisation, status=state,
                                        year=year, quarter=quarter, townships=townships, limit=limit, offset=offset)


@router.get("/ledgers/{ledger_id}", response_model=LedgerPublic, responses=QUERY_PROBLEMS)
def get_ledger(ledger_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A quarterly ledger's figures and review history."""
    ctx.require(*LEDGER_READERS)
    ledger = app.get_ledger(ledger_id)
    check_organisation(ctx, ledger["organisation_id"], "ledgers")
    if ctx.has_role(TOWNSHIP):
        station = app.get_station(ledger["station_id"])
        check_station_readable(ctx, {**station, "organisation_id": None})
    return with_etag(response, ledger)


@router.post("/ledgers/{ledger_id}/acceptance", response_model=LedgerPublic, responses=COMMAND_PROBLEMS)
def accept_ledger(ledger_id: IdPath, body: AcceptLedger, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The bureau accepts a submitted ledger."""
    result = app.accept_ledger(ctx, ledger_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/ledgers/{ledger_id}/return", response_model=LedgerPublic, responses=COMMAND_PROBLEMS)
def return_ledger(ledger_id: IdPath, body: ReturnLedger, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The bureau returns a submitted ledger for rectification (整改), with reasons."""
    result = app.return_ledger(ctx, ledger_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/ledgers/{ledger_id}/resubmission", response_model=LedgerPublic, responses=COMMAND_PROBLEMS)
def resubmit_ledger(ledger_id: IdPath, body: ResubmitLedger, ctx: CurrentContext, app: App, version: IfMatch,
                    key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The contractor resubmits a returned ledger with corrected figures."""
    result = app.resubmit_ledger(ctx, ledger_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)
