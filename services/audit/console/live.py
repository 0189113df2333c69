"""Live updates: a Server-Sent Events stream announcing each entry the ledger appends (the ledger already receives
every event of every service), so an open page refreshes what it shows without a reload.

One watcher per process reads the ledger's new entries (one small query every ``POLL_SECONDS`` while anyone
listens) and wakes every open stream, so a hundred open pages cost the database what one does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import psycopg_pool
from fastapi import Request

from services.audit.access import ACCESS
from shared.domain import Context
from shared.service import Runtime, runtime_of

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5
KEPT = 500
NEWER = "SELECT position, type, event_time FROM ledger WHERE position > %s ORDER BY position LIMIT %s"
LATEST = "SELECT position, type, event_time FROM ledger WHERE position > %s ORDER BY position DESC LIMIT %s"


class LedgerWatch:
    """The ledger's head and its latest entries, as this process last read them."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.head = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=KEPT)
        self.listeners = 0
        self.changed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def _read(self, after: int) -> list[dict[str, Any]]:
        """The entries after ``after``, oldest first; on the first read (``after`` 0) only the latest ones."""
        runtime = self.runtime
        if runtime.pool is None or not runtime.booted:
            return []
        with runtime.pool.connection() as conn:
            rows = conn.execute(NEWER if after else LATEST, (after, KEPT)).fetchall()
        entries = [{"position": r["position"], "type": r["type"], "time": r["event_time"].isoformat()} for r in rows]
        return entries if after else entries[::-1]

    async def refresh(self) -> None:
        """Reads what the ledger appended since the last read; wakes the streams if anything was."""
        try:
            entries = await asyncio.to_thread(self._read, self.head)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            log.debug("console: the ledger did not answer: %s", exc)
            return
        if entries:
            self.recent.extend(entries)
            self.head = entries[-1]["position"]
            self.changed.set()
            self.changed = asyncio.Event()

    async def current(self) -> int:
        """The ledger's head, read now unless a stream keeps it fresh."""
        if self.listeners == 0:
            await self.refresh()
        return self.head

    async def run(self) -> None:
        """Reads the ledger every ``POLL_SECONDS`` while any stream is open."""
        while True:
            if self.listeners:
                await self.refresh()
            await asyncio.sleep(POLL_SECONDS)

    def since(self, after: int) -> list[dict[str, Any]]:
        """The entries after ``after`` this process still keeps."""
        return [e for e in self.recent if e["position"] > after]


def watch_of(request: Request) -> LedgerWatch:
    """The process's watcher (started on first use)."""
    state = request.app.state
    watch: LedgerWatch | None = getattr(state, "console_watch", None)
    if watch is None:
        watch = state.console_watch = LedgerWatch(runtime_of(request))
    if watch.task is None or watch.task.done():
        watch.task = asyncio.get_running_loop().create_task(watch.run(), name="console-ledger-watch")
    return watch


async def stop(watch: LedgerWatch | None) -> None:
    """Stops the watcher at shutdown."""
    if watch is not None and watch.task is not None:
        watch.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch.task


def may_read_ledger(ctx: Context) -> bool:
    """Whether the ledger's route admits this role (the audit service's own access table)."""
    return ctx.role in {role.value for role in ACCESS["GET /v1/ledger"]}


async def stream(request: Request, ctx: Context, after: int, lifetime: float) -> AsyncIterator[str]:
    """``ledger`` messages for each new entry (its type and time only for roles that may read the ledger), for
    ``lifetime`` seconds; the browser reconnects with ``Last-Event-ID`` and misses nothing it was told of."""
    watch = watch_of(request)
    watch.listeners += 1
    try:
        after = after or await watch.current()
        yield "retry: 1000\n\n"
        detailed, until = may_read_ledger(ctx), time.monotonic() + lifetime
        while time.monotonic() < until and not await request.is_disconnected():
            for entry in watch.since(after):
                after = entry["position"]
                yield f"id: {after}\nevent: ledger\ndata: {json.dumps(entry if detailed else {'position': after})}\n\n"
            changed = watch.changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=2 * POLL_SECONDS)
    finally:
        watch.listeners -= 1
