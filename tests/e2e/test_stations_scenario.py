"""One station's whole life and one contract's, over HTTP on the real servers, with the station-status view
checked after each step. The station is T06 (batch 2, deadline 2022-12-31); "staffed" comes the real way:
the workforce service hires two workers and assigns them, and the stations service's staffing policy
consumes those events.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.stations.application import Stations
from services.workforce.domain import credit_code_check_char, national_id_check_char
from tests.kit.plan import PLAN, ok
from tests.kit.system import System
from tests.kit.waiting import eventually

T06 = str(Stations.station_id_for("T06"))
CREDIT_CODE = "52522700MJE2E0106" + credit_code_check_char("52522700MJE2E0106")
ID_NUMBERS = [f"52270119920306{n:03d}" + national_id_check_char(f"52270119920306{n:03d}") for n in (61, 62)]


def view_when(client: httpx.Client, station_id: str, **expected: Any) -> dict[str, Any]:
    """The station's entry of the station-status view, once it shows ``expected``."""
    def probe() -> dict[str, Any] | None:
        response = client.get(f"/v1/station-status/{station_id}")
        if response.status_code == 404:
            return None  # not projected yet
        item = ok(response)
        return item if all(item.get(k) == v for k, v in expected.items()) else None

    return eventually(probe)


def county_batch(client: httpx.Client, as_of: str, batch: int) -> dict[str, Any]:
    body = ok(client.get("/v1/county-status", params={"as_of": as_of}))
    return next(b for b in body["batches"] if b["batch"] == batch)


