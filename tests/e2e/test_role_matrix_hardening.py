"""What no caller can do over HTTP: act as the system, bend its claims, learn who reported it, learn whose worker an
id number is, or guess without limit; and what anyone can: read public disclosures."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from services.stations.application import Stations
from services.workforce.application import Workforce
from shared.auth import ALGORITHM
from tests.kit.ids import credit_code, national_id
from tests.kit.plan import PLAN, ok
from tests.kit.problems import refused
from tests.kit.system import System
from tests.kit.waiting import eventually

T10 = str(Stations.station_id_for("T10"))
CODE = credit_code(7, tag="MJH")
ORG = str(Workforce.organisation_id_for(CODE))
WORKER = "8b0c6f5e-0000-4000-8000-0000000000a1"


def _forged(system: System, **claims: Any) -> dict[str, str]:
    now = int(time.time())
    body = {"sub": "forger", "role": "civil_affairs_admin", "iss": system.settings.jwt_issuer, "iat": now,
            "exp": now + 600, **claims}
    return {"Authorization": f"Bearer {jwt.encode(body, system.settings.jwt_secret, algorithm=ALGORITHM)}"}


@pytest.fixture(scope="module")
def stations(system: System) -> httpx.Client:
    """Station T10 planned and under contract with the organisation of credit code ``CODE``."""
    admin = system.client("stations")
    ok(admin.put("/v1/county-plan", json=PLAN))
    assert admin.post("/v1/stations", json={"township_code": "T10"},
                      headers={"Idempotency-Key": "hardening-T10"}).status_code == 201
    ok(admin.put(f"/v1/stations/{T10}/site", json={"office_area_m2": 50, "facilities": ["桌"], "on": "2023-01-10"},
                 headers={"Idempotency-Key": "hardening-site-T10"}))
    ok(admin.post("/v1/contracts", headers={"Idempotency-Key": "hardening-contract"}, json={
        "contract_number": "HT-E2E-T10", "organisation_id": ORG, "organisation_name": "十号社工",
        "station_ids": [T10], "period_start": "2023-03-01", "period_end": "2024-02-28", "amount_fen": 500_000,
        "supervision_fen": 0, "budget_year": 2023, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2023-03-15", "amount_fen": 500_000}], "signed_on": "2023-02-20"}), 201)
    return admin


def test_a_token_of_the_system_role_is_refused_with_401(system: System) -> None:
    answer = httpx.post(f"{system.urls['stations']}/v1/stations/{T10}/staffing", json={"headcount": 99},
                        headers=_forged(system, role="system"), timeout=15)
    assert answer.status_code == 401 and "role" in answer.json()["detail"]


def test_claims_of_the_wrong_shape_are_refused_with_401(system: System) -> None:
    for claims in ({"role": "township", "townships": "T01"}, {"role": "chief"}, {"sub": ""}):
        answer = httpx.get(f"{system.urls['stations']}/v1/station-status", headers=_forged(system, **claims),
                           timeout=15)
        assert answer.status_code == 401, claims


def test_public_disclosures_are_read_without_a_token(system: System) -> None:
    listed = httpx.get(f"{system.urls['stations']}/v1/disclosures", timeout=15)
    assert listed.status_code == 200 and "items" in listed.json()
    assert httpx.get(f"{system.urls['stations']}/v1/contracts", timeout=15).status_code == 401


def test_stations_and_workforce_know_a_contractor_by_its_credit_code_as_by_its_id(
    system: System, stations: httpx.Client,
) -> None:
    for named in (CODE, ORG):
        contractor = system.client("stations", role="contractor", organisation=named)
        assert eventually(lambda c=contractor: [row["contract_number"] for row in ok(
            c.get("/v1/contracts", params={"organisation_id": ORG}))["items"]] == ["HT-E2E-T10"]), named
        assert ok(contractor.get(f"/v1/stations/{T10}"))["township_code"] == "T10"


def test_the_reported_township_never_learns_who_reported_it(system: System, stations: httpx.Client) -> None:
    reporter = system.client("stations", role="contractor", organisation=CODE, subject="whistle-blower")
    report = ok(reporter.post("/v1/misuse-reports", json={
        "station_id": T10, "worker_id": WORKER, "description": "被借调做镇政府文书工作", "observed_on": "2023-05-02"}),
        201)
    township = system.client("stations", role="township", townships=["T10"])
    seen = ok(township.get(f"/v1/misuse-reports/{report['id']}"))
    assert seen["description"] and "whistle-blower" not in str(seen) and ORG not in str(seen)
    assert ok(stations.get(f"/v1/misuse-reports/{report['id']}"))["reported_by"]["actor"] == "whistle-blower"
    assert ok(reporter.get(f"/v1/misuse-reports/{report['id']}"))["reported_by"]["actor"] == "whistle-blower"


def test_hiring_another_organisations_worker_reveals_neither_the_worker_nor_the_employer(system: System) -> None:
    admin = system.client("workforce")
    orgs = [ok(admin.post("/v1/organisations", json={
        "name": f"识别测试社工{n}", "unified_social_credit_code": credit_code(n, tag="MJW"),
        "registered_in_county": True, "registration_place": "本县民政局", "registered_on": "2024-01-02"}),
        201)["organisation_id"] for n in (1, 2)]
    person = {"name": "赵识", "national_id_number": national_id(41), "phone": "13700000041", "hired_on": "2024-02-01"}
    first = system.client("workforce", role="contractor", organisation=orgs[0])
    worker = ok(first.post("/v1/workers", json={"employer_id": orgs[0], **person}), 201)["worker_id"]
    second = system.client("workforce", role="contractor", organisation=orgs[1])
    problem = refused(second.post("/v1/workers", json={"employer_id": orgs[1], **person}), 409)
    assert problem["rule"] == "workforce.worker.not_hireable"
    assert worker not in str(problem) and orgs[0] not in str(problem)
    assert refused(second.post("/v1/workers/lookup", json={"national_id_number": national_id(41)}), 404)


def test_a_burst_of_identity_lookups_by_one_user_is_answered_429_with_retry_after(system: System) -> None:
    prober = system.client("workforce", role="contractor", organisation=ORG, subject="prober")
    burst, per_minute = system.settings.identity_lookup_burst, system.settings.identity_lookups_per_minute
    started, answers = time.monotonic(), []
    while len(answers) < 3 * burst:  # the bucket refills while a loaded machine answers: count what it allows
        answer = prober.post("/v1/workers/lookup", json={"national_id_number": national_id(500 + len(answers))})
        answers.append(answer.status_code)
        if answer.status_code == 429:
            limited = answer
            break
    refilled = (time.monotonic() - started) * per_minute / 60
    assert answers[:burst] == [404] * burst and answers[-1] == 429, "the burst is answered, then refused"
    assert answers.count(404) <= burst + refilled + 1, "no more than the burst and what refilled meanwhile"
    assert int(limited.headers["Retry-After"]) >= 1
    other = system.client("workforce", role="contractor", organisation=ORG, subject="someone-else")
    assert other.post("/v1/workers/lookup", json={"national_id_number": national_id(999)}).status_code == 404


def test_a_township_reads_the_roster_of_its_own_station_only(system: System, stations: httpx.Client) -> None:
    admin = system.client("workforce")
    org = ok(admin.post("/v1/organisations", json={
        "name": "名册测试社工", "unified_social_credit_code": credit_code(3, tag="MJW"),
        "registered_in_county": True, "registration_place": "本县民政局", "registered_on": "2024-01-02"}),
        201)["organisation_id"]
    ok(admin.post(f"/v1/organisations/{org}/contracts", json={
        "contract_id": "8b0c6f5e-0000-4000-8000-0000000000c3", "station_ids": [T10], "source_seq": 1}))
    contractor = system.client("workforce", role="contractor", organisation=org)
    worker = ok(contractor.post("/v1/workers", json={
        "employer_id": org, "name": "钱册", "national_id_number": national_id(43), "phone": "13700000043",
        "hired_on": "2024-02-01"}), 201)["worker_id"]
    ok(contractor.post(f"/v1/workers/{worker}/assignment", json={"station_id": T10, "assigned_on": "2024-02-01"}))
    township = system.client("workforce", role="township", townships=["T10"])
    assert eventually(lambda: [row["worker_id"] for row in ok(
        township.get("/v1/roster", params={"as_of": "2024-03-01"}))["items"]] == [worker])
    other = system.client("workforce", role="township", townships=["T09"])
    refused(other.get("/v1/roster", params={"station_id": T10}), 403)
    assert worker not in str(ok(other.get("/v1/roster", params={"as_of": "2024-03-01"})))


T09 = str(Stations.station_id_for("T09"))
CODE9 = credit_code(9, tag="MJN")
ORG9 = str(Workforce.organisation_id_for(CODE9))


@pytest.fixture(scope="module")
def ninth(system: System) -> None:
    """Organisation ``CODE9`` registered in workforce; station T09 under a contract naming it by credit code."""
    ok(system.client("workforce").post("/v1/organisations", headers={"Idempotency-Key": "ninth-org"}, json={
        "name": "九号社工", "unified_social_credit_code": CODE9, "registered_in_county": True,
        "registration_place": "本县民政局", "registered_on": "2023-01-02"}), 201)
    admin = system.client("stations")
    ok(admin.put("/v1/county-plan", json=PLAN))
    assert admin.post("/v1/stations", json={"township_code": "T09"},
                      headers={"Idempotency-Key": "ninth-T09"}).status_code == 201
    ok(admin.put(f"/v1/stations/{T09}/site", json={"office_area_m2": 45, "facilities": ["桌"], "on": "2023-01-10"},
                 headers={"Idempotency-Key": "ninth-site-T09"}))
    ok(admin.post("/v1/contracts", headers={"Idempotency-Key": "ninth-contract"}, json={
        "contract_number": "HT-E2E-T09", "organisation_id": CODE9, "organisation_name": "九号社工",
        "station_ids": [T09], "period_start": "2023-03-01", "period_end": "2024-02-28", "amount_fen": 400_000,
        "supervision_fen": 0, "budget_year": 2023, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2023-03-15", "amount_fen": 400_000}], "signed_on": "2023-02-20"}), 201)


@pytest.mark.parametrize(("n", "named"), enumerate([CODE9, CODE9.lower(), ORG9, ORG9.upper()]))
def test_every_service_knows_an_organisation_by_its_id_or_its_credit_code_alike(
        system: System, ninth: None, n: int, named: str) -> None:
    stations = system.client("stations", role="contractor", organisation=named)
    assert eventually(lambda: [row["contract_number"] for row in ok(stations.get("/v1/contracts"))["items"]]
                      == ["HT-E2E-T09"]), "its token's organisation, by id or credit code"
    assert [row["contract_number"] for row in ok(system.client("stations").get(
        "/v1/contracts", params={"organisation_id": named}))["items"]] == ["HT-E2E-T09"], "a filter naming it"
    assert ok(stations.get(f"/v1/stations/{T09}"))["township_code"] == "T09"
    assert [row["township_code"] for row in ok(stations.get("/v1/station-status"))["items"]] == ["T09"]

    workforce = system.client("workforce", role="contractor", organisation=named)
    worker = ok(workforce.post("/v1/workers", json={
        "employer_id": named, "name": f"九号社工{n}", "national_id_number": national_id(90 + n),
        "phone": f"1370000009{n}", "hired_on": "2023-03-01"}), 201)
    assert worker["employer_id"] == ORG9
    assert ok(workforce.get(f"/v1/workers/{worker['worker_id']}"))["worker_id"] == worker["worker_id"]

    casework = system.client("casework", role="contractor", organisation=named)
    activity = {"kind": "group", "station_id": T09, "held_on": "2023-05-14", "title": f"九号小组{n}",
                "goal": "邻里互助", "method": "小组工作", "participants": 6}
    assert eventually(lambda: casework.post("/v1/activities", json=activity).status_code == 201)
