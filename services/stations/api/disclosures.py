"""Public disclosures (信息公开) by contractors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from services.stations.commands import DisclosureKindName, PublishDisclosure
from services.stations.read_models import registers
from shared.http import (
    COMMAND_PROBLEMS,
    CurrentContext,
    IdempotencyKey,
    Limit,
    Offset,
    Page,
    created,
    problems,
    with_etag,
)
from shared.service import ReadDb

from .deps import App, IdFilter, IdPath, named_organisation, uuid_text
from .representations import DisclosurePublic
from .rows import DisclosureRow

router = APIRouter(prefix="/v1", tags=["disclosures"])
ANYONE = {"security": [{}]}
"""OpenAPI: the route admits callers without a token (disclosures are public, 公开)."""


@router.post("/disclosures", status_code=status.HTTP_201_CREATED, response_model=DisclosurePublic,
             responses=COMMAND_PROBLEMS)
def publish_disclosure(body: PublishDisclosure, ctx: CurrentContext, app: App, key: IdempotencyKey,
                       response: Response) -> dict[str, Any]:
    """A contractor publishes information (信息公开) about itself or a project it holds."""
    result = app.publish_disclosure(ctx, body, idempotency_key=key)
    return created(response, f"/v1/disclosures/{result['id']}", result)


@router.get("/disclosures", response_model=Page[DisclosureRow], responses=problems(404, 422, 503), openapi_extra=ANYONE)
def list_disclosures(
    db: ReadDb,
    organisation_id: IdFilter = None,
    contract_id: IdFilter = None,
    station_id: IdFilter = None,
    kind: Annotated[DisclosureKindName | None, Query()] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Public disclosures (公开), newest first: anyone reads them, without a token."""
    return registers.list_disclosures(
        db, organisation_id=named_organisation(db, organisation_id), kind=kind, limit=limit, offset=offset,
        contract_id=None if contract_id is None else uuid_text(contract_id, "contract"),
        station_id=None if station_id is None else uuid_text(station_id, "station"))


@router.get("/disclosures/{disclosure_id}", response_model=DisclosurePublic, responses=problems(404, 422, 503),
            openapi_extra=ANYONE)
def get_disclosure(disclosure_id: IdPath, app: App, response: Response) -> dict[str, Any]:
    """A public disclosure (公开), with its content: anyone reads it, without a token."""
    return with_etag(response, app.get_disclosure(disclosure_id))
