"""Routes of beneficiaries (服务对象): registration, facts, personal data (logged reads), erasure, access log."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from services.casework.api.deps import App, command_route
from services.casework.application import Casework, RegisterBeneficiary
from services.casework.application.fields import Purpose
from services.casework.application.views import AccessLogEntry, BeneficiaryPublic, PersonalDataView
from shared.http import (
    COMMAND_PROBLEMS,
    QUERY_PROBLEMS,
    CurrentContext,
    IdempotencyKey,
    Limit,
    Offset,
    Page,
    created,
    page_of,
    problems,
    with_etag,
)

router = APIRouter(tags=["beneficiaries"])


@router.post("/beneficiaries", status_code=status.HTTP_201_CREATED, response_model=BeneficiaryPublic,
             responses=COMMAND_PROBLEMS)
def register_beneficiary(body: RegisterBeneficiary, ctx: CurrentContext, app: App, key: IdempotencyKey,
                         response: Response) -> dict[str, Any]:
    """Registers a beneficiary; the answer carries the facts only, never the personal data sent."""
    result = app.register_beneficiary(ctx, body, idempotency_key=key)
    return created(response, f"/v1/beneficiaries/{result['id']}", result)


@router.get("/beneficiaries/{beneficiary_id}", response_model=BeneficiaryPublic, responses=QUERY_PROBLEMS)
def get_beneficiary(beneficiary_id: UUID, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A beneficiary's facts of service (no personal data)."""
    return with_etag(response, app.get_beneficiary(ctx, beneficiary_id))


@router.get("/beneficiaries/{beneficiary_id}/personal-data", response_model=PersonalDataView,
            responses={**QUERY_PROBLEMS, **problems(409)})
def read_personal_data(beneficiary_id: UUID, ctx: CurrentContext, app: App,
                       purpose: Annotated[Purpose, Query(description="why it is read (logged)")]) -> dict[str, Any]:
    """A beneficiary's personal data, for the bureau or the person's own station; every read is logged."""
    return app.read_personal_data(ctx, beneficiary_id, purpose)


command_route(router, "put", "/beneficiaries/{beneficiary_id}/target-groups", Casework.change_target_groups,
              BeneficiaryPublic)
command_route(router, "put", "/beneficiaries/{beneficiary_id}/personal-data", Casework.correct_personal_data,
              BeneficiaryPublic)
command_route(router, "post", "/beneficiaries/{beneficiary_id}/erasure", Casework.erase_beneficiary,
              BeneficiaryPublic)


@router.get("/personal-data-reads", response_model=Page[AccessLogEntry], responses=QUERY_PROBLEMS)
def personal_data_reads(ctx: CurrentContext, app: App, beneficiary_id: UUID | None = None, offset: Offset = 0,
                        limit: Limit = 100) -> dict[str, Any]:
    """The access log: every read of personal data (who, when, which record, why), newest first."""
    items = app.personal_data_reads(ctx, beneficiary_id, offset, limit + 1)
    return page_of(items, offset, limit)
