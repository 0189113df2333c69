"""Events of two made-up services published as their relays would, and the audit ledger run over them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from benchmarks.widgets import CTX
from services.audit.projections import LedgerProjection
from shared import envelope, store
from shared.contracts import Contract, contract
from shared.projection import ProjectionRunner
from shared.settings import Settings
from tests.kit.waiting import eventually_async


@contract("gadgets", "gadget", "measured")
class GadgetMeasured(Contract):
    area: float


@contract("gizmos", "gizmo", "counted")
class GizmoCounted(Contract):
    by: int


SAMPLE = {"gadgets": (GadgetMeasured, {"area": 60.5}), "gizmos": (GizmoCounted, {"by": 1})}


async def publish_event(js, iso: Settings, service: str, seq: int, prev: int, data: dict[str, Any] | None = None,
                   **members: Any) -> str:
    """Publishes one event of ``service`` as its relay would; ``data`` and ``members`` override what is sent."""
    model, values = SAMPLE[service]
    document = envelope.build(service=service, payload=model(**values), notification_id=seq, previous_id=prev,
                              aggregate_id=f"{service}-a", aggregate_version=seq,
                              timestamp=datetime(2022, 1, 1, 8, seq, tzinfo=UTC), ctx=CTX)
    if data is not None:
        document["data"] = data
    document.update(members)
    body = json.dumps(document, ensure_ascii=False).encode()  # as Python sends it: Infinity included
    await js.publish(model.subject(iso.subject_prefix), body, headers={"Nats-Msg-Id": document["id"]},
                     stream=iso.stream_name)
    return document["id"]


async def run_ledger(iso: Settings, js, url: str, done, projection: LedgerProjection | None = None,
                      timeout: float = 30, creates_tables: bool = True) -> None:
    runner = ProjectionRunner(iso, projection or LedgerProjection(), url, creates_tables=creates_tables)
    runner.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(js, stop))
    try:
        await eventually_async(lambda: asyncio.to_thread(done), timeout=timeout)
    finally:
        stop.set()
        await task


def ledger_rows(url: str, sql: str = "SELECT * FROM ledger ORDER BY position") -> list[dict[str, Any]]:
    with store.connect(url) as conn:
        return conn.execute(sql).fetchall()


def ledger_size(url: str) -> int:
    return len(ledger_rows(url, "SELECT position FROM ledger"))


async def ledger_of(iso: Settings, js, url: str, n: int, creates_tables: bool = True) -> None:
    for seq in range(1, n + 1):
        await publish_event(js, iso, "gadgets", seq, seq - 1)
    await run_ledger(iso, js, url, lambda: ledger_size(url) >= n, creates_tables=creates_tables)
