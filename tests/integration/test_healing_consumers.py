"""Consumers take a healed stream calmly: what they applied is skipped, what they missed is applied in order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets, WidgetTotals
from services.audit import application
from services.audit.projections import LedgerProjection
from services.audit.queries import ledger_entries, ledger_links, stream_heads
from shared import store
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from tests.kit.infra import read_subject
from tests.kit.waiting import eventually_async


class NamedLedger(LedgerProjection):
    """The ledger under another consumer name, so several can run side by side."""

    def __init__(self, name: str) -> None:
        self.name = f"audit.ledger_{name}"


def _make(app: Widgets, names: range) -> None:
    for i in names:
        widget = Widget(name=f"w{i}", ctx=CTX)
        widget.count_up(by=i, ctx=CTX)
        app.save(widget)


def _relay(iso: Settings, app: Widgets, interval: float = 60.0) -> Relay:
    own = iso.model_copy(update={"relay_heal_interval": interval})
    return Relay(own, SERVICE, app, PUBLISHED, store.service_url(iso, SERVICE))


def _rows(url: str, query: str) -> list[dict[str, Any]]:
    with store.connect(url) as conn:
        return conn.execute(query).fetchall()


def _ledger(url: str) -> list[tuple[str, bytes]]:
    return [(r["event_id"], bytes(r["canonical"])) for r in _rows(url, "SELECT * FROM ledger ORDER BY position")]


def _applied(url: str, projection: str) -> int:
    rows = _rows(url, f"SELECT last_sequence FROM projection_tracking WHERE projection = '{projection}'")
    return rows[0]["last_sequence"] if rows else 0


async def _reached(url: str, projection: str, sequence: int) -> bool:
    """True once the projection applied the source up to ``sequence``."""
    return await asyncio.to_thread(_applied, url, projection) == sequence


@pytest.fixture
def databases(iso: Settings) -> Iterator[dict[str, str]]:
    """Three consumers' own databases: one ahead of the loss, one lagging behind it, one rebuilt after."""
    urls = {}
    for name in ("ahead", "lagging", "rebuilt"):
        store.ensure_database(iso.database_url, iso.database_name(name))
        urls[name] = store.service_url(iso, name)
    yield urls
    for name in urls:
        store.drop_database(iso.database_url, iso.database_name(name))


class Consumer:
    """A projection runner running in the background."""

    def __init__(self, iso: Settings, name: str, url: str) -> None:
        self.runner = ProjectionRunner(iso, NamedLedger(name), url)
        self.stop = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def start(self, js) -> None:
        await asyncio.to_thread(self.runner.setup)
        self.task = asyncio.create_task(self.runner.run(js, self.stop))

    async def drained(self, js, iso: Settings) -> bool:
        info = await js.consumer_info(iso.stream_name, self.runner.durable)
        return info.num_pending == 0 and info.num_ack_pending == 0

    async def close(self) -> None:
        self.stop.set()
        if self.task is not None:
            await self.task


async def test_republished_events_are_skipped_by_a_ledger_that_has_them_and_chained_once_by_one_that_lagged(
    iso: Settings, widgets: Widgets, js, databases: dict[str, str]
) -> None:
    _make(widgets, range(10))
    relay = _relay(iso, widgets)
    relay.position = relay.load_position()
    while await relay.step(js):
        pass
    ahead = Consumer(iso, "ahead", databases["ahead"])
    lagging = Consumer(iso, "lagging", databases["lagging"])
    rebuilt = Consumer(iso, "rebuilt", databases["rebuilt"])
    try:
        await ahead.start(js)
        await eventually_async(lambda: _reached(databases["ahead"], ahead.runner.projection.name, 20))
        for stream_seq in range(6, 11):  # the broker loses events 6..10 after everyone was told they were stored
            await js.delete_msg(iso.stream_name, stream_seq)

        await lagging.start(js)  # applies 1..5, then waits for 6 (the next event's prevsequence says so)
        await eventually_async(lambda: _reached(databases["lagging"], lagging.runner.projection.name, 5))

        assert await relay.reconcile(js) == [[6, 10, 5]]
        await eventually_async(lambda: _reached(databases["lagging"], lagging.runner.projection.name, 20), timeout=30)
        await eventually_async(lambda: ahead.drained(js, iso))
        await rebuilt.start(js)
        await eventually_async(lambda: _reached(databases["rebuilt"], rebuilt.runner.projection.name, 20), timeout=30)
    finally:
        for consumer in (ahead, lagging, rebuilt):
            await consumer.close()

    expected = [f"{SERVICE}-{n}" for n in range(1, 21)]
    ledgers = {name: _ledger(url) for name, url in databases.items()}
    heads, why = await stream_heads(js, iso)
    for name, ledger in ledgers.items():
        assert [event_id for event_id, _ in ledger] == expected, f"{name}: each event chained once, in order"
        with store.connect(databases[name]) as conn:
            verdict = application.verify(ledger_entries(conn), ledger_links(conn), heads, why)
        assert verdict.ok and verdict.complete, f"{name}: {verdict}"
    assert ledgers["lagging"] == ledgers["ahead"] == ledgers["rebuilt"], "the same documents, byte for byte"
    assert await read_subject(js, iso, f"{iso.subject_prefix}.dlq.>", wait=0.5) == [], "nothing dead-lettered"


async def test_a_consumer_resubscribes_after_its_stream_was_deleted_and_recreated(
    iso: Settings, widgets: Widgets, js
) -> None:
    store.ensure_database(iso.database_url, iso.database_name("totals"))
    url = store.service_url(iso, "totals")
    runner = ProjectionRunner(iso, WidgetTotals(), url)
    relay = _relay(iso, widgets)
    stop = asyncio.Event()
    runner.setup()
    tasks = [asyncio.create_task(runner.run(js, stop)), asyncio.create_task(relay.run(js, stop))]
    try:
        _make(widgets, range(5))
        await eventually_async(lambda: _reached(url, "widgets.totals", 10))

        await js.delete_stream(iso.stream_name)  # the stream and every consumer on it are gone
        _make(widgets, range(5, 8))  # the service goes on taking commands

        await eventually_async(lambda: _reached(url, "widgets.totals", 16), timeout=40)
        info = await js.consumer_info(iso.stream_name, runner.durable)
        assert info.config.durable_name == runner.durable, "the runner re-created its durable consumer"
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    totals = _rows(url, "SELECT name, total FROM widget_totals ORDER BY name")
    assert totals == [{"name": f"w{i}", "total": i} for i in range(8)], "each event applied once"
    assert relay.heal_status.stream_recreated == 1
    store.drop_database(iso.database_url, iso.database_name("totals"))
