"""A social worker's working life over HTTP on the real servers, with the roster and the targets after each step.

Dates are 2021–2022 (the refusal tests use 2024 and later), so the as-of answers here are this story's alone.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.stations.application import Stations
from services.stations.seed import BATCHES, COUNTY_NAME, PERIOD_END_YEAR, PERIOD_START_YEAR, TOWNSHIPS
from services.workforce.domain import credit_code_check_char, national_id_check_char
from shared import stream
from tests.kit.infra import documents, read_subject
from tests.kit.system import System
from tests.kit.waiting import eventually

T09, T10, T11 = (str(Stations.station_id_for(code)) for code in ("T09", "T10", "T11"))
ID_NUMBER = "52270119880214002" + national_id_check_char("52270119880214002")
PHONE = "13987654321"
SUPERVISOR_ID_NUMBER = "52270119750630001" + national_id_check_char("52270119750630001")
SUPERVISOR_PHONE = "13811112222"
CREDIT_CODE = "52522700MJE2E0001" + credit_code_check_char("52522700MJE2E0001")
PLAN = {
    "county_name": COUNTY_NAME, "period_start_year": PERIOD_START_YEAR, "period_end_year": PERIOD_END_YEAR,
    "batches": [{"batch": b["batch"], "deadline": str(b["deadline"])} for b in BATCHES],
    "townships": [{k: (str(v) if k == "population_as_of" else v) for k, v in t.items()} for t in TOWNSHIPS],
}
POPULATION = sum(t["population"] for t in TOWNSHIPS)


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def targets(admin: httpx.Client, as_of: str) -> dict[str, Any]:
    """The targets answer on a date, by target name."""
    body = ok(admin.get("/v1/targets", params={"as_of": as_of}))
    return body | {"by_name": {t["target"]: t for t in body["targets"]}}


def roster(admin: httpx.Client, as_of: str, **filters: str) -> list[dict[str, Any]]:
    """The roster items on a date."""
    return ok(admin.get("/v1/roster", params={"as_of": as_of, **filters}))["items"]


def station(admin: httpx.Client, as_of: str, station_id: str) -> dict[str, Any] | None:
    """One station's entry of the per-station roster on a date."""
    items = ok(admin.get("/v1/roster/stations", params={"as_of": as_of}))["items"]
    return next((s for s in items if s["station_id"] == station_id), None)


@pytest.fixture(scope="module")
def admin(system: System) -> httpx.Client:
    # The county plan exists in the stations service (idempotent: the same plan as the pipeline tests).
    ok(system.client("stations").put("/v1/county-plan", json=PLAN))
    return system.client("workforce")


