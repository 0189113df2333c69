"""Routes of beneficiaries (服务对象): registration, facts, personal data (logged reads), erasure, access log."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from services.casework import read_models
from services.casework.api.deps import App, command_route
from services.casework.application import Casework, RegisterBeneficiary
from services.casework.application.fields import Choice, Purpose
from services.casework.application.views import AccessLogEntry, BeneficiaryPublic, PersonalDataView
from shared.domain import Context, Forbidden, Invalid, Role
from shared.fields import Code, ShortText
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
from shared.service import ReadDb

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
command_route(router, "post", "/beneficiaries/{beneficiary_id}/merge", Casework.merge_beneficiary, BeneficiaryPublic)
command_route(router, "post", "/beneficiaries/{beneficiary_id}/erasure", Casework.erase_beneficiary,
              BeneficiaryPublic)


@router.get("/personal-data-reads", response_model=Page[AccessLogEntry], responses=QUERY_PROBLEMS)
def personal_data_reads(ctx: CurrentContext, app: App, beneficiary_id: UUID | None = None,
                        actor: Annotated[ShortText | None, Query(description="reads by this user",
                                                                 pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
                        offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
    """The access log: every read of personal data (who, when, which record, why), newest first."""
    items = app.personal_data_reads(ctx, beneficiary_id, offset, limit + 1, actor)
    return page_of(items, offset, limit)


@router.get("/beneficiaries", response_model=Page[read_models.RegistryEntry], responses=QUERY_PROBLEMS)
def list_beneficiaries(ctx: CurrentContext, app: App, db: ReadDb, station_id: UUID | None = None,
                       township_code: Annotated[Code | None, Query()] = None,
                       target_group: Annotated[Choice | None, Query()] = None, offset: Offset = 0,
                       limit: Limit = 100) -> dict[str, Any]:
    """The registry (服务对象台账): facts of service only, by station, township or target group."""
    township = own_township(ctx, app, township_code)
    items = read_models.registry(db, station_id, township, target_group, offset, limit + 1,
                                 duplicates_within=app.registrant_stations(ctx))
    return page_of(items, offset, limit)


@router.get("/casework-statistics", response_model=read_models.Statistics, responses=QUERY_PROBLEMS)
def casework_statistics(ctx: CurrentContext, app: App, db: ReadDb, station_id: UUID | None = None) -> dict[str, Any]:
    """Counts of beneficiaries (erased ones still counted), cases by stage and services by domain."""
    app.check_reads_facts(ctx)
    if ctx.has_role(Role.TOWNSHIP):
        raise Forbidden("a township reads its own township's registry")
    return read_models.statistics(db, station_id)


def own_township(ctx: Context, app: Casework, township_code: str | None) -> str | None:
    """The township a list is limited to: a township user's own (it must name it when it has several)."""
    app.check_reads_facts(ctx, township_code)
    if ctx.has_role(Role.TOWNSHIP) and township_code is None:
        if len(ctx.townships) != 1:
            raise Invalid("township_code", "name one of your townships")
        return ctx.townships[0]
    return township_code