def test_a_station_from_plan_to_closure_and_its_contract_from_signing_to_termination(system: System) -> None:
    admin = system.client("stations")
    township = system.client("stations", role="township", townships=["T06"])
    evaluator = system.client("stations", role="evaluator", organisation="第三方评估所")
    workforce = system.client("workforce")
    ok(admin.put("/v1/county-plan", json=PLAN))

    # The bureau plans the station of 龙泉镇 (T06): batch 2, to be built by 2022-12-31.
    station = ok(admin.post("/v1/stations", json={"township_code": "T06"}, headers={"Idempotency-Key": "e2e-T06"}),
                 201)
    assert (station["id"], station["status"], station["batch"], station["deadline"]) == \
        (T06, "planned", 2, "2022-12-31")
    view = view_when(admin, T06, status="planned")
    assert view["workers_assigned"] == 0 and view["organisation_id"] is None
    # Batch 2's target is every township the plan puts in it (other tests may add townships to the county).
    in_batch_2 = sum(1 for t in ok(admin.get("/v1/county-plan"))["townships"] if t["batch"] == 2)
    assert in_batch_2 >= 6
    eventually(lambda: county_batch(admin, "2022-01-01", 2)["target"] == in_batch_2)

    # The township provides the office (ETag/If-Match: it saw version 1).
    etag = admin.get(f"/v1/stations/{T06}").headers["ETag"]
    sited = ok(township.put(f"/v1/stations/{T06}/site", headers={"If-Match": etag},
                            json={"office_area_m2": 120.5, "facilities": ["办公桌", "电脑", "档案柜"],
                                  "on": "2022-02-10"}))
    assert sited["status"] == "site_provided" and sited["site"]["office_area_m2"] == 120.5
    view_when(admin, T06, status="site_provided", site_provided_on="2022-02-10")

    # The contractor organisation is registered in the workforce service, then the bureau signs its contract.
    org = ok(workforce.post("/v1/organisations", json={
        "name": "龙泉社工服务中心(e2e)", "unified_social_credit_code": CREDIT_CODE, "registered_in_county": True,
        "registration_place": "本县民政局", "registered_on": "2022-01-05"}), 201)["organisation_id"]
    contract = ok(admin.post("/v1/contracts", json={
        "contract_number": "HT-E2E-T06", "organisation_id": org, "organisation_name": "龙泉社工服务中心",
        "station_ids": [T06], "period_start": "2022-03-01", "period_end": "2023-02-28", "amount_fen": 40_000_000,
        "supervision_fen": 4_000_000, "budget_year": 2022, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2022-03-15", "amount_fen": 20_000_000},
                             {"due_on": "2022-09-15", "amount_fen": 20_000_000}],
        "signed_on": "2022-02-20"}), 201)
    cid = contract["id"]
    assert contract["status"] == "signed" and contract["disbursed_fen"] == 0
    assert ok(admin.get(f"/v1/stations/{T06}"))["status"] == "contractor_assigned"
    view = view_when(admin, T06, status="contractor_assigned", contract_id=cid)
    assert view["organisation_name"] == "龙泉社工服务中心" and view["organisation_id"] == org
    contractor = system.client("stations", role="contractor", organisation=org)
    assert [c["id"] if "id" in c else c["contract_id"] for c in
            eventually(lambda: ok(contractor.get("/v1/contracts"))["items"])] == [cid]

    # The workforce service learns of the contract from the stations events; the contractor hires two workers.
    wf_contractor = system.client("workforce", role="contractor", organisation=org)
    eventually(lambda: T06 in ok(workforce.get(f"/v1/organisations/{org}"))["stations"])
    workers = [ok(wf_contractor.post("/v1/workers", json={
        "employer_id": org, "name": name, "national_id_number": number, "phone": f"1370000006{n}",
        "hired_on": "2022-03-01"}), 201)["worker_id"] for n, (name, number) in
        enumerate(zip(["周琳", "吴刚"], ID_NUMBERS, strict=True))]

    # The first worker is posted to T06: one of the two needed, so the station is not staffed yet.
    ok(wf_contractor.post(f"/v1/workers/{workers[0]}/assignment",
                          json={"station_id": T06, "assigned_on": "2022-03-05"}))
    view = view_when(admin, T06, headcount=1, workers_assigned=1)
    assert view["status"] == "contractor_assigned" and [w["name"] for w in view["workers"]] == ["周琳"]

    # The second worker is posted: the staffing policy records two, and the station is staffed.
    ok(wf_contractor.post(f"/v1/workers/{workers[1]}/assignment",
                          json={"station_id": T06, "assigned_on": "2022-03-06"}))
    view = view_when(admin, T06, status="staffed", headcount=2, workers_assigned=2)
    assert sorted(w["name"] for w in view["workers"]) == ["吴刚", "周琳"]
    station = ok(admin.get(f"/v1/stations/{T06}"))
    assert station["status"] == "staffed" and station["transitions"][-1]["actor"] == "staffing-policy"

    # The station starts serving 龙泉社区 and 泉水村.
    for code in ("T06-01", "T06-02"):
        ok(admin.post(f"/v1/stations/{T06}/villages", json={"village_code": code, "start": "2022-03-10"}))
    view_when(admin, T06, villages_covered=["T06-01", "T06-02"])

    # The bureau opens the station on 2022-04-01: batch 2 counts it from that day, not the day before.
    assert ok(admin.post(f"/v1/stations/{T06}/opening", json={"on": "2022-04-01"}))["status"] == "opened"
    view_when(admin, T06, status="opened", opened_on="2022-04-01")
    assert "T06" in county_batch(admin, "2022-04-01", 2)["opened_townships"]
    assert "T06" not in county_batch(admin, "2022-03-31", 2)["opened_townships"]

    # Two disbursements under the contract.
    for n, (paid_on, amount) in enumerate((("2022-03-15", 20_000_000), ("2022-09-15", 15_000_000)), start=1):
        paid = ok(admin.post(f"/v1/contracts/{cid}/disbursements",
                             json={"amount_fen": amount, "paid_on": paid_on, "reference": f"BF-T06-{n}"}))
        assert len(paid["disbursements"]) == n
    assert paid["disbursed_fen"] == 35_000_000 and paid["remaining_fen"] == 5_000_000
    listed = eventually(lambda: [c for c in ok(admin.get("/v1/contracts", params={"station_id": T06}))["items"]
                                 if c["disbursements"] == 2])
    assert listed[0]["disbursed_fen"] == 35_000_000

    # The contractor submits the 2022 Q2 ledger; the bureau returns it, the contractor resubmits, the bureau accepts.
    figures = {"services_delivered": 120, "people_served": 85, "activities": 6, "staffing": 2,
               "spending_fen": 9_000_000}
    ledger = ok(contractor.post(f"/v1/stations/{T06}/ledgers",
                                json={"year": 2022, "quarter": 2, **figures, "submitted_on": "2022-07-10"}), 201)
    assert (ledger["status"], ledger["late"]) == ("submitted", False)
    assert eventually(lambda: view_when(admin, T06)["latest_ledger"])["status"] == "submitted"
    ok(admin.post(f"/v1/ledgers/{ledger['id']}/return", json={"reasons": ["活动记录缺照片"], "on": "2022-07-20"}))
    assert eventually(lambda: view_when(admin, T06)["latest_ledger"]["status"] == "returned")
    ok(contractor.post(f"/v1/ledgers/{ledger['id']}/resubmission",
                       json={**figures, "activities": 7, "submitted_on": "2022-07-25"}))
    accepted = ok(admin.post(f"/v1/ledgers/{ledger['id']}/acceptance", json={"on": "2022-07-30"}))
    assert accepted["status"] == "accepted" and [r["outcome"] for r in accepted["reviews"]] == ["returned",
                                                                                                "accepted"]
    assert eventually(lambda: view_when(admin, T06)["latest_ledger"]["status"] == "accepted")
    listed = ok(contractor.get("/v1/ledgers", params={"station_id": T06}))
    assert [(r["year"], r["quarter"], r["status"], r["figures"]["activities"]) for r in listed["items"]] \
        == [(2022, 2, "accepted", 7)] and listed["next"] is None

    # The contractor discloses the project's facts (信息公开).
    ok(contractor.post("/v1/disclosures", json={
        "contract_id": cid, "station_id": T06, "kind": "project_facts", "title": "龙泉镇社工站项目情况",
        "content": "项目周期、资金与服务内容", "disclosed_on": "2022-04-05"}), 201)
    eventually(lambda: len(ok(township.get("/v1/disclosures", params={"contract_id": cid}))["items"]) == 1)

    # An evaluator finds one item to rectify; it shows as open until the evaluator closes it.
    evaluation = ok(evaluator.post("/v1/evaluations", json={
        "station_id": T06, "evaluated_on": "2022-10-10", "score": 82, "findings": ["档案不全"],
        "rectification_items": [{"description": "补齐服务档案", "due_on": "2022-11-30"}]}), 201)
    view_when(admin, T06, open_rectification_items=1)
    ok(evaluator.post(f"/v1/evaluations/{evaluation['id']}/items/R1/closure",
                      json={"evidence": "档案已补齐", "closed_on": "2022-11-20"}))
    view_when(admin, T06, open_rectification_items=0)
    assert [(e["score"], e["items"], e["open_items"]) for e in
            ok(township.get("/v1/evaluations", params={"station_id": T06}))["items"]] == [(82, 1, 0)]

    # The township reports a worker put to work as township staff; the bureau resolves it.
    report = ok(township.post("/v1/misuse-reports", json={
        "station_id": T06, "worker_id": workers[0], "description": "被借调做镇政府文书工作",
        "observed_on": "2022-10-12"}), 201)
    ok(admin.post(f"/v1/misuse-reports/{report['id']}/resolution",
                  json={"resolution": "已归还站点岗位", "on": "2022-10-20"}))
    assert eventually(lambda: [r["status"] for r in ok(township.get("/v1/misuse-reports",
                                                                     params={"station_id": T06}))["items"]]
                      == ["resolved"])

    # The station is suspended for renovation, then reopened.
    ok(admin.post(f"/v1/stations/{T06}/suspension", json={"reason": "场地改造", "on": "2022-11-01"}))
    view_when(admin, T06, status="suspended", suspended_on="2022-11-01")
    ok(admin.post(f"/v1/stations/{T06}/reopening", json={"on": "2022-11-15"}))
    view_when(admin, T06, status="opened", suspended_on=None)

    # The contract is amended: the last instalment grows.
    amended = ok(admin.post(f"/v1/contracts/{cid}/amendments", json={
        "reason": "增加服务内容", "amended_on": "2022-12-01", "amount_fen": 42_000_000,
        "payment_schedule": [{"due_on": "2022-03-15", "amount_fen": 20_000_000},
                             {"due_on": "2022-09-15", "amount_fen": 22_000_000}]}))
    assert amended["amount_fen"] == 42_000_000 and len(amended["amendments"]) == 1
    eventually(lambda: ok(admin.get("/v1/contracts", params={"station_id": T06}))["items"][0]["amendments"] == 1)

    # The contract is terminated: the station loses its contractor but stays open (a new contract is needed).
    ended = ok(admin.post(f"/v1/contracts/{cid}/termination", json={"reason": "机构申请退出", "on": "2023-01-31"}))
    assert ended["status"] == "terminated" and ended["terminated_on"] == "2023-01-31"
    view = view_when(admin, T06, organisation_id=None)
    assert view["status"] == "opened" and view["contract_id"] is None
    eventually(lambda: ok(admin.get("/v1/contracts", params={"station_id": T06}))["items"][0]["status"]
               == "terminated")

    # The station closes for good; the county status still counts it as opened in batch 2, but not operating.
    ok(admin.post(f"/v1/stations/{T06}/closure", json={"reason": "乡镇区划调整", "on": "2023-02-28"}))
    view = view_when(admin, T06, status="closed", closed_on="2023-02-28")
    assert [h["status"] for h in view["history"]] == [
        "planned", "site_provided", "contractor_assigned", "staffed", "opened", "suspended", "opened", "closed"]
    after = county_batch(admin, "2023-03-01", 2)
    assert "T06" in after["opened_townships"] and after["by_status"].get("closed", 0) >= 1
    assert after["behind_schedule"] is (after["opened"] < after["target"])
    before_close = county_batch(admin, "2022-12-01", 2)
    assert before_close["by_status"].get("opened", 0) >= 1
