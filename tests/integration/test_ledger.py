"""The audit ledger: every event once, hash-chained, append-only, and verifiable."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from services.audit.domain import GENESIS, chain_hash, leaf_hash, verify_chain
from services.audit.projections import LedgerProjection, ledger_entries
from shared import store
from shared.envelope import canonical
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from tests.integration.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets
from tests.support import eventually_async


async def _ledger_of(iso: Settings, widgets: Widgets, js, n: int) -> str:
    for i in range(n):
        widgets.save(Widget(name=f"w{i}", ctx=CTX))
    relay = Relay(iso, SERVICE, widgets, PUBLISHED, store.service_url(iso, SERVICE))
    relay.position = relay.load_position()
    while await relay.step(js):
        pass
    store.ensure_database(iso.database_url, iso.database_name("audit"))
    url = store.service_url(iso, "audit")
    runner = ProjectionRunner(iso, LedgerProjection(), url)
    runner.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(js, stop))
    await eventually_async(lambda: asyncio.to_thread(_size, url, n))
    stop.set()
    await task
    return url


def _size(url: str, n: int) -> bool:
    with store.connect(url) as conn:
        return conn.execute("SELECT count(*) AS n FROM ledger").fetchone()["n"] >= n


def _verify(url: str):
    with store.connect(url) as conn:
        return verify_chain(ledger_entries(conn))


async def test_ledger_chains_every_event_as_documented(iso: Settings, widgets: Widgets, js) -> None:
    url = await _ledger_of(iso, widgets, js, 4)
    with store.connect(url) as conn:
        rows = conn.execute("SELECT * FROM ledger ORDER BY position").fetchall()
    assert [r["position"] for r in rows] == [1, 2, 3, 4]
    previous = GENESIS
    for row in rows:
        event = __import__("json").loads(bytes(row["canonical"]))
        assert bytes(row["canonical"]) == canonical(event)
        assert bytes(row["leaf_hash"]) == leaf_hash(canonical(event))
        assert bytes(row["chain_hash"]) == chain_hash(previous, leaf_hash(canonical(event)))
        previous = bytes(row["chain_hash"])
    verdict = _verify(url)
    assert verdict.ok and verdict.checked == 4 and verdict.head == previous.hex()


async def test_ledger_refuses_update_delete_and_truncate(iso: Settings, widgets: Widgets, js) -> None:
    url = await _ledger_of(iso, widgets, js, 1)
    for statement in ("UPDATE ledger SET subject = 'x'", "DELETE FROM ledger", "TRUNCATE ledger"):
        with store.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)


async def test_a_row_edited_by_a_superuser_is_named_by_verify(iso: Settings, widgets: Widgets, js) -> None:
    url = await _ledger_of(iso, widgets, js, 5)
    with store.connect(url) as conn, conn.transaction():
        conn.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete")
        conn.execute(
            "UPDATE ledger SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), 'w2', 'w9'), 'UTF8') "
            "WHERE position = 3"
        )
        conn.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_or_delete")
    verdict = _verify(url)
    assert not verdict.ok
    assert verdict.first_bad_position == 3 and verdict.checked == 2
    assert "altered" in verdict.reason


async def test_a_deleted_row_is_named_by_verify(iso: Settings, widgets: Widgets, js) -> None:
    url = await _ledger_of(iso, widgets, js, 4)
    with store.connect(url) as conn, conn.transaction():
        conn.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete")
        conn.execute("DELETE FROM ledger WHERE position = 2")
        conn.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_or_delete")
    verdict = _verify(url)
    assert not verdict.ok and verdict.first_bad_position == 3 and "missing" in verdict.reason
