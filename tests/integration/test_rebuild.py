"""Rebuilding a read model while the service runs: readers see the whole old view, then the whole new one;
and a read model whose schema changed is rebuilt beside the old tables when the service starts."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets, WidgetTotals
from deploy.infra import free_port, service_command, settings_env
from deploy.rebuild import compare_table
from shared import store
from shared.auth import mint
from shared.projection import Projection
from shared.service import Runtime, ServiceSpec
from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.plan import PLAN
from tests.kit.waiting import eventually, eventually_async

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stations(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, httpx.Client]]:
    """The stations service as a process, on its own databases and stream, with the seed county planned."""
    iso = isolated(settings)
    port = free_port()
    proc = subprocess.Popen(
        service_command("stations", port),
        env=settings_env(iso), cwd=ROOT, stdout=open(tmp_path / "stations.log", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    token = mint(iso, subject="rebuild-admin", role="civil_affairs_admin", organisation="", townships=())
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                          timeout=10)
    try:
        eventually(lambda: _ready(client), timeout=60)
        assert client.put("/v1/county-plan", json=PLAN).status_code == 200
        for township in PLAN["townships"]:
            assert client.post("/v1/stations", json={"township_code": township["code"]}).status_code == 201
        yield iso, client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_rebuild_while_the_service_runs_never_shows_readers_an_error_or_a_partial_view(
    stations: tuple[Settings, httpx.Client],
) -> None:
    iso, client = stations
    count = len(PLAN["townships"])
    before = eventually(lambda: _items_if(client, count), timeout=30)
    answers: list[tuple[int, int]] = []
    done = threading.Event()

    def read_all_along() -> None:
        while not done.is_set():
            response = client.get("/v1/station-status")
            answers.append((response.status_code, len(response.json().get("items", []))))

    reader = threading.Thread(target=read_all_along)
    reader.start()
    try:
        rebuilt = subprocess.run([sys.executable, "-m", "deploy.rebuild", "stations", "stations.station_status"],
                                 env=settings_env(iso), cwd=ROOT, capture_output=True, text=True, check=False,
                                 timeout=120)
    finally:
        done.set()
        reader.join()
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert "swapped in" in rebuilt.stdout
    print(f"\n{len(answers)} reads during the rebuild: {sorted(set(answers))}")
    assert answers and set(answers) == {(200, count)}, "every read saw the whole view, old or new"
    assert client.get("/v1/station-status").json()["items"] == before


def _items_if(client: httpx.Client, count: int) -> list | None:
    response = client.get("/v1/station-status")
    items = response.json().get("items", []) if response.status_code == 200 else []
    return items if len(items) == count else None


class TotalsV2(WidgetTotals):
    """The same read model, as a later version of the code builds it (one more column)."""

    ddl = ("CREATE TABLE IF NOT EXISTS widget_totals "
           "(widget text PRIMARY KEY, name text, total int NOT NULL, note text)",)


def _widgets(_settings: Settings, env: dict[str, str]) -> Widgets:
    return Widgets(env=env)


def _widgets_spec(projection: Projection) -> ServiceSpec:
    return ServiceSpec(name=SERVICE, title="widgets", make_application=_widgets,
                       published=PUBLISHED, projections=lambda _s, _a: [projection])


async def test_a_service_whose_read_model_changed_schema_rebuilds_it_beside_the_old_one_at_start(iso: Settings) -> None:
    url = store.service_url(iso, SERVICE)
    try:
        first = await _started(_widgets_spec(WidgetTotals()), iso)
        try:
            assert isinstance(first.application, Widgets)
            for i in range(5):
                first.application.save(Widget(name=f"w{i}", ctx=CTX))
            await eventually_async(lambda: asyncio.to_thread(_count, url, 5))
        finally:
            await first.stop()

        second = await _started(_widgets_spec(TotalsV2()), iso)
        try:
            assert _columns(url) == ["widget", "name", "total", "note"], "the new schema is in place"
            assert _count(url, 5), "with every event the old tables held"
            assert isinstance(second.application, Widgets)
            second.application.save(Widget(name="later", ctx=CTX))
            await eventually_async(lambda: asyncio.to_thread(_count, url, 6))
            assert not second.runners[0].schema_changed()
        finally:
            await second.stop()
    finally:
        store.drop_database(iso.database_url, iso.database_name(SERVICE))


async def _started(spec: ServiceSpec, settings: Settings) -> Runtime:
    runtime = Runtime(spec, settings)
    await runtime.start()
    await eventually_async(lambda: runtime.booted, timeout=60)
    return runtime


def _count(url: str, expected: int) -> bool:
    with store.connect(url) as conn:
        return conn.execute("SELECT count(*) AS n FROM widget_totals").fetchone()["n"] == expected


def _columns(url: str) -> list[str]:
    with store.connect(url) as conn:
        return [r["column_name"] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = 'widget_totals' ORDER BY ordinal_position").fetchall()]


def test_a_rebuild_with_compare_shows_progress_and_finds_the_rebuilt_tables_equal_to_the_live_ones(
    stations: tuple[Settings, httpx.Client],
) -> None:
    iso, client = stations
    eventually(lambda: _items_if(client, len(PLAN["townships"])), timeout=30)
    rebuilt = subprocess.run(
        [sys.executable, "-m", "deploy.rebuild", "stations", "stations.station_status", "--compare"],
        env=settings_env(iso), cwd=ROOT, capture_output=True, text=True, check=False, timeout=180)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr[-3000:]
    assert "rebuilding stations.station_status [" in rebuilt.stderr and " messages" in rebuilt.stderr
    assert "station_status: live" in rebuilt.stdout and ": equal" in rebuilt.stdout
    assert "DIFFER" not in rebuilt.stdout and rebuilt.stdout.strip().endswith("rebuilt tables equal the live ones")
    with store.connect(store.service_url(iso, "stations"), autocommit=True) as conn:  # the planner knows the new tables
        analysed = conn.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = 'public' "
                                "AND relname = 'station_status'").fetchone()
    assert analysed is not None and analysed["last_analyze"] is not None


def test_the_comparison_names_rows_found_on_one_side_only(stations: tuple[Settings, httpx.Client]) -> None:
    iso, client = stations
    eventually(lambda: _items_if(client, len(PLAN["townships"])), timeout=30)
    with store.connect(store.service_url(iso, "stations"), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA compare_probe")
        try:
            conn.execute("CREATE TABLE compare_probe.station_status AS SELECT * FROM public.station_status")
            assert compare_table(conn, "compare_probe", "station_status").equal
            conn.execute("DELETE FROM compare_probe.station_status WHERE township_code = "
                         "(SELECT min(township_code) FROM compare_probe.station_status)")
            conn.execute("UPDATE compare_probe.station_status SET headcount = headcount + 1 WHERE township_code = "
                         "(SELECT max(township_code) FROM compare_probe.station_status)")
            found = compare_table(conn, "compare_probe", "station_status")
        finally:
            conn.execute("DROP SCHEMA compare_probe CASCADE")
    assert (found.only_live, found.only_rebuilt, found.live_rows - found.rebuilt_rows) == (2, 1, 1)
    assert not found.equal
