"""Audit HTTP API: page through the ledger and verify it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.audit import application
from services.audit.projections import ledger_entries, ledger_page
from shared.http import CurrentContext
from shared.service import ReadDb

router = APIRouter(prefix="/v1", tags=["ledger"])


@router.get("/ledger")
def list_ledger(
    ctx: CurrentContext,
    db: ReadDb,
    after: Annotated[int, Query(ge=0, description="return entries after this position")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type_prefix: Annotated[str, Query(max_length=200, description="e.g. sw.stations.")] = "",
) -> dict[str, Any]:
    """Ledger entries after a position, oldest first, with their hashes."""
    application.check_may_read_ledger(ctx)
    items = ledger_page(db, after, limit, type_prefix)
    next_after = items[-1]["position"] if len(items) == limit else None
    return {"items": items, "next_after": next_after}


@router.get("/ledger/verify")
def verify_ledger(ctx: CurrentContext, db: ReadDb) -> dict[str, Any]:
    """Recomputes the chain; names the first entry that does not match."""
    return asdict(application.verify(ctx, ledger_entries(db)))
