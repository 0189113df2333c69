"""Audit HTTP API: page through the ledger and verify it."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Query, Request
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from services.audit import application, signing
from services.audit.domain import Verdict
from services.audit.queries import ledger_page, stream_heads
from services.audit.verify import verify_from
from shared.domain import Invalid
from shared.http import CurrentContext, problem
from shared.service import ReadDb, runtime_of

MAX_POSITION = 2**53 - 1  # the largest integer every JSON reader keeps exact


class Problem(BaseModel):
    """An RFC 9457 problem response."""

    type: str
    title: str
    status: int
    detail: str
    instance: str = ""
    errors: list[dict[str, str]] = []


def _problem_doc(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": Problem.model_json_schema()}}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem_doc("no valid bearer token"),
    403: _problem_doc("the role may not read the ledger"),
    422: _problem_doc("a query parameter is invalid or unknown"),
}


class LedgerEntry(BaseModel):
    """One ledger entry: the event as recorded (its canonical form parsed), its place and its hashes."""

    position: int
    event_id: str
    source: str
    type: str
    subject: str
    time: datetime
    recorded_at: datetime
    sequence: int | None
    prevsequence: int | None
    stream_sequence: int | None
    leaf_hash: str
    chain_hash: str
    event: dict[str, Any] | None  # null only if the stored bytes are not a JSON object: verify names the entry


class LedgerPage(BaseModel):
    """Entries oldest first; ``next`` is the ``after`` that continues the listing, null at the end."""

    items: list[LedgerEntry]
    next: int | None


router = APIRouter(prefix="/v1", tags=["ledger"])


@router.get("/ledger", response_model=LedgerPage, responses=PROBLEMS)
def list_ledger(
    ctx: CurrentContext,
    db: ReadDb,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="return entries after this position")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type_prefix: Annotated[str, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$",
                                      description="literal start of the type, e.g. sw.stations.")] = "",
    as_of: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                                       description="only events whose time is on or before this day (UTC+8)")] = None,
) -> dict[str, Any]:
    """Ledger entries after a position, oldest first, with their hashes."""
    application.check_may_read_ledger(ctx)
    items = ledger_page(db, after, limit, type_prefix, _day(as_of))
    return {"items": items, "next": items[-1]["position"] if len(items) == limit else None}


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("as_of", f"{text!r} is not a calendar date (YYYY-MM-DD)") from None


@router.get("/ledger/verify", response_model=Verdict,
            responses={**PROBLEMS, 503: _problem_doc("the ledger's database does not answer; retry after Retry-After")})
async def verify_ledger(request: Request, ctx: CurrentContext,
                        full: Annotated[bool, Query(description=(
                            "re-hash every entry and match every signed checkpoint; by default only the entries "
                            "after the latest checkpoint are hashed"))] = False) -> Any:
    """Recomputes the chain, names the first entry that does not match, and names what the ledger lacks."""
    application.check_may_read_ledger(ctx)
    runtime = runtime_of(request)
    heads, why = await stream_heads(runtime.js, runtime.settings)  # before the ledger: see application.verify
    key = signing.configured_key(runtime.settings).public_key()
    try:
        return await asyncio.to_thread(_verify, runtime.pool, heads, why, key, full)
    except psycopg.Error as exc:
        response = problem(503, "Unavailable", f"the ledger could not be read: {exc}".strip(), "unavailable",
                           instance=request.url.path)
        response.headers["Retry-After"] = "5"
        return response


def _verify(pool: ConnectionPool, heads: dict[str, int] | None, why: str, key: Ed25519PublicKey,
            full: bool) -> Verdict:
    with pool.connection() as conn:
        return verify_from(conn, heads, why, key, full)
