"""Live updates: a Server-Sent Events stream announcing each entry the ledger appends (the ledger already receives
every event of every service), so an open page refreshes what it shows without a reload."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request

from services.audit.access import ACCESS
from shared.domain import Context
from shared.service import runtime_of

POLL_SECONDS = 0.5


def ledger_head(request: Request) -> int:
    """The ledger's last position (0 while empty or while the service starts)."""
    runtime = runtime_of(request)
    if runtime.pool is None or not runtime.booted:
        return 0
    with runtime.pool.connection() as conn:
        row = conn.execute("SELECT coalesce(max(position), 0) AS head FROM ledger").fetchone()
    return int(row["head"])


def entries_after(request: Request, after: int, limit: int = 50) -> list[dict[str, Any]]:
    """Position, type and time of the entries after ``after``."""
    runtime = runtime_of(request)
    if runtime.pool is None or not runtime.booted:
        return []
    with runtime.pool.connection() as conn:
        rows = conn.execute("SELECT position, type, event_time FROM ledger WHERE position > %s "
                            "ORDER BY position LIMIT %s", (after, limit)).fetchall()
    return [{"position": r["position"], "type": r["type"], "time": r["event_time"].isoformat()} for r in rows]


def may_read_ledger(ctx: Context) -> bool:
    """Whether the ledger's route admits this role (the audit service's own access table)."""
    return ctx.role in {role.value for role in ACCESS["GET /v1/ledger"]}


async def stream(request: Request, ctx: Context, after: int, lifetime: float) -> AsyncIterator[str]:
    """``ledger`` messages for each new entry (its type and time only for roles that may read the ledger), for
    ``lifetime`` seconds; the browser reconnects with ``Last-Event-ID`` and misses nothing."""
    yield "retry: 1000\n\n"
    detailed, until = may_read_ledger(ctx), time.monotonic() + lifetime
    while time.monotonic() < until and not await request.is_disconnected():
        for entry in await asyncio.to_thread(entries_after, request, after):
            after = entry["position"]
            data = entry if detailed else {"position": after}
            yield f"id: {after}\nevent: ledger\ndata: {json.dumps(data)}\n\n"
        await asyncio.sleep(POLL_SECONDS)
