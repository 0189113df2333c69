"""Compliance findings over HTTP on the real servers: a station's second half of 2021 in township T31 (added to
batch 1 for this story), run through the stations, workforce and casework services, produces exactly the
expected findings as of 2021-12-20, each citing the ledger entries it rests on; they resolve when the facts
change, the audit service publishes them on ``sw.audit.finding.*``, and the exports carry them.

The story: contract HT-E2E-T31 (2021-07-01..2022-06-30) covers the station; workers A, B and C are posted to it,
D supervises it. C has no labour contract, B no housing fund; B and C are not paid for 2021-11; no supervision
session in 2021-10; the 2021 Q3 ledger (due 2021-10-15) is not submitted. Findings are judged on business dates,
so the other stories of the session (other stations, other years) do not change this one's.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
from openpyxl import load_workbook

from services.stations.application import Stations
from tests.kit.ids import credit_code, national_id
from tests.kit.plan import PLAN, ok
from tests.kit.system import System
from tests.kit.waiting import eventually

S = str(Stations.station_id_for("T31"))
TOWNSHIP = {"code": "T31", "name": "审计乡", "kind": "township", "population": 9000, "batch": 1,
            "villages": [{"code": "T31-01", "name": "审计村", "kind": "village"}]}
ITEMS = ["pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund"]
MONTHS = ["2021-07", "2021-08", "2021-09", "2021-10", "2021-11"]


def station_and_contract(system: System) -> tuple[str, str]:
    """Station T31 sited and under contract with a newly registered organisation; the organisation's id."""
    admin, workforce = system.client("stations"), system.client("workforce")
    ok(admin.put("/v1/county-plan", json=PLAN))
    ok(admin.post("/v1/county-plan/townships", json=TOWNSHIP, headers={"Idempotency-Key": "e2e-add-T31"}), 201)
    ok(admin.post("/v1/stations", json={"township_code": "T31"}), 201)
    township = system.client("stations", role="township", townships=["T31"])
    etag = admin.get(f"/v1/stations/{S}").headers["ETag"]
    ok(township.put(f"/v1/stations/{S}/site", headers={"If-Match": etag},
                    json={"office_area_m2": 80, "facilities": ["办公桌"], "on": "2021-06-10"}))
    org = ok(workforce.post("/v1/organisations", json={
        "name": "审计乡社工服务中心", "unified_social_credit_code": credit_code(31, tag="MJF"),
        "registered_in_county": True, "registration_place": "本县民政局", "registered_on": "2021-06-01"}),
        201)["organisation_id"]
    contract = ok(admin.post("/v1/contracts", json={
        "contract_number": "HT-E2E-T31", "organisation_id": org, "organisation_name": "审计乡社工服务中心",
        "station_ids": [S], "period_start": "2021-07-01", "period_end": "2022-06-30", "amount_fen": 60_000_000,
        "supervision_fen": 6_000_000, "budget_year": 2021, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2021-07-05", "amount_fen": 30_000_000},
                             {"due_on": "2022-01-05", "amount_fen": 30_000_000}],
        "signed_on": "2021-06-20"}), 201)["id"]
    ok(admin.post(f"/v1/contracts/{contract}/disbursements",
                  json={"amount_fen": 30_000_000, "paid_on": "2021-07-05", "reference": "BF-T31-1"}))
    eventually(lambda: S in ok(workforce.get(f"/v1/organisations/{org}"))["stations"])
    return contract, org


def staff(system: System, org: str) -> dict[str, str]:
    """A, B, C posted to T31 (C without labour contract, B without housing fund), D its supervisor; pay to 2021-11
    except B's and C's 2021-11."""
    contractor = system.client("workforce", role="contractor", organisation=org)
    admin, hr = system.client("workforce"), system.client("workforce", role="hr_social_security")
    people = {}
    for n, who in enumerate("ABCD", start=81):
        people[who] = wid = ok(contractor.post("/v1/workers", json={
            "employer_id": org, "name": f"审计社工{who}", "national_id_number": national_id(n, born="19880808"),
            "phone": f"136000000{n}", "hired_on": "2021-07-01"}), 201)["worker_id"]
        if who != "C":
            ok(contractor.post(f"/v1/workers/{wid}/labour-contract", json={"starts_on": "2021-07-01", "ends_on": None}))
        items = ITEMS[:5] if who == "B" else ITEMS
        ok(contractor.post(f"/v1/workers/{wid}/insurance", json={"items": items, "enrolled_on": "2021-07-01"}))
        for month in MONTHS if who in "AD" else MONTHS[:-1]:
            ok(contractor.post(f"/v1/workers/{wid}/pay", json={"period": month, "gross_fen": 300_000,
                                                               "paid_on": f"{month}-28"}))
        if who != "D":
            ok(contractor.post(f"/v1/workers/{wid}/assignment", json={"station_id": S, "assigned_on": "2021-07-02"}))
    ok(hr.post(f"/v1/workers/{people['D']}/certificates",
               json={"level": "senior", "obtained_on": "2021-07-01", "number": "GJ-T31-D"}))
    ok(admin.post(f"/v1/workers/{people['D']}/supervisor", json={"designated_on": "2021-07-03"}), 201)
    ok(admin.post(f"/v1/supervisors/{people['D']}/stations", json={"station_id": S, "assigned_on": "2021-07-03"}))
    return people


