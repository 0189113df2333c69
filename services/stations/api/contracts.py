"""Purchase-of-service contracts (政府购买服务协议) and their payments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from services.stations.commands import AmendContract, Disburse, SignContract, TerminateContract
from services.stations.read_models import registers
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
    CONTRACT_READERS,
    CONTRACTOR,
    App,
    IdFilter,
    IdPath,
    check_organisation,
    named_organisation,
    uuid_text,
)
from .representations import ContractPublic
from .rows import ContractRow

router = APIRouter(prefix="/v1", tags=["contracts"])


@router.post("/contracts", status_code=status.HTTP_201_CREATED, response_model=ContractPublic,
             responses=COMMAND_PROBLEMS)
def sign_contract(body: SignContract, ctx: CurrentContext, app: App, key: IdempotencyKey,
                  response: Response) -> dict[str, Any]:
    """Signs a purchase-of-service contract; its organisation becomes the contractor of every station it covers."""
    result = app.sign_contract(ctx, body, idempotency_key=key)
    return created(response, f"/v1/contracts/{result['id']}", result)


@router.get("/contracts", response_model=Page[ContractRow], responses=QUERY_PROBLEMS)
def list_contracts(
    ctx: CurrentContext, db: ReadDb,
    organisation_id: IdFilter = None,
    state: Annotated[Literal["signed", "terminated"] | None, Query(alias="status")] = None,
    station_id: IdFilter = None,
    budget_year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Service contracts, newest first (a contractor sees only its own)."""
    ctx.require(*CONTRACT_READERS)
    if ctx.has_role(CONTRACTOR):
        check_organisation(ctx, organisation_id or ctx.organisation, "contracts")
        organisation_id = ctx.organisation or "-"
    station = None if station_id is None else uuid_text(station_id, "station")
    return registers.list_contracts(db, organisation_id=named_organisation(db, organisation_id), status=state,
                                    station_id=station, budget_year=budget_year, limit=limit, offset=offset)


@router.get("/contracts/{contract_id}", response_model=ContractPublic, responses=QUERY_PROBLEMS)
def get_contract(contract_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A contract's terms, disbursements, amendments and status."""
    ctx.require(*CONTRACT_READERS)
    contract = app.get_contract(contract_id)
    check_organisation(ctx, contract["organisation_id"], "contracts")
    return with_etag(response, contract)


@router.post("/contracts/{contract_id}/disbursements", response_model=ContractPublic, responses=COMMAND_PROBLEMS)
def disburse(contract_id: IdPath, body: Disburse, ctx: CurrentContext, app: App, version: IfMatch,
             key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a payment (拨付) under the contract; the total may not exceed the amount."""
    result = app.disburse(ctx, contract_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/contracts/{contract_id}/amendments", response_model=ContractPublic, responses=COMMAND_PROBLEMS)
def amend_contract(contract_id: IdPath, body: AmendContract, ctx: CurrentContext, app: App, version: IfMatch,
                   key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Amends the contract's terms; stations added get its contractor, stations removed are released."""
    result = app.amend_contract(ctx, contract_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/contracts/{contract_id}/termination", response_model=ContractPublic, responses=COMMAND_PROBLEMS)
def terminate_contract(contract_id: IdPath, body: TerminateContract, ctx: CurrentContext, app: App, version: IfMatch,
                       key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Terminates the contract early and releases its stations."""
    result = app.terminate_contract(ctx, contract_id, body, expected_version=version, idempotency_key=key)
    return with_etag(response, result)
