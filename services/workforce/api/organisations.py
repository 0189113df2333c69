"""Routes of service organisations (社工服务机构): registration, contracts held, staffing and payroll."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from services.workforce import read_models
from services.workforce.api.deps import PAYROLL_READERS, App, MonthQuery, command_route, readable_by
from services.workforce.application import RecordContract, RecordContractEnded, RegisterOrganisation, Workforce
from services.workforce.application.views import OrganisationPublic
from shared.domain import county_today
from shared.http import (
    COMMAND_PROBLEMS,
    QUERY_PROBLEMS,
    AsOf,
    CurrentContext,
    IdempotencyKey,
    Limit,
    Offset,
    Page,
    created,
    page_of,
    with_etag,
)
from shared.service import ReadDb

router = APIRouter(tags=["organisations"])


@router.post("/organisations", status_code=status.HTTP_201_CREATED, response_model=OrganisationPublic,
             responses=COMMAND_PROBLEMS)
def register_organisation(body: RegisterOrganisation, ctx: CurrentContext, app: App, key: IdempotencyKey,
                          response: Response) -> dict[str, Any]:
    """Registers a social work service organisation (civil affairs admin)."""
    result = app.register_organisation(ctx, body, idempotency_key=key)
    return created(response, f"/v1/organisations/{result['id']}", result)


@router.get("/organisations", response_model=Page[read_models.OrganisationStaffing], responses=QUERY_PROBLEMS)
def list_organisations(ctx: CurrentContext, db: ReadDb, as_of: AsOf = None, month: MonthQuery = None,
                       offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
    """Per organisation on a date: headcount, certified, insurance coverage and a month's payroll total."""
    organisation = readable_by(ctx, PAYROLL_READERS)
    day = as_of or county_today()
    items = read_models.organisations_as_of(db, day, month or f"{day:%Y-%m}", organisation)
    return page_of(items[offset:offset + limit + 1], offset, limit)


@router.get("/organisations/{organisation_id}", response_model=OrganisationPublic, responses=QUERY_PROBLEMS)
def get_organisation(organisation_id: UUID, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """An organisation's record with the contracts and stations it holds (no personal data)."""
    return with_etag(response, app.get_organisation(organisation_id))


command_route(router, "post", "/organisations/{organisation_id}/county-registration", Workforce.register_in_county,
              OrganisationPublic)
command_route(router, "post", "/organisations/{organisation_id}/party-organisation",
              Workforce.record_party_organisation, OrganisationPublic)


@router.post("/organisations/{organisation_id}/contracts", response_model=OrganisationPublic,
             responses=COMMAND_PROBLEMS)
def record_contract(organisation_id: UUID, body: RecordContract, ctx: CurrentContext, app: App,
                    response: Response) -> dict[str, Any]:
    """Records by hand a stations contract event the policy could not apply (idempotent on source_seq)."""
    return with_etag(response, app.record_contract(ctx, organisation_id, body))


@router.post("/organisations/{organisation_id}/contracts/{contract_id}/end", response_model=OrganisationPublic,
             responses=COMMAND_PROBLEMS)
def record_contract_ended(organisation_id: UUID, contract_id: UUID, body: RecordContractEnded, ctx: CurrentContext,
                          app: App, response: Response) -> dict[str, Any]:
    """Records by hand that a stations contract ended (idempotent on source_seq)."""
    return with_etag(response, app.record_contract_ended(ctx, organisation_id, contract_id, body))


@router.get("/organisations/{organisation_id}/payroll", response_model=read_models.Payroll,
            responses=QUERY_PROBLEMS)
def get_payroll(organisation_id: UUID, ctx: CurrentContext, db: ReadDb, month: MonthQuery = None) -> dict[str, Any]:
    """An organisation's payroll: totals per month, or one month's totals and lines (``month=YYYY-MM``)."""
    readable_by(ctx, PAYROLL_READERS, str(organisation_id))
    return read_models.payroll(db, str(organisation_id), month)