def test_a_social_workers_working_life_over_http(system: System, admin: httpx.Client) -> None:
    hr = system.client("workforce", role="hr_social_security")
    party = system.client("workforce", role="party_organisation")
    finance = system.client("workforce", role="finance")

    # The bureau enters the county's 2020 baseline: one certified social worker, two professionals.
    ok(admin.post("/v1/baseline", json={"certified_social_workers": 1, "professionals": 2}), 201)
    early = eventually(lambda: admin.get("/v1/targets", params={"as_of": "2020-12-31"}).status_code == 200
                       and targets(admin, "2020-12-31"))
    assert early["baseline"] == {"year": 2020, "certified_social_workers": 1, "professionals": 2}
    # The population is the stations service's county plan, consumed from its events.
    assert early["figures"]["population"] == {"population": POPULATION, "townships": len(TOWNSHIPS)}
    assert early["by_name"]["professionals_share"]["threshold"] == -(-POPULATION // 100)
    assert early["by_name"]["registered_organisations"]["value"] == 0

    # The bureau registers the contractor, an organisation registered in the county on 2021-01-10.
    org = ok(admin.post("/v1/organisations", json={
        "name": "阳光社会工作服务中心(e2e)", "unified_social_credit_code": CREDIT_CODE, "registered_in_county": True,
        "registration_place": "本县民政局", "registered_on": "2021-01-10"}), 201)["organisation_id"]
    contractor = system.client("workforce", role="contractor", organisation=org)
    assert eventually(lambda: targets(admin, "2021-01-10")["by_name"]["registered_organisations"]["status"] == "met")
    assert targets(admin, "2021-01-09")["by_name"]["registered_organisations"]["value"] == 0, "not before it registered"

    # Its service contract covers T09, T10 and T11 (recorded by hand here; the stations events path is
    # covered by tests/integration/test_workforce_projections.py).
    ok(admin.post(f"/v1/organisations/{org}/contracts", json={
        "contract_id": "6f1c1d7e-0000-4000-8000-00000000e2e1", "station_ids": [T09, T10, T11], "source_seq": 1}))
    assert ok(admin.get(f"/v1/organisations/{org}"))["stations"] == sorted([T09, T10, T11])

    # The contractor hires 张敏 on 2021-01-15; she is on the roster from that day, personal data masked.
    worker = ok(contractor.post("/v1/workers", json={
        "employer_id": str(org), "name": "张敏", "national_id_number": ID_NUMBER, "phone": PHONE,
        "hired_on": "2021-01-15"}), 201)["worker_id"]
    on_roster = eventually(lambda: roster(admin, "2021-01-15"))
    assert [(w["worker_id"], w["station_id"], w["certified"]) for w in on_roster] == [(worker, None, False)]
    assert on_roster[0]["national_id_number"] == ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]
    assert on_roster[0]["phone"] == "139****4321"
    assert roster(admin, "2021-01-14") == [], "not on the roster before she was hired"

    # HR records her assistant social worker certificate, obtained on 2021-02-01.
    ok(hr.post(f"/v1/workers/{worker}/certificates",
               json={"level": "assistant", "obtained_on": "2021-02-01", "number": "ZL-2021-7"}))
    eventually(lambda: roster(admin, "2021-02-01")[0]["certified"])
    assert roster(admin, "2021-01-31")[0]["certified"] is False

    # She signs a three-year labour contract and is posted to T09 on 2021-01-18.
    ok(contractor.post(f"/v1/workers/{worker}/labour-contract",
                       json={"starts_on": "2021-01-15", "ends_on": "2024-01-14"}))
    ok(contractor.post(f"/v1/workers/{worker}/assignment", json={"station_id": T09, "assigned_on": "2021-01-18"}))
    at_t09 = eventually(lambda: station(admin, "2021-03-01", T09))
    assert (at_t09["headcount"], at_t09["certified"]) == (1, 1)
    assert station(admin, "2021-01-20", T09)["certified"] == 0, "certified only from 2021-02-01"
    assert station(admin, "2021-01-17", T09) is None
    assert roster(admin, "2021-03-01", station_id=T09)[0]["labour_contract_in_force"] is True
    hers = {day: next(w for w in roster(admin, day) if w["worker_id"] == worker)
            for day in ("2024-01-14", "2024-01-15")}
    assert hers["2024-01-14"]["labour_contract_in_force"] is True, "in force through its last day"
    assert hers["2024-01-15"]["labour_contract_in_force"] is False, "expired the day after it ends"

    # A senior social worker becomes the organisation's supervisor for T09 and T10: below the plan's 5.
    supervisor = ok(admin.post("/v1/workers", json={
        "employer_id": str(org), "name": "李督导", "national_id_number": SUPERVISOR_ID_NUMBER,
        "phone": SUPERVISOR_PHONE, "hired_on": "2021-01-15"}), 201)["worker_id"]
    ok(hr.post(f"/v1/workers/{supervisor}/certificates",
               json={"level": "senior", "obtained_on": "2021-01-20", "number": "GJ-2021-1"}))
    ok(admin.post(f"/v1/workers/{supervisor}/supervisor", json={"designated_on": "2021-02-01"}), 201)
    for station_id in (T09, T10):
        ok(admin.post(f"/v1/supervisors/{supervisor}/stations",
                      json={"station_id": station_id, "assigned_on": "2021-02-01"}))
    supervisors = eventually(lambda: [s for s in ok(admin.get("/v1/supervisors", params={"as_of": "2021-02-01"}))
                                      ["items"] if s["count"] == 2])
    assert supervisors[0]["supervisor_id"] == supervisor and supervisors[0]["status"] == "below_minimum"
    assert supervisors[0]["warnings"][0]["code"] == "workforce.supervisor.below_minimum"
    assert sorted(supervisors[0]["stations"]) == sorted([T09, T10])
    assert ok(admin.get("/v1/supervisors", params={"as_of": "2021-01-31"}))["items"] == []
    assert station(admin, "2021-03-01", T09)["supervisors"] == [{"supervisor_id": supervisor, "name": "李督导"}]

    # Two certified workers in 2021 against one in 2020: growth and the 2× target are on course.
    mid_2021 = targets(admin, "2021-06-30")
    assert mid_2021["figures"]["certified_by_year"]["2021"]["count"] == 2
    assert mid_2021["figures"]["professionals"]["count"] == 2
    assert mid_2021["by_name"]["certified_growth_per_year"]["status"] == "on_track"
    assert mid_2021["by_name"]["certified_total_multiple"] | {"value": 2, "threshold": 2, "status": "met"} == \
        mid_2021["by_name"]["certified_total_multiple"]
    assert mid_2021["by_name"]["professionals_share"]["status"] == "at_risk"
    assert targets(admin, "2021-01-19")["figures"]["certified_by_year"]["2021"]["count"] == 0

    # She is paid twelve months of 2021; June's pay is below the minimum wage and is flagged, not refused.
    for month in range(1, 13):
        paid_on = f"{2021 + month // 12}-{month % 12 + 1:02d}-10"
        body = ok(contractor.post(f"/v1/workers/{worker}/pay", json={
            "period": f"2021-{month:02d}", "gross_fen": 150_000 if month == 6 else 320_000, "paid_on": paid_on}))
        assert body["pay"][-1]["below_minimum_wage"] is (month == 6)  # the answer is her record, pay last
    june = eventually(lambda: ok(finance.get(f"/v1/organisations/{org}/payroll", params={"month": "2021-06"}))
                      ["workers_paid"] == 1 and ok(finance.get(f"/v1/organisations/{org}/payroll",
                                                               params={"month": "2021-06"})))
    assert (june["total_fen"], june["below_minimum_wage"], june["lines"][0]["worker_id"]) == (150_000, 1, worker)
    months = eventually(lambda: [m for m in ok(finance.get(f"/v1/organisations/{org}/payroll"))["months"]]
                        if len(ok(finance.get(f"/v1/organisations/{org}/payroll"))["months"]) == 12 else None)
    assert sum(m["total_fen"] for m in months) == 11 * 320_000 + 150_000

    # She is enrolled in the five insurances and the housing fund on 2021-02-01.
    items = ["pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund"]
    ok(contractor.post(f"/v1/workers/{worker}/insurance", json={"items": items, "enrolled_on": "2021-02-01"}))
    insured = eventually(lambda: _org(admin, "2021-03-01", org)["insurance"]["fully_insured"] == 1
                         and _org(admin, "2021-03-01", org))
    assert insured["headcount"] == 2 and insured["insurance"]["coverage"] == 0.5
    assert insured["payroll"] == {"month": "2021-03", "total_fen": 320_000, "workers_paid": 1,
                                  "below_minimum_wage": 0}
    assert _org(admin, "2021-01-31", org)["insurance"]["fully_insured"] == 0

    # She transfers to T10 on 2022-01-01.
    ok(contractor.post(f"/v1/workers/{worker}/transfer", json={"station_id": T10, "transferred_on": "2022-01-01"}))
    eventually(lambda: roster(admin, "2022-01-01", station_id=T10))
    assert roster(admin, "2021-12-31", station_id=T09)[0]["worker_id"] == worker, "the earlier period still answers"
    assert roster(admin, "2022-01-01", station_id=T09) == []
    assert station(admin, "2022-01-01", T10)["headcount"] == 1

    # She leaves on 2022-06-30: off the roster from that day, still on it the day before.
    ok(contractor.post(f"/v1/workers/{worker}/leaving", json={"left_on": "2022-06-30", "reason": "moved away"}))
    eventually(lambda: [w for w in roster(admin, "2022-06-30") if w["worker_id"] == worker] == [])
    assert [w["station_id"] for w in roster(admin, "2022-06-29") if w["worker_id"] == worker] == [T10]
    assert station(admin, "2022-06-30", T10)["headcount"] == 0, "only its supervisor is left there"
    assert ok(admin.get(f"/v1/workers/{worker}"))["labour_contract"] is None

    # The targets now see one certified worker in 2022 (growth stalls) while earlier dates keep their answer.
    late = targets(admin, "2022-07-01")
    assert late["figures"]["certified_by_year"] == {
        "2021": {"count": 2, "source": "roster as of 2021-12-31", "official": False},
        "2022": {"count": 1, "source": "roster as of 2022-07-01", "official": False},
    }
    assert (late["official_figures"], late["roster_figures"]) == (
        ["baseline"], ["certified_by_year.2021", "certified_by_year.2022", "professionals"])
    assert late["by_name"]["certified_growth_per_year"]["status"] == "at_risk"
    assert targets(admin, "2021-06-30")["targets"] == mid_2021["targets"]

    # Personal data: masked for everyone by default, whole only to the roles that need it, and every reveal logged.
    assert "*" in ok(party.get(f"/v1/workers/{worker}"))["national_id_number"]
    refused = party.get(f"/v1/workers/{worker}", params={"reveal": "true"})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    revealed = ok(contractor.get(f"/v1/workers/{worker}", params={"reveal": "true"}))
    assert (revealed["national_id_number"], revealed["phone"]) == (ID_NUMBER, PHONE)
    line = f"personal data of worker {worker} revealed to e2e-contractor (contractor, {org})"
    eventually(lambda: line in (system.logs / "workforce.log").read_text(errors="replace"))


