"""A whole county's year sent over HTTP to the four services (the load generator's year, with a few beneficiaries):
every call is accepted, every station opens, the audit ledger holds every published event and the county, which kept
the rules, has no compliance finding.

On a system of its own: the year's plan replaces the shared county's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from benchmarks.commands import ledger_entries
from benchmarks.county import CountyYearCalls, station
from benchmarks.county_run import CountyRunner, Tally, findings, published_events
from services.stations.seed import TOWNSHIPS
from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.plan import ok
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually

UNTIL = date(2026, 9, 14)  # a year from 2025-09 to 2026-08, ended mid-month
BENEFICIARIES = 24


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = start_system(isolated(settings), tmp_path_factory.mktemp("county-year"))
    yield running
    stop_system(running)


@pytest.fixture(scope="module")
def year(own: System) -> tuple[CountyYearCalls, Tally]:
    calls = CountyYearCalls(seed=21, beneficiaries=BENEFICIARIES, until=UNTIL)
    phases = calls.phases()
    tally = CountyRunner(own.settings, own.urls, seed=21, threads=4).run(phases)
    assert tally.calls() == sum(p.calls() for p in phases)
    return calls, tally


def test_every_station_of_the_year_is_opened_staffed_and_supervised(own: System, year: tuple) -> None:
    calls, _ = year
    admin = own.client("stations")
    for t in TOWNSHIPS:
        shown = ok(admin.get(f"/v1/stations/{station(t['code'])}"))
        assert (shown["status"], shown["opened_on"]) == ("opened", str(calls.opening)), t["code"]
        status = eventually(lambda c=t["code"]: (s := ok(admin.get(f"/v1/station-status/{station(c)}",
                                                                 params={"month": "2026-08"})))["supervision"]
                            ["sessions"] and s)
        assert status["headcount"] == len(calls.workers[t["code"]])
        assert status["supervision"]["meets_minimum_hours"] is True


def test_the_ledger_holds_every_published_event_and_the_county_has_no_finding(own: System, year: tuple) -> None:
    for service in ("stations", "workforce", "casework"):
        stored = published_events(own.settings, service)
        assert stored > 0
        eventually(lambda s=service, n=stored: ledger_entries(own.settings, s) == n, timeout=60)
    assert ledger_entries(own.settings, "casework") >= BENEFICIARIES * 6  # registered, opened, assessed, planned…
    found = findings(own.settings, own.urls["audit"], UNTIL)
    assert found == [], [(f["rule"], f["subject"], f["period"]) for f in found]


def test_the_roster_lists_every_worker_of_the_year_insured_under_contract_at_its_station(own: System,
                                                                                          year: tuple) -> None:
    calls, _ = year
    roster = ok(own.client("workforce").get("/v1/roster", params={"limit": 100}))["items"]
    posted = {station(code): len(workers) for code, workers in calls.workers.items()}
    assert len(roster) == sum(posted.values()) + 2  # and the two supervisors
    assert all(w["fully_insured"] and w["labour_contract_in_force"] for w in roster)
    at = [w["station_id"] for w in roster if w["station_id"]]
    assert {s: at.count(s) for s in set(at)} == posted
