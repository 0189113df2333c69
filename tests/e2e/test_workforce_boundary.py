"""The workforce API's input boundary over HTTP: what would break the event stream or the audit ledger is refused.

Each refusal is a problem response naming the field, nothing is stored (the worker's version is unchanged), and a
normal command sent afterwards still reaches the stream (the payroll projection, fed by the stream, shows it).
Dates are 2025 and later, so these workers never change the other e2e modules' answers.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.kit.ids import credit_code, national_id
from tests.kit.problems import refused
from tests.kit.system import System
from tests.kit.waiting import eventually

PROBLEM = "application/problem+json"
BORN = "19850505"


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def world(system: System) -> dict[str, Any]:
    """An organisation and one worker it employs."""
    admin = system.client("workforce")
    org = ok(admin.post("/v1/organisations", json={
        "name": "边界测试社工中心", "unified_social_credit_code": credit_code(1, tag="MJB"),
        "registered_in_county": True, "registration_place": "本县民政局", "registered_on": "2025-01-02"}),
        201)["organisation_id"]
    worker = ok(admin.post("/v1/workers", json={
        "employer_id": org, "name": "边界", "national_id_number": national_id(1, BORN), "phone": "13800000001",
        "hired_on": "2025-01-03"}), 201)["worker_id"]
    return {"admin": admin, "org": org, "worker": worker}


def version_of(world: dict[str, Any]) -> int:
    return ok(world["admin"].get(f"/v1/workers/{world['worker']}"))["version"]


def pay_flows(world: dict[str, Any], month: str, gross_fen: int) -> None:
    """A normal pay after the refusals is accepted and reaches the payroll projection through the stream."""
    admin, worker, org = world["admin"], world["worker"], world["org"]
    ok(admin.post(f"/v1/workers/{worker}/pay", json={"period": month, "gross_fen": gross_fen, "paid_on": "2025-12-10"}))

    def paid() -> list[int] | None:
        response = admin.get(f"/v1/organisations/{org}/payroll", params={"month": month})
        lines = response.json().get("lines") if response.status_code == 200 else None
        return [line["gross_fen"] for line in lines] if lines else None

    assert eventually(paid) == [gross_fen]


@pytest.mark.parametrize("gross_fen", [9007199254740993, True, "100", 1.5, 0, -100])
def test_pay_that_is_not_a_safe_whole_amount_of_fen_is_refused(world: dict[str, Any], gross_fen: Any) -> None:
    before = version_of(world)
    refused(world["admin"].post(f"/v1/workers/{world['worker']}/pay", json={
        "period": "2025-02", "gross_fen": gross_fen, "paid_on": "2025-03-10"}), 422, field="gross_fen")
    assert version_of(world) == before


@pytest.mark.parametrize(("field", "value"), [
    ("paid_on", "0001-01-01"), ("paid_on", "9999-12-31"), ("paid_on", 20250310), ("paid_on", "2025-3-10"),
    ("period", "9999-12"), ("period", "0001-01"), ("period", "2025-13"),
])
def test_pay_dated_outside_the_programme_window_is_refused(world: dict[str, Any], field: str, value: Any) -> None:
    before = version_of(world)
    body = {"period": "2025-02", "gross_fen": 300_000, "paid_on": "2025-03-10", field: value}
    refused(world["admin"].post(f"/v1/workers/{world['worker']}/pay", json=body), 422, field=field)
    assert version_of(world) == before


def test_a_far_future_assignment_or_hire_is_refused_and_stores_nothing(world: dict[str, Any]) -> None:
    admin, worker = world["admin"], world["worker"]
    before = version_of(world)
    refused(admin.post(f"/v1/workers/{worker}/assignment", json={
        "station_id": world["org"], "assigned_on": "9999-12-31"}), 422, field="assigned_on")
    refused(admin.post("/v1/workers", json={
        "employer_id": world["org"], "name": "远期", "national_id_number": national_id(2, BORN),
        "phone": "13800000002", "hired_on": "0001-01-01"}), 422, field="hired_on")
    assert version_of(world) == before
    refused(admin.post("/v1/workers/lookup", json={"national_id_number": national_id(2, BORN)}), 404)
    pay_flows(world, "2025-09", 300_003)


@pytest.mark.parametrize("hours", ["Infinity", "NaN", "1e16", "8.5", "true", '"8"'])
def test_numbers_json_cannot_carry_or_that_are_not_whole_hours_are_refused(
    system: System, world: dict[str, Any], hours: str,
) -> None:
    hr = system.client("workforce", role="hr_social_security")
    before = version_of(world)
    body = '{"course": "督导实务", "hours": ' + hours + ', "completed_on": "2025-04-01"}'
    refused(hr.post(f"/v1/workers/{world['worker']}/training", content=body,
                    headers={"Content-Type": "application/json"}), 422, field="hours")
    assert version_of(world) == before


def test_counts_beyond_safe_integers_are_refused(world: dict[str, Any]) -> None:
    admin = world["admin"]
    refused(admin.post("/v1/baseline/yearly-figures", json={
        "year": 2025, "certified_social_workers": 9007199254740993, "professionals": 1}), 422,
        field="certified_social_workers")
    refused(admin.post("/v1/baseline/yearly-figures", json={
        "year": 99999, "certified_social_workers": 1, "professionals": 1}), 422, field="year")
    pay_flows(world, "2025-10", 300_002)


@pytest.mark.parametrize(("param", "value"), [
    ("offset", str(2**63)), ("offset", "-1"), ("limit", "0"), ("limit", str(2**63)),
    ("as_of", "20250101"), ("as_of", "9999-12-31"), ("as_of", "0001-01-01"),
])
def test_roster_paging_and_dates_are_bounded(world: dict[str, Any], param: str, value: str) -> None:
    refused(world["admin"].get("/v1/roster", params={param: value}), 422, field=param)


@pytest.mark.parametrize("path", ["/v1/organisations", "/v1/supervisors", "/v1/roster/stations", "/v1/targets"])
def test_an_integer_as_of_is_not_taken_for_an_epoch_date(world: dict[str, Any], path: str) -> None:
    refused(world["admin"].get(path, params={"as_of": "1700000000"}), 422, field="as_of")


def test_a_weak_etag_never_matches(world: dict[str, Any]) -> None:
    admin, worker = world["admin"], world["worker"]
    before = version_of(world)
    refused(admin.put(f"/v1/workers/{worker}/phone", json={"phone": "13800000009"},
                      headers={"If-Match": f'W/"{before}"'}), 412)
    assert version_of(world) == before


def test_an_oversized_body_is_refused_before_it_is_parsed(world: dict[str, Any]) -> None:
    admin, worker = world["admin"], world["worker"]
    before = version_of(world)
    response = admin.post(f"/v1/workers/{worker}/education", json={
        "level": "bachelor", "major": "社会工作" * 500_000, "school": "某大学"})
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM
    refused(admin.post(f"/v1/workers/{worker}/education", json={
        "level": "bachelor", "major": "社会工作" * 100, "school": "某大学"}), 422, field="major")
    assert version_of(world) == before


def test_after_every_refusal_a_normal_command_still_reaches_the_stream(world: dict[str, Any]) -> None:
    pay_flows(world, "2025-11", 300_001)


def test_the_roster_pages_by_offset_and_says_where_the_next_page_starts(world: dict[str, Any]) -> None:
    admin, org = world["admin"], world["org"]
    second = ok(admin.post("/v1/workers", json={
        "employer_id": org, "name": "翻页", "national_id_number": national_id(3, BORN), "phone": "13800000003",
        "hired_on": "2025-01-04"}), 201)["worker_id"]
    query = {"organisation_id": org, "as_of": "2025-06-01", "limit": 1}

    def first_page() -> dict[str, Any] | None:
        page = ok(admin.get("/v1/roster", params=query))
        return page if page["next"] is not None else None  # both workers are on the roster

    first = eventually(first_page)
    assert first["next"] == 1 and len(first["items"]) == 1
    last = ok(admin.get("/v1/roster", params={**query, "offset": first["next"]}))
    assert last["next"] is None and len(last["items"]) == 1
    assert {first["items"][0]["worker_id"], last["items"][0]["worker_id"]} == {world["worker"], second}
    assert last["items"][0]["national_id_number"].count("*") == 11