def operate(system: System, people: dict[str, str]) -> None:
    """The station opens once staffed; D holds a session every month but October."""
    admin = system.client("stations")
    eventually(lambda: ok(admin.get(f"/v1/station-status/{S}")).get("headcount") == 3
               if admin.get(f"/v1/station-status/{S}").status_code == 200 else None)
    ok(admin.post(f"/v1/stations/{S}/opening", json={"on": "2021-07-10"}))
    supervisor = system.client("casework", role="supervisor", subject=people["D"])
    for month in ("2021-07", "2021-08", "2021-09", "2021-11"):
        session = {"station_id": S, "held_on": f"{month}-20", "hours": 16, "content": "站点督导"}
        eventually(lambda s=session: supervisor.post("/v1/supervision-sessions", json=s).status_code == 201)


def all_findings(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every page of ``GET /v1/findings``."""
    items, offset = [], 0
    while True:
        page = ok(client.get("/v1/findings", params={**params, "offset": offset, "limit": 500}))
        items += page["items"]
        if page["next"] is None:
            return items
        offset = page["next"]


def ours(items: list[dict[str, Any]], subjects: set[str]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The findings about this story's station and workers, by (rule, subject, period)."""
    return {(f["rule"], f["subject"], f["period"]): f for f in items if f["subject"] in subjects}


def entry(client: httpx.Client, position: int) -> dict[str, Any]:
    """The ledger entry at a position."""
    return ok(client.get("/v1/ledger", params={"after": position - 1, "limit": 1}))["items"][0]


def test_a_stations_half_year_gives_exactly_the_expected_findings_and_they_resolve(system: System) -> None:
    contract, org = station_and_contract(system)
    people = staff(system, org)
    operate(system, people)
    a, b, c, d = (people[x] for x in "ABCD")
    subjects = {S, a, b, c, d}
    auditor = system.client("audit", role="auditor")
    expected = {
        ("ledger_overdue", S, "2021-Q3"): ("sw.stations.service_contract.signed.v1", contract),
        ("pay_missed", b, "2021-11"): ("sw.workforce.worker.hired.v1", b),
        ("pay_missed", c, "2021-11"): ("sw.workforce.worker.hired.v1", c),
        ("labour_contract_missing", c, "2021-07-02"): ("sw.workforce.worker.assigned_to_station.v1", c),
        ("insurance_missing", b, "housing_fund"): ("sw.workforce.worker.hired.v1", b),
        ("supervision_missing", S, "2021-10"): ("sw.workforce.worker.station_supervision_assigned.v1", d),
        ("supervisor_below_minimum", d, "2021-07-03"): ("sw.workforce.worker.supervisor_designated.v1", d),
    }
    found = eventually(lambda: (lambda f: f if set(f) == set(expected) else None)(
        ours(all_findings(auditor, as_of="2021-12-20"), subjects)), timeout=60)
    assert all(f["open"] for f in found.values())
    for key, (type_, subject) in expected.items():
        first = entry(auditor, found[key]["positions"][0])
        assert (first["type"], first["subject"]) == (type_, subject), key
    assert found[("ledger_overdue", S, "2021-Q3")]["since"] == "2021-10-16"
    assert found[("ledger_overdue", S, "2021-Q3")]["township"] == "T31"

    # A township sees its own stations' findings only.
    t31 = all_findings(system.client("audit", role="township", townships=["T31"]), as_of="2021-12-20")
    assert {f["township"] for f in t31} == {"T31"} and ("ledger_overdue", S, "2021-Q3") in ours(t31, subjects)
    assert not ours(all_findings(system.client("audit", role="township", townships=["T01"]), as_of="2021-12-20"),
                    subjects)

    # Published through the audit service's store and relay.
    assert ok(auditor.post("/v1/findings/evaluation"))["as_of"]  # the schedule may have raised them already
    ids = {found[key]["id"] for key in expected}
    eventually(lambda: ids <= published(auditor, "sw.audit.finding.raised"), timeout=30)

    # The facts change on 2021-12-22: the ledger is submitted, the pay recorded, the contract signed, the fund joined.
    fix(system, org, people)
    later = eventually(lambda: (lambda f: f if sum(not x["open"] for x in f.values()) == 5 else None)(
        ours(all_findings(auditor, as_of="2021-12-31"), subjects)), timeout=60)
    assert set(later) == set(expected)
    resolved = {key for key, f in later.items() if not f["open"]}
    assert resolved == set(expected) - {("supervision_missing", S, "2021-10"),
                                        ("supervisor_below_minimum", d, "2021-07-03")}
    assert {later[key]["resolved_on"] for key in resolved} == {"2021-12-22"}
    last = entry(auditor, later[("ledger_overdue", S, "2021-Q3")]["positions"][-1])
    assert last["type"] == "sw.stations.quarterly_ledger.submitted.v1"
    assert ours(all_findings(auditor, as_of="2021-12-20", open="true"), subjects).keys() == expected.keys()
    ok(auditor.post("/v1/findings/evaluation"))
    done = {later[key]["id"] for key in resolved}
    eventually(lambda: done <= published(auditor, "sw.audit.finding.resolved"), timeout=30)

    supervision = next(r for r in ok(auditor.get("/v1/finance/supervision", params={"budget_year": 2021}))["items"]
                       if r["contract_id"] == contract)
    assert (supervision["supervision_fen"], supervision["sessions"], supervision["hours"]) == (6_000_000, 4, 64)
    assert [entry(auditor, p)["type"] for p in supervision["positions"][1:]] == \
        ["sw.casework.supervision_session.held.v1"] * 4
    exports_carry_the_story(system, people)


def published(client: httpx.Client, type_prefix: str) -> set[str]:
    """The subjects (finding ids) of the audit service's published finding events in the ledger."""
    subjects, after = set(), 0
    while True:
        page = ok(client.get("/v1/ledger", params={"after": after, "limit": 1000, "type_prefix": type_prefix}))
        subjects |= {e["subject"] for e in page["items"] if e["source"] == "/sw/audit"}
        if page["next"] is None:
            return subjects
        after = page["next"]


def fix(system: System, org: str, people: dict[str, str]) -> None:
    """What the contractor does on 2021-12-22."""
    contractor = system.client("workforce", role="contractor", organisation=org)
    stations = system.client("stations", role="contractor", organisation=org)
    ok(stations.post(f"/v1/stations/{S}/ledgers", json={
        "year": 2021, "quarter": 3, "services_delivered": 40, "people_served": 30, "activities": 3, "staffing": 3,
        "spending_fen": 12_000_000, "submitted_on": "2021-12-22"}), 201)
    for who in "BC":
        ok(contractor.post(f"/v1/workers/{people[who]}/pay", json={"period": "2021-11", "gross_fen": 300_000,
                                                                    "paid_on": "2021-12-22"}))
    ok(contractor.post(f"/v1/workers/{people['C']}/labour-contract", json={"starts_on": "2021-12-22", "ends_on": None}))
    ok(contractor.post(f"/v1/workers/{people['B']}/insurance",
                       json={"items": ["housing_fund"], "enrolled_on": "2021-12-22"}))


def sheet(client: httpx.Client, name: str, **params: str) -> list[tuple[Any, ...]]:
    """The rows of an exported XLSX (headers first), opened with openpyxl."""
    response = client.get(f"/v1/exports/{name}.xlsx", params=params)
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def exports_carry_the_story(system: System, people: dict[str, str]) -> None:
    finance = system.client("audit", role="finance")
    contracts = sheet(finance, "contracts")
    assert contracts[0][:2] == ("合同编号", "承接机构")
    row = next(r for r in contracts if r[0] == "HT-E2E-T31")
    assert row[9:13] == (600000.0, 60000.0, 300000.0, 300000.0)

    disbursed = [r for r in sheet(finance, "disbursements", **{"from": "2021-07-01", "to": "2021-07-31"})
                 if r[1] == "HT-E2E-T31"]
    assert [(r[0], r[5], r[6]) for r in disbursed] == [("2021-07-05", "BF-T31-1", 300000.0)]

    payroll = [r for r in sheet(finance, "payroll") if r[1] == "审计乡社工服务中心"]
    assert [(r[0], r[2], r[3]) for r in payroll] == [(m, 4, 12000.0) for m in MONTHS]

    insurance = {r[0]: r for r in sheet(finance, "social-insurance")[1:] if str(r[0]).startswith("审计社工")}
    assert insurance["审计社工B"][8] == "2021-12-22" and not insurance["审计社工A"][9]  # nothing missing

    roster = [r for r in sheet(finance, "roster", to="2021-12-31") if r[1] == "审计乡社工服务中心"]
    assert sorted((r[0], r[3], r[7]) for r in roster) == [
        ("审计社工A", "T31", "否"), ("审计社工B", "T31", "否"), ("审计社工C", "T31", "否"), ("审计社工D", None, "是")]

    auditor = system.client("audit", role="auditor")
    rows = sheet(auditor, "findings", to="2021-12-31")
    assert rows[0][:3] == ("规则", "对象", "期间/事项")
    mine = [r for r in rows if r[1] in set(people.values()) | {S}]
    assert len(mine) == 7 and sum(r[7] == "是" for r in mine) == 2
    csv = auditor.get("/v1/exports/findings.csv", params={"to": "2021-12-31"})
    assert csv.content.startswith("\ufeff规则,对象".encode())
