"""Routes of social workers (社工): hiring, the record (masked), and every change to a worker."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from services.workforce.api.deps import App, command_route
from services.workforce.application import HireWorker, OpenDispute, ResolveDispute, Workforce
from services.workforce.application.views import WorkerFound, WorkerPublic
from shared.application import Command
from shared.fields import NationalId
from shared.http import (
    COMMAND_PROBLEMS,
    QUERY_PROBLEMS,
    CurrentContext,
    IdempotencyKey,
    IfMatch,
    created,
    problems,
    with_etag,
)
from shared.ratelimit import limit_lookups, lookup_when_refused

router = APIRouter(tags=["workers"])


@router.post("/workers", status_code=status.HTTP_201_CREATED, response_model=WorkerPublic,
             responses={**COMMAND_PROBLEMS, **problems(429)})
def hire_worker(body: HireWorker, ctx: CurrentContext, app: App, key: IdempotencyKey,
                response: Response) -> dict[str, Any]:
    """Hires a social worker (civil affairs admin; a contractor into its own organisation).

    A hire refused because the person is on record counts as an identity lookup (429 with ``Retry-After`` after
    too many).
    """
    with lookup_when_refused(ctx, "workforce.worker.already_hired", "workforce.worker.not_hireable"):
        result = app.hire_worker(ctx, body, idempotency_key=key)
    return created(response, f"/v1/workers/{result['id']}", result)


class FindWorker(Command):
    """Whose worker id is this national id number?"""

    national_id_number: NationalId


@router.post("/workers/lookup", response_model=WorkerFound, responses={**QUERY_PROBLEMS, **problems(429)})
def find_worker(body: FindWorker, ctx: CurrentContext, app: App) -> dict[str, Any]:
    """Finds a worker's id by national id number (sent in the body, so it never appears in a URL or log).

    Rate-limited per user (429 with ``Retry-After``).
    """
    limit_lookups(ctx)
    return app.find_worker(ctx, body.national_id_number)


@router.get("/workers/{worker_id}", response_model=WorkerPublic, responses=QUERY_PROBLEMS)
def get_worker(worker_id: UUID, ctx: CurrentContext, app: App, response: Response,
               reveal: Annotated[bool, Query(description="show id number and phone whole (logged)")] = False,
               ) -> dict[str, Any]:
    """A worker's record, with every course completed (``training``; a command answers the totals only); id number
    and phone masked unless ``reveal=true`` by a role that needs them."""
    return with_etag(response, app.view_worker(ctx, worker_id, reveal))


for verb, path, action in (
    ("put", "/workers/{worker_id}/phone", Workforce.change_phone),
    ("post", "/workers/{worker_id}/education", Workforce.record_education),
    ("post", "/workers/{worker_id}/certificates", Workforce.record_certificate),
    ("post", "/workers/{worker_id}/titles", Workforce.award_title),
    ("post", "/workers/{worker_id}/labour-contract", Workforce.sign_labour_contract),
    ("post", "/workers/{worker_id}/labour-contract/renewal", Workforce.renew_labour_contract),
    ("post", "/workers/{worker_id}/labour-contract/end", Workforce.end_labour_contract),
    ("post", "/workers/{worker_id}/assignment", Workforce.assign_to_station),
    ("post", "/workers/{worker_id}/transfer", Workforce.transfer_to_station),
    ("post", "/workers/{worker_id}/unassignment", Workforce.unassign_from_station),
    ("post", "/workers/{worker_id}/pay", Workforce.record_pay),
    ("post", "/workers/{worker_id}/insurance", Workforce.enrol_insurance),
    ("put", "/workers/{worker_id}/personnel-file", Workforce.record_personnel_file),
    ("post", "/workers/{worker_id}/leaving", Workforce.leave_workforce),
    ("post", "/workers/{worker_id}/training", Workforce.record_training),
    ("put", "/workers/{worker_id}/party-status", Workforce.record_party_status),
):
    command_route(router, verb, path, action, WorkerPublic)


@router.post("/workers/{worker_id}/disputes", status_code=status.HTTP_201_CREATED, response_model=WorkerPublic,
             responses=COMMAND_PROBLEMS)
def open_dispute(worker_id: UUID, body: OpenDispute, ctx: CurrentContext, app: App, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Opens a labour dispute 劳动争议 (HR and social security); it is the last of the worker's ``disputes``."""
    result = app.open_dispute(ctx, worker_id, body, expected_version=version, idempotency_key=key)
    return created(response, f"/v1/workers/{worker_id}", result)


@router.post("/workers/{worker_id}/disputes/{dispute_id}/resolution", response_model=WorkerPublic,
             responses=COMMAND_PROBLEMS)
def resolve_dispute(worker_id: UUID, dispute_id: UUID, body: ResolveDispute, ctx: CurrentContext, app: App,
                    version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records how a labour dispute was resolved (HR and social security)."""
    return with_etag(response, app.resolve_dispute(ctx, worker_id, dispute_id, body, expected_version=version,
                                                   idempotency_key=key))
