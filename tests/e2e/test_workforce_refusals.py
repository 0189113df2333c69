"""Every workforce refusal over HTTP: a problem response naming the rule or field, and nothing stored.

Dates are 2024 and later, so these workers never change the scenario's 2021–2022 answers.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx
import pytest

from services.stations.application import Stations
from tests.kit.ids import credit_code, national_id
from tests.kit.problems import refused
from tests.kit.system import System
from tests.kit.waiting import eventually

T11 = str(Stations.station_id_for("T11"))
ELSEWHERE = str(uuid5(NAMESPACE_URL, "urn:e2e:station:elsewhere"))
PROBLEM = "application/problem+json"


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def lines(client: httpx.Client, org: str, month: str) -> list[dict[str, Any]] | None:
    """A month's payroll lines, once the roster has caught up (None before)."""
    response = client.get(f"/v1/organisations/{org}/payroll", params={"month": month})
    return response.json()["lines"] if response.status_code == 200 else None


@pytest.fixture(scope="module")
def world(system: System) -> dict[str, Any]:
    """An organisation holding T11, its contractor, and a hired worker."""
    admin = system.client("workforce")
    org = ok(admin.post("/v1/organisations", json={
        "name": "拒绝测试社工中心", "unified_social_credit_code": credit_code(1, tag="MJR"),
        "registered_in_county": False, "registration_place": "外县民政局", "registered_on": "2024-01-02"}),
        201)["organisation_id"]
    ok(admin.post(f"/v1/organisations/{org}/contracts", json={
        "contract_id": str(uuid5(NAMESPACE_URL, "urn:e2e:contract:refusals")), "station_ids": [T11],
        "source_seq": 1}))
    contractor = system.client("workforce", role="contractor", organisation=org)
    worker = ok(contractor.post("/v1/workers", json={
        "employer_id": org, "name": "王拒", "national_id_number": national_id(1), "phone": "13700000001",
        "hired_on": "2024-02-01"}), 201)["worker_id"]
    return {"admin": admin, "org": org, "contractor": contractor, "worker": worker}


def version_of(client: httpx.Client, worker: str) -> int:
    return ok(client.get(f"/v1/workers/{worker}"))["version"]


def test_paying_a_month_twice_is_refused_and_stores_nothing(system: System, world: dict[str, Any]) -> None:
    contractor, worker, org = world["contractor"], world["worker"], world["org"]
    ok(contractor.post(f"/v1/workers/{worker}/pay",
                       json={"period": "2024-03", "gross_fen": 300_000, "paid_on": "2024-04-10"}))
    before = version_of(contractor, worker)
    problem = refused(contractor.post(f"/v1/workers/{worker}/pay",
                                      json={"period": "2024-03", "gross_fen": 310_000, "paid_on": "2024-04-11"}), 409)
    assert problem["rule"] == "workforce.pay.period_already_paid" and "2024-03" in problem["detail"]
    assert version_of(contractor, worker) == before
    payroll = eventually(lambda: lines(contractor, org, "2024-03"))
    assert [(line["gross_fen"], line["paid_on"]) for line in payroll] == [(300_000, "2024-04-10")]


def test_a_worker_cannot_be_at_two_stations_at_once(system: System, world: dict[str, Any]) -> None:
    admin, contractor, worker = world["admin"], world["contractor"], world["worker"]
    ok(contractor.post(f"/v1/workers/{worker}/assignment", json={"station_id": T11, "assigned_on": "2024-02-02"}))
    before = version_of(admin, worker)
    problem = refused(admin.post(f"/v1/workers/{worker}/assignment",
                                 json={"station_id": ELSEWHERE, "assigned_on": "2024-03-01"}), 409)
    assert problem["rule"] == "workforce.assignment.already_assigned" and "transfer" in problem["detail"]
    assert version_of(admin, worker) == before
    assert ok(admin.get(f"/v1/workers/{worker}"))["station_id"] == T11
    assert stations_on_roster(admin, world["org"], worker) == [T11]