def _org(admin: httpx.Client, as_of: str, org: str) -> dict[str, Any]:
    items = ok(admin.get("/v1/organisations", params={"as_of": as_of}))["items"]
    return next(o for o in items if o["organisation_id"] == org)


def test_personal_data_never_leaves_in_an_event_a_list_or_a_log_line(system: System, admin: httpx.Client) -> None:
    secrets = (ID_NUMBER, PHONE, SUPERVISOR_ID_NUMBER, SUPERVISOR_PHONE)

    async def every_message() -> list[dict[str, Any]]:
        nc = await stream.connect(system.settings, "e2e-pii-scan")
        try:
            return documents(await read_subject(nc.jetstream(), system.settings,
                                                f"{system.settings.subject_prefix}.>"))
        finally:
            await nc.close()

    messages = asyncio.run(every_message())
    assert any(m["type"] == "sw.workforce.worker.hired.v1" for m in messages), "the story's events were read"
    text = "\n".join(str(m) for m in messages)
    assert not [s for s in secrets if s in text], "personal data in a published event"

    lists = [admin.get(path, params={"as_of": day}).text
             for path in ("/v1/roster", "/v1/roster/stations", "/v1/organisations", "/v1/supervisors")
             for day in ("2021-03-01", "2022-01-01")]
    assert not [s for s in secrets if any(s in body for body in lists)], "personal data in a list response"

    for log in system.logs.glob("*.log"):
        content = log.read_text(errors="replace")
        assert not [s for s in secrets if s in content], f"personal data in {log.name}"
