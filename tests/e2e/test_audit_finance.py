"""Finance views over HTTP on the real servers: a 2022 contract for station T32 (a township added to batch 1 for
this story), its disbursements and its organisation's payroll, each figure traced to the ledger entries it sums.
Other stories of the session share the ledger, so the answers are read for this story's contract and organisation.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from services.stations.application import Stations
from tests.kit.ids import credit_code, national_id
from tests.kit.plan import PLAN, ok
from tests.kit.system import System
from tests.kit.waiting import eventually

S = str(Stations.station_id_for("T32"))
TOWNSHIP = {"code": "T32", "name": "账目乡", "kind": "township", "population": 7000, "batch": 1,
            "villages": [{"code": "T32-01", "name": "账目村", "kind": "village"}]}
ORG_NAME = "账目乡社工服务中心"


def contract_paid_twice(system: System) -> tuple[str, str]:
    """Contract HT-E2E-T32 (2022 budget, 400,000 yuan, 40,000 of it supervision), paid 150,000 and 100,000."""
    admin, workforce = system.client("stations"), system.client("workforce")
    ok(admin.put("/v1/county-plan", json=PLAN))
    ok(admin.post("/v1/county-plan/townships", json=TOWNSHIP, headers={"Idempotency-Key": "e2e-add-T32"}), 201)
    ok(admin.post("/v1/stations", json={"township_code": "T32"}), 201)
    etag = admin.get(f"/v1/stations/{S}").headers["ETag"]
    ok(system.client("stations", role="township", townships=["T32"]).put(
        f"/v1/stations/{S}/site", headers={"If-Match": etag},
        json={"office_area_m2": 60, "facilities": ["电脑"], "on": "2022-01-10"}))
    org = ok(workforce.post("/v1/organisations", json={
        "name": ORG_NAME, "unified_social_credit_code": credit_code(32, tag="MJG"), "registered_in_county": True,
        "registration_place": "本县民政局", "registered_on": "2022-01-02"}), 201)["organisation_id"]
    contract = ok(admin.post("/v1/contracts", json={
        "contract_number": "HT-E2E-T32", "organisation_id": org, "organisation_name": ORG_NAME, "station_ids": [S],
        "period_start": "2022-02-01", "period_end": "2023-01-31", "amount_fen": 40_000_000,
        "supervision_fen": 4_000_000, "budget_year": 2022, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2022-02-15", "amount_fen": 15_000_000},
                             {"due_on": "2022-03-15", "amount_fen": 25_000_000}],
        "signed_on": "2022-01-20"}), 201)["id"]
    for n, (on, amount) in enumerate((("2022-02-15", 15_000_000), ("2022-03-15", 10_000_000)), start=1):
        ok(admin.post(f"/v1/contracts/{contract}/disbursements",
                      json={"amount_fen": amount, "paid_on": on, "reference": f"BF-T32-{n}"}))
    return contract, org


def paid_workers(system: System, org: str) -> list[str]:
    """Two workers of the organisation paid for 2022-02 and 2022-03."""
    contractor = system.client("workforce", role="contractor", organisation=org)
    workers = []
    for n in (91, 92):
        wid = ok(contractor.post("/v1/workers", json={
            "employer_id": org, "name": f"账目社工{n}", "national_id_number": national_id(n, born="19870707"),
            "phone": f"135000000{n}", "hired_on": "2022-02-01"}), 201)["worker_id"]
        for month in ("2022-02", "2022-03"):
            ok(contractor.post(f"/v1/workers/{wid}/pay", json={"period": month, "gross_fen": 250_000 + n,
                                                               "paid_on": f"{month}-25"}))
        workers.append(wid)
    return workers


def entry(client: httpx.Client, position: int) -> dict[str, Any]:
    """The ledger entry at a position."""
    return ok(client.get("/v1/ledger", params={"after": position - 1, "limit": 1}))["items"][0]


def test_contract_disbursements_payroll_and_budget_each_traced_to_the_ledger(system: System) -> None:
    contract, org = contract_paid_twice(system)
    workers = paid_workers(system, org)
    finance = system.client("audit", role="finance")

    def ours() -> dict[str, Any] | None:
        rows = ok(finance.get("/v1/finance/contracts", params={"budget_year": 2022}))["items"]
        row = next((r for r in rows if r["contract_id"] == contract), None)
        return row if row and row["disbursed_fen"] == 25_000_000 else None

    row = eventually(ours, timeout=60)
    assert (row["amount_fen"], row["supervision_fen"], row["remaining_fen"]) == (40_000_000, 4_000_000, 15_000_000)
    types = [entry(finance, p)["type"] for p in row["positions"]]
    assert types == ["sw.stations.service_contract.signed.v1"] + ["sw.stations.service_contract.disbursed.v1"] * 2
    assert {entry(finance, p)["subject"] for p in row["positions"]} == {contract}

    march = [d for d in ok(finance.get("/v1/finance/disbursements", params={"from": "2022-03-01", "to": "2022-03-31"}))
             ["items"] if d["contract_id"] == contract]
    assert [(d["reference"], d["amount_fen"]) for d in march] == [("BF-T32-2", 10_000_000)]
    assert entry(finance, march[0]["positions"][0])["event"]["data"]["reference"] == "BF-T32-2"

    payroll = eventually(lambda: [r for r in ok(finance.get("/v1/finance/payroll"))["items"]
                                  if r["organisation_id"] == org and r["workers_paid"] == 2] or None, timeout=60)
    assert [(r["month"], r["gross_fen"], r["organisation_name"]) for r in payroll] == [
        ("2022-02", 500_183, ORG_NAME), ("2022-03", 500_183, ORG_NAME)]
    assert {entry(finance, p)["subject"] for r in payroll for p in r["positions"]} == set(workers)
    assert sum(entry(finance, p)["event"]["data"]["gross_fen"] for p in payroll[0]["positions"]) == 500_183

    [year] = [y for y in ok(finance.get("/v1/finance/budget"))["items"] if y["budget_year"] == 2022]
    assert set(row["positions"]) <= set(year["positions"])
    assert year["budget_fen"] >= 40_000_000 and year["disbursed_fen"] >= 25_000_000
    assert year["remaining_fen"] == year["budget_fen"] - year["disbursed_fen"]

    preview = ok(finance.get("/v1/exports/disbursements.csv", params={"from": "2022-03-15", "to": "2022-03-15"},
                             headers={"Accept": "application/json"}))
    assert preview["title"] == "拨付明细" and preview["headers"][0] == "拨付日期"
    assert ["2022-03-15", "HT-E2E-T32"] in [r[:2] for r in preview["rows"]]


def test_who_may_read_and_what_is_refused(system: System) -> None:
    contractor = system.client("audit", role="contractor", organisation="org-x")
    assert contractor.get("/v1/finance/contracts").status_code == 403
    assert contractor.get("/v1/findings").status_code == 403
    assert contractor.get("/v1/exports/payroll.xlsx").status_code == 403
    finance = system.client("audit", role="finance")
    refused = finance.get("/v1/exports/payroll.csv", params={"from": "2022-03-01", "to": "2022-02-01"})
    assert refused.status_code == 422 and "from" in refused.text
    unknown = finance.get("/v1/finance/payroll", params={"month": "2022-02"})
    assert unknown.status_code == 422 and "month" in unknown.text
    assert finance.get("/v1/findings", params={"rule": "no_such_rule"}).status_code == 422
    assert finance.get(f"/v1/findings/{uuid4()}").status_code == 404
    assert finance.post("/v1/findings/evaluation").status_code == 403
