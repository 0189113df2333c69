"""A year of casework over HTTP on the real servers: the workforce service posts two social workers and a supervisor,
the casework service learns it from the stream, and a child's case runs through every step.

Dates are 2023, a year no workforce story queries, so their as-of answers stay theirs alone; the postings last
to this day, so the workers read personal data today.

Who works where comes from workforce events only (the casework service never reads the workforce database).
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx

from tests.kit.ids import credit_code, national_id
from tests.kit.system import System
from tests.kit.waiting import eventually

EAST, WEST = (str(uuid5(NAMESPACE_URL, f"urn:e2e:casework:station:{n}")) for n in ("east", "west"))
CREDIT_CODE = credit_code(1, tag="MJC")


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def staff(system: System) -> dict[str, str]:
    """An organisation holding both stations, a worker at each, and a supervisor of the east station."""
    admin, hr = system.client("workforce"), system.client("workforce", role="hr_social_security")
    org = ok(admin.post("/v1/organisations", json={
        "name": "康宁社工服务中心", "unified_social_credit_code": CREDIT_CODE, "registered_in_county": True,
        "registration_place": "本县民政局", "registered_on": "2023-01-05"}), 201)["organisation_id"]
    ok(admin.post(f"/v1/organisations/{org}/contracts", json={
        "contract_id": str(uuid5(NAMESPACE_URL, "urn:e2e:casework:contract")), "station_ids": [EAST, WEST],
        "source_seq": 1}))
    people = {}
    for n, (who, station) in enumerate((("east", EAST), ("west", WEST), ("supervisor", None)), start=51):
        people[who] = ok(admin.post("/v1/workers", json={
            "employer_id": org, "name": f"社工{n}", "national_id_number": national_id(n, born="19850101"),
            "phone": f"139000000{n}", "hired_on": "2023-01-10"}), 201)["worker_id"]
        if station:
            ok(admin.post(f"/v1/workers/{people[who]}/assignment", json={"station_id": station,
                                                                          "assigned_on": "2023-01-11"}))
    ok(hr.post(f"/v1/workers/{people['supervisor']}/certificates",
               json={"level": "senior", "obtained_on": "2023-01-12", "number": "GJ-CW-1"}))
    ok(admin.post(f"/v1/workers/{people['supervisor']}/supervisor", json={"designated_on": "2023-01-13"}), 201)
    ok(admin.post(f"/v1/supervisors/{people['supervisor']}/stations",
                  json={"station_id": EAST, "assigned_on": "2023-01-13"}))
    return people | {"org": org}


def test_a_childs_case_and_a_stations_year_over_http(system: System) -> None:
    people = staff(system)
    east = system.client("casework", role="social_worker", subject=people["east"])
    west = system.client("casework", role="social_worker", subject=people["west"])
    supervisor = system.client("casework", role="supervisor", subject=people["supervisor"])
    admin = system.client("casework")
    finance = system.client("casework", role="finance")
    auditor = system.client("casework", role="auditor")
    contractor = system.client("casework", role="contractor", organisation=CREDIT_CODE)

    # The east worker registers a left-behind child with her grandmother's consent, once the stream has told the
    # casework service where the worker is posted.
    child = {
        "station_id": EAST, "township_code": "T05", "village_code": "V51", "household_ref": "H-51",
        "household_size": 2, "target_groups": ["left_behind_child", "minor"], "registered_on": "2023-03-01",
        "personal": {"name": "陈小雨", "national_id_number": national_id(61, born="20140909"),
                     "birth_date": "2014-09-09", "address": "五村二组", "health_notes": "轻度听力障碍",
                     "guardian": {"name": "陈奶奶", "relation": "grandmother", "consented_on": "2023-02-27"}},
    }
    registered = eventually(lambda: (r := east.post("/v1/beneficiaries", json=child)).status_code == 201 and r)
    bid = registered.json()["id"]
    assert registered.json()["child"] is True and "陈小雨" not in registered.text
    without_consent = {**child, "personal": {k: v for k, v in child["personal"].items() if k != "guardian"}}
    refusal = east.post("/v1/beneficiaries", json=without_consent)
    assert refusal.status_code == 409
    assert refusal.json()["type"] == "urn:sw:problem:casework.beneficiary.guardian_consent_required"
    assert west.post("/v1/beneficiaries", json=child).status_code == 403, "the west worker is not posted east"

    # Personal data: the east worker and the contractor read it (logged); the west worker and finance may not.
    assert ok(east.get(f"/v1/beneficiaries/{bid}/personal-data", params={"purpose": "home visit"}))["name"] == "陈小雨"
    assert ok(contractor.get(f"/v1/beneficiaries/{bid}/personal-data", params={"purpose": "case review"}))[
        "guardian"]["name"] == "陈奶奶"
    for refused in (west, finance, supervisor):
        assert refused.get(f"/v1/beneficiaries/{bid}/personal-data", params={"purpose": "curious"}).status_code == 403
    log = ok(auditor.get("/v1/personal-data-reads", params={"beneficiary_id": bid}))["items"]
    assert [(e["actor"], e["purpose"]) for e in log] == [("e2e-contractor", "case review"),
                                                         (people["east"], "home visit")]

    # The case: intake, assessment with guardianship, plan, services in two domains, review, closure, reopening.
    opened = east.post("/v1/cases", json={"beneficiary_id": bid, "opened_on": "2023-03-02", "notes": "学校转介"})
    case = ok(opened, 201)["id"]
    assert opened.headers["Location"] == f"/v1/cases/{case}" and opened.headers["ETag"] == '"1"'
    early = east.post(f"/v1/cases/{case}/reviews", json={"on": "2023-03-03", "goals_met": 0})
    assert early.status_code == 409 and early.json()["rule"] == "casework.case.no_services"
    no_guardianship = east.post(f"/v1/cases/{case}/assessments", json={"on": "2023-03-05", "needs": ["child_welfare"]})
    assert no_guardianship.json()["rule"] == "casework.case.guardianship_assessment_required"
    assessed = east.post(f"/v1/cases/{case}/assessments", json={
        "on": "2023-03-05", "needs": ["child_welfare", "social_assistance"], "household_income_fen": 90000,
        "household_size": 2, "guardianship": "inadequate", "notes": "父母在外务工"})
    assert ok(assessed)["stage"] == "assessed" and assessed.headers["ETag"] == '"2"'
    stale = east.put(f"/v1/cases/{case}/plan", json={"on": "2023-03-08", "goals": ["x"]}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    ok(east.put(f"/v1/cases/{case}/plan", json={"on": "2023-03-08", "goals": ["监护落实", "学业支持"],
                                                "review_by": "2023-06-30"}, headers={"If-Match": '"2"'}))
    ok(east.post(f"/v1/cases/{case}/services", json={"on": "2023-03-15", "domain": "child_welfare",
                                                     "service_type": "family_visit_check", "minutes": 90}))
    ok(east.post(f"/v1/cases/{case}/services", json={"on": "2023-04-02", "domain": "social_assistance",
                                                     "service_type": "resource_linking", "minutes": 60,
                                                     "notes": "链接助学金"}))
    ok(east.post(f"/v1/cases/{case}/reviews", json={"on": "2023-06-20", "goals_met": 2}))
    closed = ok(east.post(f"/v1/cases/{case}/closure", json={"on": "2023-06-30", "outcome": "goals_met"}))
    assert closed["stage"] == "closed"
    reopened = ok(east.post(f"/v1/cases/{case}/reopening", json={"on": "2023-10-08", "reassess": True}))
    assert reopened["stage"] == "intake" and len(reopened["services"]) == 2
    assert ok(finance.get(f"/v1/cases/{case}"))["closures"] == [{"on": "2023-06-30", "outcome": "goals_met"}]
    notes = ok(east.get(f"/v1/cases/{case}/notes", params={"purpose": "case conference"}))["notes"]
    assert [n["step"] for n in notes] == ["intake", "assessment", "plan", "service"]
    assert notes[2]["goals"] == ["监护落实", "学业支持"] and "父母在外务工" not in finance.get(f"/v1/cases/{case}").text
    assert finance.get(f"/v1/cases/{case}/notes", params={"purpose": "audit"}).status_code == 403
    assert ok(auditor.get("/v1/personal-data-reads", params={"beneficiary_id": bid}))["items"][0]["record"] == \
        f"case:{case}"

    # A group activity with professional content; one without a method is refused with the rule named.
    activity = {"kind": "group", "station_id": EAST, "held_on": "2023-05-14", "title": "留守儿童成长小组",
                "goal": "增强自我保护意识", "method": "小组工作: 情景模拟", "participants": 10,
                "beneficiary_ids": [bid], "volunteers": 3}
    recorded = east.post("/v1/activities", json=activity)
    assert ok(system.client("casework", role="evaluator").get(recorded.headers["Location"])) == ok(recorded, 201)
    empty = east.post("/v1/activities", json={**activity, "method": ""})
    assert empty.status_code == 409 and empty.json()["rule"] == "casework.activity.no_professional_content"

    # The village's points ledger: a household earns points for the clean-up and spends some; never more than held.
    award = {"station_id": EAST, "village_code": "V51", "household_ref": "H-51", "points": 30,
             "category": "环境整治", "on": "2023-05-15"}
    assert ok(east.post("/v1/village-points/awards", json=award))["awarded"] == 30
    refused = east.post("/v1/village-points/redemptions", json={
        "station_id": EAST, "village_code": "V51", "household_ref": "H-51", "points": 31, "item": "米",
        "on": "2023-05-16"})
    assert refused.json()["rule"] == "casework.points.insufficient"
    assert ok(admin.get(f"/v1/village-points/{EAST}/V51"))["households"] == [{"household_ref": "H-51", "balance": 30}]

    # The east station's supervisor records May's session; the west station is not his.
    session = {"station_id": EAST, "held_on": "2023-05-20", "hours": 16, "content": "个案记录与伦理督导"}
    held = supervisor.post("/v1/supervision-sessions", json=session)
    assert ok(admin.get(held.headers["Location"]))["hours"] == ok(held, 201)["hours"] == 16
    not_his = supervisor.post("/v1/supervision-sessions", json={**session, "station_id": WEST})
    assert not_his.json()["rule"] == "casework.supervision.not_stations_supervisor"
    may = eventually(lambda: [s for s in ok(admin.get("/v1/supervision-coverage", params={"month": "2023-05"}))
                              ["items"] if s["station_id"] == EAST and s["sessions"] == 1])
    assert may[0]["supervised"] and may[0]["meets_minimum_hours"] and may[0]["supervisor_ids"] == [people["supervisor"]]
    june = [s for s in ok(admin.get("/v1/supervision-coverage", params={"month": "2023-06"}))["items"]
            if s["station_id"] == EAST]
    assert june[0]["supervised"] is False, "a month without a session shows"

    # The child's parents lose contact: she is now a de facto unsupported child, whose allowance the bureau asks
    # the east worker to verify (refused before, when she was not in that group).
    verification = {"kind": "unsupported_child_allowance", "station_id": EAST, "worker_id": people["east"],
                    "beneficiary_id": bid, "assigned_on": "2023-07-01", "due_on": "2023-07-31"}
    assert admin.post("/v1/verifications", json=verification).json()["rule"] == "casework.verification.not_in_group"
    groups = ok(east.put(f"/v1/beneficiaries/{bid}/target-groups", json={
        "target_groups": ["unsupported_child", "minor"], "changed_on": "2023-06-15"}))
    assert groups["target_groups"] == ["minor", "unsupported_child"]
    task = ok(admin.post("/v1/verifications", json=verification), 201)
    assert (task["beneficiary_id"], task["done_on"]) == (bid, None)
    done = ok(east.post(f"/v1/verifications/{task['id']}/completion", json={"done_on": "2023-07-20",
                                                                           "result": "confirmed"}))
    assert (done["done_on"], done["result"]) == ("2023-07-20", "confirmed")
    assert ok(admin.get(f"/v1/verifications/{task['id']}")) == done

    # The counts of the east station.
    stats = eventually(lambda: (s := ok(admin.get("/v1/casework-statistics", params={"station_id": EAST})))
                       ["services"] == 2 and s)
    assert stats["beneficiaries"] == 1 and stats["cases_by_stage"] == {"intake": 1}
    assert stats["services_by_domain"] == {"child_welfare": 1, "social_assistance": 1}
    assert stats["service_minutes"] == 150
    listed = ok(admin.get("/v1/cases", params={"station_id": EAST}))["items"]
    assert [(c["case_id"], c["stage"]) for c in listed] == [(case, "intake")]
