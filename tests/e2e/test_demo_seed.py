"""The demonstration year (``python -m deploy.demo``, part of ``make run``) fills every view, and loading it twice
records nothing the second time. On a system of its own, so the shared county's figures in other tests hold."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from deploy.demo import load_demo
from shared import store
from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.plan import ok
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually

SERVICES = ("stations", "workforce", "casework")


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = start_system(isolated(settings), tmp_path_factory.mktemp("demo"), services=SERVICES)
    yield running
    stop_system(running)


def events_stored(system: System) -> dict[str, int]:
    """The number of events each service has stored."""
    counts = {}
    for service in SERVICES:
        with store.connect(store.service_url(system.settings, service)) as conn:
            counts[service] = conn.execute(f"SELECT count(*) AS n FROM {service}_events").fetchone()["n"]
    return counts


def station_rows(admin: httpx.Client) -> dict[str, dict]:
    return {r["township_code"]: r for r in ok(admin.get("/v1/station-status", params={"month": "2021-08"}))["items"]}


def test_the_demonstration_fills_every_view_and_a_second_run_records_nothing(own: System) -> None:
    first = load_demo(own.settings, own.urls)

    workforce, stations, casework = own.client("workforce"), own.client("stations"), own.client("casework")
    targets = eventually(lambda: (r := workforce.get("/v1/targets", params={"as_of": "2021-12-31"})).status_code
                         == 200 and r.json())
    assert targets["baseline"]["certified_social_workers"] == 4
    assert targets["figures"]["certified_by_year"]["2021"] == {"count": 9, "source": "recorded", "official": True}
    roster = eventually(lambda: (w := ok(workforce.get("/v1/roster", params={"as_of": "2021-08-31"}))["items"])
                        and len(w) == 12 and w)
    assert sum(1 for w in roster if w["station_id"] is not None) == 11
    assert sum(1 for w in roster if w["certified"]) == 9
    trained = ok(workforce.get(f"/v1/workers/{first['workers']['李娜']}"))
    assert (trained["training_hours"], trained["training"][0]["course"]) == (8, "机构内训：个案工作记录规范"), \
        "recorded by her employer, the contractor"

    rows = eventually(lambda: (r := station_rows(stations))["T05"]["supervision"]["sessions"] == 1 and r)
    assert [c for c, r in rows.items() if r["status"] == "opened"] == ["T01", "T02", "T03", "T04", "T05"]
    assert rows["T06"]["status"] == "contractor_assigned" and rows["T06"]["headcount"] == 1
    assert rows["T01"]["supervisor"]["name"] == "孙慧" and len(rows["T01"]["workers"]) == 2
    assert rows["T01"]["supervision"]["meets_minimum_hours"] and not rows["T05"]["supervision"]["meets_minimum_hours"]
    assert rows["T01"]["latest_ledger"]["status"] == "accepted"
    county = ok(stations.get("/v1/county-status", params={"as_of": "2021-12-31"}))["batches"][0]
    assert (county["opened"], county["operating"]) == (5, 5)

    stats = eventually(lambda: (s := ok(casework.get("/v1/casework-statistics")))["services"] == 4 and s)
    assert stats["beneficiaries"] == 3 and stats["service_minutes"] == 255
    coverage = ok(casework.get("/v1/supervision-coverage", params={"month": "2021-07"}))["items"]
    assert len(coverage) == 5 and all(c["supervised"] for c in coverage)

    before = events_stored(own)
    again = load_demo(own.settings, own.urls)
    assert again == first
    assert events_stored(own) == before
