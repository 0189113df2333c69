"""The checkpoint schedule: a ledger that does not verify stalls it (on /readyz) until a checkpoint can be signed."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import psycopg

from services.audit import main
from services.audit.checkpoints import LedgerBroken
from shared.settings import Settings
from shared.supervisor import RUNNING, STALLED, Loop


async def test_a_refused_checkpoint_stalls_the_loop_and_is_retried_until_one_is_signed(monkeypatch) -> None:
    outcomes = [LedgerBroken("entry 8: leaf hash does not match"), LedgerBroken("entry 8: leaf hash does not match"),
                9, None]
    loop = Loop("audit", "checkpoints")
    seen: list[tuple[bool, str, str]] = []  # (retry asked, the loop's state and reason when asked)

    def attempt(_runtime, retry: bool = False) -> int | None:
        seen.append((retry, loop.state, loop.reason))
        outcome = outcomes[len(seen) - 1] if len(seen) <= len(outcomes) else None
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(main, "scheduled_checkpoint", attempt)
    runtime = SimpleNamespace(settings=Settings(audit_checkpoint_every_s=0.01), booted=True)
    stop = asyncio.Event()
    task = asyncio.create_task(main.checkpoint_schedule(runtime, stop, loop))
    for _ in range(500):
        if len(seen) >= 4:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert [retry for retry, _, _ in seen[:4]] == [False, True, True, False]  # retried while refused, growth or not
    assert seen[1][1:] == (STALLED, "no checkpoint signed: entry 8: leaf hash does not match")
    assert seen[3][1] == RUNNING and loop.state == RUNNING


async def test_an_unreachable_database_stalls_the_loop_until_it_answers(monkeypatch) -> None:
    loop = Loop("audit", "checkpoints")
    seen: list[tuple[str, str]] = []

    def attempt(_runtime, retry: bool = False) -> int | None:
        seen.append((loop.state, loop.reason))
        if len(seen) == 1:
            raise psycopg.OperationalError("connection refused")
        return 3

    monkeypatch.setattr(main, "scheduled_checkpoint", attempt)
    runtime = SimpleNamespace(settings=Settings(audit_checkpoint_every_s=0.01), booted=True)
    stop = asyncio.Event()
    task = asyncio.create_task(main.checkpoint_schedule(runtime, stop, loop))
    for _ in range(500):
        if len(seen) >= 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert seen[1] == (STALLED, "the ledger's database does not answer: OperationalError: connection refused")
    assert loop.state == RUNNING


async def test_nothing_is_attempted_before_the_service_has_started(monkeypatch) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(main, "scheduled_checkpoint", lambda _runtime, retry=False: calls.append(retry))
    loop = Loop("audit", "checkpoints")
    runtime = SimpleNamespace(settings=Settings(audit_checkpoint_every_s=0.01), booted=False)
    stop = asyncio.Event()
    task = asyncio.create_task(main.checkpoint_schedule(runtime, stop, loop))
    for _ in range(5):
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert calls == [] and loop.reason == "waiting for the service to start"
