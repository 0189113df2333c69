"""PostgreSQL outages, on a private server the tests crash (``kill -9``) and restart; never the machine's.

The relay heals by itself after a 10 s outage; a service started while PostgreSQL is down becomes ready when
it comes back; during an outage commands answer 503 with Retry-After instead of hanging, and are not stored
later; the first reads after the restart do not meet dead pooled connections. A service started while NATS is
down (a private nats-server, started late) takes commands and publishes them once the broker is up.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import psycopg
import pytest

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets, WidgetTotals
from deploy.infra import PostgresProcess, free_port, service_command, settings_env, start_nats
from services.stations.main import SPEC as STATIONS
from services.stations.seed import load_seed
from shared import store, stream
from shared.auth import mint
from shared.domain import Context
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.service import Runtime
from shared.settings import Settings
from shared.supervisor import RUNNING, STALLED, Supervisor
from tests.kit.infra import documents, isolated, read_subject
from tests.kit.plan import PLAN
from tests.kit.waiting import eventually, eventually_async

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres() -> Iterator[PostgresProcess]:
    """A private PostgreSQL, not started yet; crashed and deleted at the end."""
    server = PostgresProcess()
    yield server
    server.remove()


async def test_the_relay_heals_by_itself_after_a_ten_second_postgresql_outage(
    settings: Settings, js, postgres: PostgresProcess,
) -> None:
    postgres.start()
    iso = isolated(settings, database_url=postgres.url)
    await stream.ensure_stream(js, iso)
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    app = Widgets(env=store.eventsourcing_env(iso, SERVICE))
    relay = Relay(iso, SERVICE, app, PUBLISHED, store.service_url(iso, SERVICE))
    supervisor = Supervisor(SERVICE, backoff_max=2.0)
    loop = supervisor.spawn("relay", partial(relay.attempt, js))
    try:
        await asyncio.to_thread(_make, app, range(0, 10))
        await eventually_async(lambda: relay.position.position == 10 and loop.state == RUNNING)

        postgres.kill()
        await eventually_async(lambda: loop.state == STALLED, timeout=15)
        await asyncio.sleep(10)
        assert loop.state == STALLED and loop.restarts > 1, "still retrying, not dead"
        postgres.start()
        back = time.monotonic()

        await asyncio.to_thread(_make, app, range(10, 20))  # accepted after the outage: must be published
        stored = [n.id for n in app.recorder.select_notifications(start=1, limit=100)]
        await eventually_async(lambda: relay.position.position == stored[-1] and loop.state == RUNNING, timeout=30)
        print(f"\nthe relay caught up {time.monotonic() - back:.1f}s after PostgreSQL came back")
        docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
        assert [d["sequence"] for d in docs] == stored, "each stored event once, in order, with no manual step"
    finally:
        await supervisor.stop()
        app.close()
        await js.delete_stream(iso.stream_name)


def _make(app: Widgets, names: range) -> None:
    for i in names:
        app.save(Widget(name=f"w{i}", ctx=CTX))


# --- a service process -------------------------------------------------------------------------------------


def _start_stations(settings: Settings, log: Path) -> tuple[subprocess.Popen, str]:
    env = settings_env(settings)
    port = free_port()
    proc = subprocess.Popen(
        service_command("stations", port),
        env=env, cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    return proc, f"http://127.0.0.1:{port}"


def _status(url: str, path: str) -> int | None:
    try:
        return httpx.get(url + path, timeout=5).status_code
    except httpx.HTTPError:
        return None


def test_a_service_started_while_postgresql_is_down_becomes_ready_and_rides_out_an_outage(
    settings: Settings, postgres: PostgresProcess, tmp_path: Path,
) -> None:
    iso = isolated(settings, database_url=postgres.url)
    proc, url = _start_stations(iso, tmp_path / "stations.log")
    token = mint(iso, subject="outage-admin", role="civil_affairs_admin", organisation="", townships=())
    admin = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    try:
        eventually(lambda: _status(url, "/healthz") == 200, timeout=30)
        not_ready = httpx.get(url + "/readyz", timeout=10)
        assert not_ready.status_code == 503 and not_ready.json()["checks"]["store"] != "ok"
        time.sleep(3)
        assert proc.poll() is None, "the service waits for its store instead of exiting"
        answer = admin.post("/v1/stations", json={"township_code": "T01"})
        assert answer.status_code == 503 and answer.headers["Retry-After"], answer.text

        postgres.start()
        eventually(lambda: _status(url, "/readyz") == 200, timeout=60)
        assert admin.put("/v1/county-plan", json=PLAN).status_code == 200
        planned = admin.post("/v1/stations", json={"township_code": "T01"})
        assert planned.status_code == 201, planned.text

        postgres.kill()
        asked = time.monotonic()
        refused = admin.post("/v1/stations", json={"township_code": "T02"})  # the client waits 10 s at most
        print(f"\na command during the outage was answered {refused.status_code} in {time.monotonic() - asked:.1f}s")
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0, refused.text
        assert refused.json()["type"] == "urn:sw:problem:unavailable"
        assert httpx.get(url + "/readyz", timeout=10).status_code == 503

        postgres.start()  # the first reads after the restart meet no dead pooled connection
        station = admin.get(f"/v1/stations/{planned.json()['id']}")
        assert station.status_code == 200, station.text
        eventually(lambda: _status(url, "/readyz") == 200, timeout=60)
        views = admin.get("/v1/station-status")
        assert views.status_code == 200, views.text
        time.sleep(2)
        t02 = admin.get(f"/v1/stations/{_station_id('T02')}")
        assert t02.status_code == 404, "the refused command was not stored later"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()




def _station_id(code: str) -> str:
    from services.stations.application import Stations

    return str(Stations.station_id_for(code))


async def test_a_service_started_while_nats_is_down_takes_commands_and_publishes_them_once_it_is_up(
    settings: Settings, tmp_path: Path,
) -> None:
    port = free_port()
    iso = isolated(settings, nats_url=f"nats://127.0.0.1:{port}")
    runtime = Runtime(STATIONS, iso)
    await runtime.start()
    broker = None
    try:
        await eventually_async(lambda: runtime.application is not None, timeout=30)
        assert not runtime.booted and await runtime.check_broker() == "not connected to NATS"
        assert (await runtime.check_started() or "").endswith("connecting to the broker")
        admin = Context(actor="outage-admin", role="civil_affairs_admin")
        seeded = await asyncio.to_thread(load_seed, runtime.application, admin)  # commands work without NATS

        broker, _url = await asyncio.to_thread(start_nats, tmp_path / "nats", port)
        await eventually_async(lambda: runtime.booted, timeout=30)
        await eventually_async(lambda: runtime.loops()["relay"]["state"] == RUNNING, timeout=30)
        nc = await stream.connect(iso, "outage-test")
        try:
            docs = await eventually_async(lambda: _published(nc.jetstream(), iso, len(seeded["stations_planned"])))
        finally:
            await nc.close()
        assert [d["type"] for d in docs].count("sw.stations.station.planned.v1") == len(seeded["stations_planned"])
    finally:
        await runtime.stop()
        if broker is not None:
            broker.kill()
            broker.wait()
        store.drop_database(iso.database_url, iso.database_name("stations"))


async def _published(js, settings: Settings, stations: int) -> list[dict] | None:
    docs = documents(await read_subject(js, settings, f"{settings.subject_prefix}.stations.>"))
    planned = [d for d in docs if d["type"] == "sw.stations.station.planned.v1"]
    return docs if len(planned) >= stations else None


async def test_a_projection_rides_out_a_postgresql_outage_and_applies_each_event_once(
    iso: Settings, widgets: Widgets, js, postgres: PostgresProcess,
) -> None:
    postgres.start()
    private = iso.model_copy(update={"database_url": postgres.url})
    store.ensure_database(private.database_url, private.database_name(SERVICE))
    url = store.service_url(private, SERVICE)
    relay = Relay(iso, SERVICE, widgets, PUBLISHED, store.service_url(iso, SERVICE))
    relay.position = relay.load_position()
    runner = ProjectionRunner(private, WidgetTotals(), url)
    supervisor = Supervisor(SERVICE, backoff_max=2.0)
    loop = supervisor.spawn("totals", partial(runner.attempt, js))
    try:
        await _make_and_relay(widgets, relay, js, range(0, 10))
        await eventually_async(lambda: asyncio.to_thread(_rows, url, 10))

        postgres.kill()
        await _make_and_relay(widgets, relay, js, range(10, 20))  # arrive while the projection's store is gone
        await eventually_async(lambda: loop.state == STALLED, timeout=15)
        postgres.start()

        await eventually_async(lambda: asyncio.to_thread(_rows, url, 20), timeout=60)
        await eventually_async(lambda: loop.state == RUNNING)
        assert await read_subject(js, iso, runner.dlq_subject) == [], "an outage is not the events' fault"
    finally:
        await supervisor.stop()


async def _make_and_relay(app: Widgets, relay: Relay, js, names: range) -> None:
    await asyncio.to_thread(_make, app, names)
    while await relay.step(js):
        pass


def _rows(url: str, expected: int) -> bool:
    with store.connect(url) as conn:
        try:
            names = [r["name"] for r in conn.execute("SELECT name FROM widget_totals").fetchall()]
        except psycopg.errors.UndefinedTable:
            return False  # the runner's loop has not set its tables up yet (a busy machine)
    assert len(names) == len(set(names)) <= expected, "each event applied once"
    return len(names) == expected
