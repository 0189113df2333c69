"""The rebuild command shows its progress and closes with a comparison: the rebuilt tables equal the live ones."""

from __future__ import annotations

import subprocess
import sys

import httpx

from deploy.rebuild import compare_table
from shared import store
from shared.settings import Settings
from tests.integration.test_outages import county_plan
from tests.integration.test_rebuild import ROOT, _env, _items_if, stations  # noqa: F401 (the fixture)
from tests.kit.waiting import eventually


def test_a_rebuild_with_compare_shows_progress_and_finds_the_rebuilt_tables_equal_to_the_live_ones(
    stations: tuple[Settings, httpx.Client],  # noqa: F811
) -> None:
    iso, client = stations
    eventually(lambda: _items_if(client, len(county_plan()["townships"])), timeout=30)
    rebuilt = subprocess.run(
        [sys.executable, "-m", "deploy.rebuild", "stations", "stations.station_status", "--compare"],
        env=_env(iso), cwd=ROOT, capture_output=True, text=True, check=False, timeout=180)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr[-3000:]
    assert "rebuilding stations.station_status [" in rebuilt.stderr and " messages" in rebuilt.stderr
    assert "station_status: live" in rebuilt.stdout and ": equal" in rebuilt.stdout
    assert "DIFFER" not in rebuilt.stdout and rebuilt.stdout.strip().endswith("rebuilt tables equal the live ones")


def test_the_comparison_names_rows_found_on_one_side_only(stations: tuple[Settings, httpx.Client]) -> None:  # noqa: F811
    iso, client = stations
    eventually(lambda: _items_if(client, len(county_plan()["townships"])), timeout=30)
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