def stations_on_roster(client: httpx.Client, org: str, worker: str) -> list[str | None]:
    """The worker's station on the 2024-03-01 roster, once the projection has applied the assignment."""

    def assigned() -> list[str | None] | None:
        page = ok(client.get("/v1/roster", params={"as_of": "2024-03-01", "organisation_id": org}))
        stations = [w["station_id"] for w in page["items"] if w["worker_id"] == worker]
        return stations if stations and stations[0] is not None else None

    # The roster is a projection of the stream: wait for the assignment, not just the hire, to arrive.
    return eventually(assigned)


def test_a_contractor_cannot_post_a_worker_to_a_station_it_holds_no_contract_for(world: dict[str, Any]) -> None:
    contractor = world["contractor"]
    other = ok(contractor.post("/v1/workers", json={
        "employer_id": world["org"], "name": "赵无站", "national_id_number": national_id(2), "phone": "13700000002",
        "hired_on": "2024-02-01"}), 201)["worker_id"]
    problem = refused(contractor.post(f"/v1/workers/{other}/assignment",
                                      json={"station_id": ELSEWHERE, "assigned_on": "2024-02-02"}), 403)
    assert "no service contract" in problem["detail"]
    assert ok(contractor.get(f"/v1/workers/{other}"))["station_id"] is None


def test_a_supervisor_over_the_maximum_is_refused(system: System, world: dict[str, Any]) -> None:
    admin, hr = world["admin"], system.client("workforce", role="hr_social_security")
    supervisor = ok(admin.post("/v1/workers", json={
        "employer_id": world["org"], "name": "钱督导", "national_id_number": national_id(3), "phone": "13700000003",
        "hired_on": "2024-01-10"}), 201)["worker_id"]
    ok(hr.post(f"/v1/workers/{supervisor}/certificates",
               json={"level": "senior", "obtained_on": "2024-01-11", "number": "GJ-2024-3"}))
    ok(admin.post(f"/v1/workers/{supervisor}/supervisor", json={"designated_on": "2024-01-12"}), 201)
    stations = [str(uuid5(NAMESPACE_URL, f"urn:e2e:supervised:{n}")) for n in range(9)]
    for station_id in stations[:8]:
        ok(admin.post(f"/v1/supervisors/{supervisor}/stations",
                      json={"station_id": station_id, "assigned_on": "2024-01-12"}))
    before = ok(admin.get(f"/v1/supervisors/{supervisor}"))
    problem = refused(admin.post(f"/v1/supervisors/{supervisor}/stations",
                                 json={"station_id": stations[8], "assigned_on": "2024-01-13"}), 409)
    assert problem["rule"] == "workforce.supervisor.over_maximum" and problem["maximum"] == 8
    after = ok(admin.get(f"/v1/supervisors/{supervisor}"))
    assert after["version"] == before["version"] and after["count"] == 8 and after["status"] == "within_range"
    listed = eventually(lambda: [s for s in ok(admin.get("/v1/supervisors", params={"as_of": "2024-01-13"}))["items"]
                                 if s["supervisor_id"] == supervisor and s["count"] == 8])
    assert stations[8] not in listed[0]["stations"] and listed[0]["warnings"] == []


@pytest.mark.parametrize("ends_on", ["2024-02-01", "2024-03-01"])
def test_a_labour_contract_ending_before_it_starts_is_refused(world: dict[str, Any], ends_on: str) -> None:
    contractor, worker = world["contractor"], world["worker"]
    before = version_of(contractor, worker)
    problem = refused(contractor.post(f"/v1/workers/{worker}/labour-contract",
                                      json={"starts_on": "2024-03-01", "ends_on": ends_on}), 422)
    assert [e["field"] for e in problem["errors"]] == ["ends_on"] and "end after it starts" in problem["detail"]
    record = ok(contractor.get(f"/v1/workers/{worker}"))
    assert record["version"] == before and record["labour_contract"] is None


