"""Loops that cannot progress are loud, and never skip: a relay stuck on an event the broker refuses,
a halting projection stopped at an event it cannot apply, and a process's PostgreSQL connections at rest."""

from __future__ import annotations

import asyncio
import math
from functools import partial

from prometheus_client import REGISTRY

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets, WidgetTotals
from services.stations.application import Stations
from services.stations.main import SPEC as STATIONS
from services.stations.seed import load_seed
from shared import store
from shared.domain import Context
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.service import Runtime
from shared.settings import Settings
from shared.supervisor import RUNNING, STALLED, Supervisor
from tests.kit.infra import documents, read_subject
from tests.kit.waiting import eventually_async


async def test_a_relay_stuck_on_an_event_the_broker_refuses_shows_stalled_at_it_and_skips_nothing(
    iso: Settings, widgets: Widgets, js,
) -> None:
    relay = Relay(iso, SERVICE, widgets, PUBLISHED, store.service_url(iso, SERVICE))
    supervisor = Supervisor(SERVICE)
    loop = supervisor.spawn("relay", partial(relay.attempt, js))
    try:
        widgets.save(Widget(name="small", ctx=CTX))
        widgets.save(Widget(name="x" * 2_000_000, ctx=CTX))  # over NATS's 1 MB payload limit
        widgets.save(Widget(name="after", ctx=CTX))
        await eventually_async(lambda: loop.state == STALLED and loop.event_id is not None)

        assert loop.event_id == "widgets-2" and "widgets-2" not in loop.reason
        assert "notification 2" in loop.reason and "not published" in loop.reason
        with store.connect(store.service_url(iso, SERVICE)) as conn:
            assert relay.lag(conn) == 2, "the lag counts the stuck event and the one behind it"
        docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
        assert [d["sequence"] for d in docs] == [1], "nothing after the stuck event is published past it"
        assert relay.position.position == 1
    finally:
        await supervisor.stop()


class Fragile(WidgetTotals):
    """Stops at a widget named 'explode' for as long as ``broken`` is true (a bug, fixed later)."""

    name = "widgets.fragile"
    halts_on_failure = True
    broken = True

    def _made(self, cur, event) -> None:
        if event.data["name"] == "explode" and self.broken:
            raise ValueError("cannot take this one yet")
        cur.execute("INSERT INTO widget_totals VALUES (%s, %s, 0)", (event.aggregateid, event.data["name"]))


async def test_a_halting_projection_stops_loudly_at_a_failing_event_and_carries_on_by_itself_once_fixed(
    iso: Settings, widgets: Widgets, js,
) -> None:
    for name in ("a", "explode", "c"):
        widgets.save(Widget(name=name, ctx=CTX))
    relay = Relay(iso, SERVICE, widgets, PUBLISHED, store.service_url(iso, SERVICE))
    relay.position = relay.load_position()
    while await relay.step(js):
        pass
    url = store.service_url(iso, SERVICE)
    projection = Fragile()
    runner = ProjectionRunner(iso, projection, url)
    supervisor = Supervisor(SERVICE)
    loop = supervisor.spawn("fragile", partial(runner.attempt, js))
    try:
        await eventually_async(lambda: loop.state == STALLED)
        assert loop.event_id == "widgets-2" and "cannot take this one yet" in loop.reason
        await asyncio.sleep(2)  # retried meanwhile: still there, nothing passed over, nothing dead-lettered
        assert _names(url) == ["a"]
        assert await read_subject(js, iso, runner.dlq_subject) == []

        projection.broken = False  # the cause is gone
        await eventually_async(lambda: loop.state == RUNNING and _names(url) == ["a", "c", "explode"], timeout=60)
    finally:
        await supervisor.stop()


def _names(url: str) -> list[str]:
    with store.connect(url) as conn:
        return [r["name"] for r in conn.execute("SELECT name FROM widget_totals ORDER BY name").fetchall()]


async def test_a_service_process_holds_at_most_six_postgresql_connections_at_rest(iso: Settings) -> None:
    runtime = Runtime(STATIONS, iso)
    await runtime.start()
    dbname = iso.database_name("stations")
    try:
        await eventually_async(lambda: runtime.booted, timeout=60)
        await eventually_async(lambda: all(s["state"] == RUNNING for s in runtime.loops().values()), timeout=60)
        idle = await asyncio.to_thread(_sessions, iso, dbname)
        await _busy_minute(runtime)
        connections = await asyncio.to_thread(_sessions, iso, dbname)
        print(f"\nconnections of one stations process: {len(idle)} after start, {len(connections)} at rest after work")
        assert 1 <= len(idle) <= 6 and 1 <= len(connections) <= 6
        assert set(connections) == {"sw-stations"}, "every session names its service"
        await runtime.refresh_metrics()
        lag = REGISTRY.get_sample_value("sw_relay_lag", {"service": "stations"})
        assert lag is not None and not math.isnan(lag)
        for runner in runtime.runners:  # at rest, no projection keeps a message waiting in memory
            labels = {"projection": runner.projection.name}
            assert REGISTRY.get_sample_value("sw_consumer_held", labels) == 0, labels
            assert REGISTRY.get_sample_value("sw_consumer_deferred", labels) == 0, labels
    finally:
        await runtime.stop()
        store.drop_database(iso.database_url, dbname)


async def _busy_minute(runtime: Runtime) -> None:
    """Some reads and writes, as a working day would bring, then a moment of rest."""
    assert isinstance(runtime.application, Stations)
    await asyncio.to_thread(load_seed, runtime.application, Context(actor="test", role="civil_affairs_admin"))
    await eventually_async(lambda: asyncio.to_thread(_relayed, runtime), timeout=60)
    await asyncio.sleep(2)


def _relayed(runtime: Runtime) -> bool:
    assert runtime.relay is not None and runtime.pool is not None
    with runtime.pool.connection() as conn:
        return runtime.relay.lag(conn) == 0


def _sessions(settings: Settings, dbname: str) -> list[str]:
    with store.connect(store.url_for(settings.database_url, "postgres"), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT application_name FROM pg_stat_activity"
            " WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchall()
    return [r["application_name"] for r in rows]

