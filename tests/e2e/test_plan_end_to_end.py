"""The plan played through the APIs: what a county sees when stations open, fall below their staff, run late or are
supervised.

On a system of its own, so the shared county's figures in other tests hold.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.stations.application import Stations
from shared.settings import Settings
from tests.kit.ids import credit_code, national_id
from tests.kit.infra import isolated
from tests.kit.plan import PLAN, ok
from tests.kit.problems import refused
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually

T01, T02 = (str(Stations.station_id_for(code)) for code in ("T01", "T02"))
CONTRACT = {
    "contract_number": "HT-PLAN-T01", "organisation_id": "org-plan", "organisation_name": "计划社工",
    "station_ids": [T01], "period_start": "2021-06-01", "period_end": "2022-05-31", "amount_fen": 1_000_000,
    "supervision_fen": 0, "budget_year": 2021, "budget_line": "2080299",
    "payment_schedule": [{"due_on": "2021-06-15", "amount_fen": 1_000_000}], "signed_on": "2021-06-01",
}


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = start_system(isolated(settings), tmp_path_factory.mktemp("plan"),
                           services=("stations", "workforce", "casework"))
    yield running
    stop_system(running)


@pytest.fixture(scope="module")
def admin(own: System) -> httpx.Client:
    """T01 sited, under contract and staffed on 2021-11-15; T02 only planned."""
    client = own.client("stations")
    ok(client.put("/v1/county-plan", json=PLAN))
    for code in ("T01", "T02"):
        ok(client.post("/v1/stations", json={"township_code": code}), 201)
    ok(client.put(f"/v1/stations/{T01}/site", json={"office_area_m2": 60, "facilities": ["桌"], "on": "2021-05-01"}))
    ok(client.post("/v1/contracts", json=CONTRACT), 201)
    ok(client.post(f"/v1/stations/{T01}/staffing", json={"headcount": 2, "as_of": "2021-11-15", "source_seq": 1}))
    return client


def county(admin: httpx.Client, as_of: str) -> dict:
    return ok(admin.get("/v1/county-status", params={"as_of": as_of}))


def test_a_station_cannot_open_before_it_was_staffed_and_record_and_county_status_agree(admin: httpx.Client) -> None:
    refused(admin.post(f"/v1/stations/{T01}/opening", json={"on": "2021-09-01"}), 409,
            rule="station.open.before_staffing")
    assert ok(admin.get(f"/v1/stations/{T01}"))["status"] == "staffed"

    assert ok(admin.post(f"/v1/stations/{T01}/opening", json={"on": "2021-11-20"}))["opened_on"] == "2021-11-20"
    eventually(lambda: ok(admin.get(f"/v1/station-status/{T01}"))["status"] == "opened")
    assert county(admin, "2021-11-19")["batches"][0]["opened_townships"] == []
    assert county(admin, "2021-11-20")["batches"][0]["opened_townships"] == ["T01"]
    assert [h for h in ok(admin.get(f"/v1/station-status/{T01}"))["history"] if h["status"] == "opened"] \
        == [{"since": "2021-11-20", "status": "opened"}]


def test_a_station_below_minimum_staff_is_not_operating_and_late_stations_are_named(admin: httpx.Client) -> None:
    if ok(admin.get(f"/v1/stations/{T01}"))["status"] != "opened":
        ok(admin.post(f"/v1/stations/{T01}/opening", json={"on": "2021-11-20"}))
    ok(admin.post(f"/v1/stations/{T01}/staffing", json={"headcount": 1, "as_of": "2022-01-10", "source_seq": 2}))
    eventually(lambda: ok(admin.get(f"/v1/station-status/{T01}"))["headcount"] == 1)

    before, after = county(admin, "2022-01-01")["batches"][0], county(admin, "2022-01-15")["batches"][0]
    assert (before["operating"], before["below_minimum_townships"]) == (1, [])
    assert (after["operating"], after["below_minimum_townships"], after["opened"]) == (0, ["T01"], 1)
    assert county(admin, "2022-01-15")["below_minimum"] == 1

    # T02 (batch 1, deadline 2021-12-31) is planned but not open: late from the day after its deadline, by name.
    assert county(admin, "2021-12-31")["batches"][0]["late_townships"] == []
    assert county(admin, "2022-01-01")["batches"][0]["late_townships"] == ["T02"]
    assert county(admin, "2022-01-01")["late_townships"] == ["T02"]
    rows = {r["township_code"]: r for r in ok(admin.get("/v1/station-status"))["items"]}
    assert (rows["T01"]["late"], rows["T02"]["late"], rows["T01"]["understaffed"]) == (False, True, True)


def test_supervision_sessions_show_in_the_station_status_view_by_month(own: System, admin: httpx.Client) -> None:
    workforce, hr = own.client("workforce"), own.client("workforce", role="hr_social_security")
    org = ok(workforce.post("/v1/organisations", json={
        "name": "督导社工", "unified_social_credit_code": credit_code(7, tag="MJP"), "registered_in_county": True,
        "registration_place": "本县民政局", "registered_on": "2021-01-05"}), 201)["organisation_id"]
    supervisor = ok(workforce.post("/v1/workers", json={
        "employer_id": org, "name": "周督导", "national_id_number": national_id(71, born="19800101"),
        "phone": "13900000071", "hired_on": "2021-01-10"}), 201)["worker_id"]
    ok(hr.post(f"/v1/workers/{supervisor}/certificates",
               json={"level": "social_worker", "obtained_on": "2021-01-12", "number": "ZJ-PLAN-1"}))
    ok(workforce.post(f"/v1/workers/{supervisor}/supervisor", json={"designated_on": "2021-01-13"}), 201)
    ok(workforce.post(f"/v1/supervisors/{supervisor}/stations", json={"station_id": T01, "assigned_on": "2021-01-13"}))

    casework = own.client("casework", role="supervisor", subject=supervisor)
    for held_on, hours in (("2021-12-04", 16), ("2022-01-08", 10)):
        body = {"station_id": T01, "held_on": held_on, "hours": hours, "content": "个案督导"}
        eventually(lambda b=body: casework.post("/v1/supervision-sessions", json=b).status_code == 201)

    def month(m: str) -> dict:
        return ok(admin.get(f"/v1/station-status/{T01}", params={"month": m}))["supervision"]

    january = eventually(lambda: (m := month("2022-01"))["sessions"] == 1 and m)
    assert (january["hours"], january["minimum_hours"], january["supervised"], january["meets_minimum_hours"]) \
        == (10, 16, True, False)
    assert january["last_session"] == {"supervisor_id": supervisor, "name": "周督导", "held_on": "2022-01-08",
                                       "hours": 10, "below_minimum_hours": True}
    december = month("2021-12")
    assert (december["hours"], december["supervised"], december["meets_minimum_hours"]) == (16, True, True)
    assert month("2022-02")["supervised"] is False, "a month without a session shows"
    listed = ok(admin.get("/v1/station-status", params={"township_code": "T01", "month": "2022-01"}))["items"][0]
    assert listed["supervision"] == january
    refused(admin.get("/v1/station-status", params={"month": "2022-13"}), 422, field="month")