def test_ending_a_labour_contract_before_it_started_is_refused(world: dict[str, Any]) -> None:
    admin = world["admin"]
    worker = ok(admin.post("/v1/workers", json={
        "employer_id": world["org"], "name": "孙合同", "national_id_number": national_id(4), "phone": "13700000004",
        "hired_on": "2024-02-01"}), 201)["worker_id"]
    ok(admin.post(f"/v1/workers/{worker}/labour-contract", json={"starts_on": "2024-02-01", "ends_on": None}))
    before = version_of(admin, worker)
    problem = refused(admin.post(f"/v1/workers/{worker}/labour-contract/end",
                                 json={"ended_on": "2024-01-31", "reason": "typo"}), 422)
    assert problem["errors"][0]["field"] == "ended_on"
    record = ok(admin.get(f"/v1/workers/{worker}"))
    assert record["version"] == before and record["labour_contract"]["starts_on"] == "2024-02-01"


def test_roles_are_enforced(system: System, world: dict[str, Any]) -> None:
    worker = world["worker"]
    township = system.client("workforce", role="township", townships=["T11"])
    problem = refused(township.post("/v1/workers", json={
        "employer_id": world["org"], "name": "越权", "national_id_number": national_id(5), "phone": "13700000005",
        "hired_on": "2024-02-01"}), 403)
    assert "township" in problem["detail"]
    stranger = system.client("workforce", role="contractor", organisation=str(uuid5(NAMESPACE_URL, "urn:e2e:other")))
    before = version_of(world["admin"], worker)
    refused(stranger.post(f"/v1/workers/{worker}/pay",
                          json={"period": "2024-05", "gross_fen": 300_000, "paid_on": "2024-06-10"}), 403)
    refused(stranger.get(f"/v1/workers/{worker}"), 404)
    refused(stranger.get("/v1/roster", params={"organisation_id": world["org"]}), 403)
    refused(system.client("workforce", role="party_organisation").post(
        f"/v1/workers/{worker}/titles", json={"title": "助理社会工作师", "awarded_on": "2024-05-01"}), 403)
    refused(system.client("workforce", role="township").get("/v1/targets"), 403)
    assert version_of(world["admin"], worker) == before


def test_bad_input_and_stale_versions(system: System, world: dict[str, Any]) -> None:
    admin, worker = world["admin"], world["worker"]
    before = version_of(admin, worker)
    bad_id = refused(admin.post("/v1/workers", json={
        "employer_id": world["org"], "name": "错号", "national_id_number": national_id(6)[:17] + "0",
        "phone": "13700000006", "hired_on": "2024-02-01"}), 422)
    assert bad_id["errors"][0]["field"] == "national_id_number" and national_id(6) not in str(bad_id)
    extra = refused(admin.post(f"/v1/workers/{worker}/pay", json={
        "period": "2024-13", "gross_fen": 1, "paid_on": "2024-06-10", "bonus": 1}), 422)
    assert {"period", "bonus"} <= {e["field"] for e in extra["errors"]}
    hr = system.client("workforce", role="hr_social_security")
    stale = refused(hr.post(f"/v1/workers/{worker}/training", headers={"If-Match": f'"{before - 1}"'},
                            json={"course": "督导实务", "hours": 8, "completed_on": "2024-05-01"}), 412)
    assert stale["current_version"] == before
    assert version_of(admin, worker) == before


def test_a_retried_hire_returns_the_first_result_and_a_second_hire_of_the_same_person_is_refused(
    world: dict[str, Any],
) -> None:
    admin = world["admin"]
    body = {"employer_id": world["org"], "name": "周重试", "national_id_number": national_id(7),
            "phone": "13700000007", "hired_on": "2024-02-01"}
    first = admin.post("/v1/workers", json=body, headers={"Idempotency-Key": "hire-zhou"})
    again = admin.post("/v1/workers", json=body, headers={"Idempotency-Key": "hire-zhou"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    problem = refused(admin.post("/v1/workers", json=body), 409)
    assert problem["rule"] == "workforce.worker.already_hired"
    assert ok(admin.post("/v1/workers/lookup", json={"national_id_number": national_id(7)}))["worker_id"] == \
        first.json()["worker_id"]
