"""``python -m deploy.demo``: a demonstration year of the seed county, loaded through the services' HTTP APIs.

After ``services.stations.seed`` has planned the county's stations, this fills every view a newcomer opens: six
stations sited and under contract with two organisations, five of them staffed, opened and supervised; the 2020
workforce baseline and 2021's official figures; twelve workers hired, certified, under labour contract, posted,
insured, trained and paid for four months; a supervisor of five stations; beneficiaries (a child registered with
her guardian's consent), cases with services in two domains, a group activity, a verification and three months of
supervision sessions. Every command carries an ``Idempotency-Key`` (``demo-…``), so a second run records nothing.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.stations.domain import Station
from services.stations.seed import BATCHES, COUNTY_NAME, PERIOD_END_YEAR, PERIOD_START_YEAR, TOWNSHIPS
from services.workforce.domain import credit_code_check_char, national_id_check_char
from shared.auth import mint
from shared.settings import SERVICE_PORTS, Settings

PLAN = {
    "county_name": COUNTY_NAME, "period_start_year": PERIOD_START_YEAR, "period_end_year": PERIOD_END_YEAR,
    "batches": [{"batch": b["batch"], "deadline": str(b["deadline"])} for b in BATCHES],
    "townships": [{k: (str(v) if k == "population_as_of" else v) for k, v in t.items()} for t in TOWNSHIPS],
}
OPENED = ("T01", "T02", "T03", "T04", "T05")  # staffed (two workers each) and opened on 2021-06-01
UNDERSTAFFED = "T06"  # sited and under contract, one worker: not staffed yet
MONTHS = ("2021-05", "2021-06", "2021-07", "2021-08")
WAIT_SECONDS = 60.0


def credit_code(seq: int) -> str:
    """A valid unified social credit code (GB 32100) of demonstration organisation ``seq``."""
    first17 = f"52522700MJD{seq:06d}"
    return first17 + credit_code_check_char(first17)


def national_id(seq: int, born: str) -> str:
    """A valid national id number (GB 11643) of demonstration person ``seq``."""
    first17 = f"522701{born}{seq:03d}"
    return first17 + national_id_check_char(first17)


ORGANISATIONS = [
    {"key": "A", "name": "XX县阳光社会工作服务中心", "unified_social_credit_code": credit_code(1),
     "registered_in_county": True, "registration_place": "XX县民政局", "registered_on": "2021-01-05",
     "stations": ("T01", "T02", "T03"), "contract_number": "XXMZ-2021-DEMO-A"},
    {"key": "B", "name": "XX州和美社会工作服务社", "unified_social_credit_code": credit_code(2),
     "registered_in_county": False, "registration_place": "XX州民政局", "registered_on": "2020-06-18",
     "stations": ("T04", "T05", "T06"), "contract_number": "XXMZ-2021-DEMO-B"},
]
# (seq, name, township, certificate level or None)
WORKERS = [
    (1, "李娜", "T01", "social_worker"), (2, "王强", "T01", "assistant"), (3, "张敏", "T02", "assistant"),
    (4, "刘洋", "T02", None), (5, "陈静", "T03", "assistant"), (6, "杨帆", "T03", "assistant"),
    (7, "赵磊", "T04", "social_worker"), (8, "黄丽", "T04", None), (9, "周杰", "T05", "assistant"),
    (10, "吴芳", "T05", "assistant"), (11, "徐婷", "T06", None),
]
SUPERVISOR = (12, "孙慧", "social_worker")


@dataclass
class Reply:
    """A service's answer."""

    status_code: int
    text: str

    def json(self) -> Any:
        """The body, decoded."""
        return json.loads(self.text)


@dataclass
class Api:
    """One service with one caller's token (the standard library's HTTP client: the demo needs nothing else)."""

    base_url: str
    token: str

    def request(self, method: str, path: str, json_body: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        """Sends a request and answers the reply, whatever its status."""
        data = None if json_body is None else json.dumps(json_body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def get(self, path: str) -> Reply:
        """A query."""
        return self.request("GET", path)


class Demo:
    """The calls of the demonstration, each with its Idempotency-Key, on the services at ``urls``."""

    def __init__(self, settings: Settings, urls: dict[str, str]) -> None:
        self.settings = settings
        self.urls = urls
        self.clients: dict[tuple[str, str, str, str, tuple[str, ...]], Api] = {}

    def client(self, service: str, role: str = "civil_affairs_admin", subject: str = "demo-admin",
               organisation: str = "county-civil-affairs", townships: tuple[str, ...] = ()) -> Api:
        """A client of ``service`` with a development token for ``role``."""
        key = (service, role, subject, organisation, townships)
        if key not in self.clients:
            token = mint(self.settings, subject=subject, role=role, organisation=organisation, townships=townships)
            self.clients[key] = Api(self.urls[service], token)
        return self.clients[key]

    def send(self, client: Api, method: str, path: str, body: dict[str, Any], key: str,
             wait: bool = False) -> dict[str, Any]:
        """Sends one command; ``wait``: retries while the other services' events have not arrived yet."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            response = client.request(method, path, body, headers={"Idempotency-Key": f"demo-{key}"})
            if response.status_code in (200, 201):
                return response.json()
            if not wait or time.monotonic() > deadline or response.status_code not in (403, 404, 409):
                raise RuntimeError(f"{method} {path} ({key}): {response.status_code} {response.text}")
            time.sleep(0.5)

    def until(self, what: str, probe: Callable[[], Any]) -> Any:
        """Waits until ``probe`` answers something truthy (a projection has caught up)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not (value := probe()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the demonstration waited {WAIT_SECONDS:.0f}s for {what}")
            time.sleep(0.5)
        return value


def load_demo(settings: Settings, urls: dict[str, str]) -> dict[str, Any]:
    """Loads the demonstration year; a second call records nothing. Answers what it touched."""
    demo = Demo(settings, urls)
    stations = _stations(demo)
    workforce = _workforce(demo, stations)
    _open_stations(demo, stations)
    casework = _casework(demo, stations, workforce)
    _ledgers(demo, stations)
    return {"stations": stations, "organisations": workforce["organisations"], "workers": workforce["workers"],
            "supervisor": workforce["supervisor"], **casework}


# --- stations -----------------------------------------------------------------------------------


def _stations(demo: Demo) -> dict[str, str]:
    """The county plan (as seeded), each station planned, six sited and under contract."""
    admin = demo.client("stations")
    demo.send(admin, "PUT", "/v1/county-plan", PLAN, "county-plan")
    ids = {t["code"]: str(Station.id_for(t["code"])) for t in TOWNSHIPS}
    for code, station_id in ids.items():
        if admin.get(f"/v1/stations/{station_id}").status_code == 404:  # make run's seed has planned them
            demo.send(admin, "POST", "/v1/stations", {"township_code": code}, f"station-{code}")
    for n, code in enumerate((*OPENED, UNDERSTAFFED), start=1):
        clerk = demo.client("stations", role="township", subject=f"{code.lower()}-clerk", organisation="",
                            townships=(code,))
        demo.send(clerk, "PUT", f"/v1/stations/{ids[code]}/site",
                  {"office_area_m2": 60 + 10 * n, "facilities": ["办公室", "个案室", "活动室"],
                   "on": f"2021-03-{n:02d}"}, f"site-{code}")
    for org in ORGANISATIONS:
        demo.send(admin, "POST", "/v1/contracts", {
            "contract_number": org["contract_number"], "organisation_id": org["unified_social_credit_code"],
            "organisation_name": org["name"], "station_ids": [ids[c] for c in org["stations"]],
            "period_start": "2021-04-01", "period_end": "2022-03-31", "amount_fen": 90_000_000,
            "supervision_fen": 9_000_000, "budget_year": 2021, "budget_line": "2080299",
            "payment_schedule": [{"due_on": "2021-04-15", "amount_fen": 45_000_000},
                                 {"due_on": "2021-10-15", "amount_fen": 45_000_000}],
            "signed_on": "2021-04-01"}, f"contract-{org['key']}")
    return ids


def _open_stations(demo: Demo, ids: dict[str, str]) -> None:
    """Opens the five staffed stations once the staffing policy has recorded their workers."""
    admin = demo.client("stations")
    for code in OPENED:
        station = demo.until(f"station {code} to be staffed", lambda c=code: (
            s := admin.get(f"/v1/stations/{ids[c]}").json())["status"] in ("staffed", "opened") and s)
        if station["status"] == "staffed":
            demo.send(admin, "POST", f"/v1/stations/{ids[code]}/opening", {"on": "2021-06-01"}, f"open-{code}")
    demo.until(f"station {UNDERSTAFFED}'s worker",
               lambda: admin.get(f"/v1/stations/{ids[UNDERSTAFFED]}").json()["headcount"] == 1)


def _ledgers(demo: Demo, ids: dict[str, str]) -> None:
    """The second quarter's ledger of T01, submitted by its contractor and accepted by the bureau."""
    org = ORGANISATIONS[0]
    contractor = demo.client("stations", role="contractor", subject="demo-contractor-a",
                             organisation=org["unified_social_credit_code"])
    ledger = demo.send(contractor, "POST", f"/v1/stations/{ids['T01']}/ledgers", {
        "year": 2021, "quarter": 2, "services_delivered": 46, "people_served": 31, "activities": 3, "staffing": 2,
        "spending_fen": 18_500_000, "submitted_on": "2021-07-12"}, "ledger-T01-2021Q2")
    if ledger["status"] == "submitted":
        demo.send(demo.client("stations"), "POST", f"/v1/ledgers/{ledger['id']}/acceptance",
                  {"on": "2021-07-20"}, "ledger-T01-2021Q2-accepted")


# --- workforce ----------------------------------------------------------------------------------


def _workforce(demo: Demo, stations: dict[str, str]) -> dict[str, Any]:
    """Baseline, organisations, workers through their first months, and a supervisor of five stations."""
    admin, hr = demo.client("workforce"), demo.client("workforce", role="hr_social_security", subject="demo-hr")
    demo.send(admin, "POST", "/v1/baseline", {"year": 2020, "certified_social_workers": 4, "professionals": 6},
              "baseline")
    demo.send(admin, "POST", "/v1/baseline/yearly-figures",
              {"year": 2021, "certified_social_workers": 9, "professionals": 9}, "yearly-2021")
    orgs = {}
    for org in ORGANISATIONS:
        body = {k: org[k] for k in ("name", "unified_social_credit_code", "registered_in_county",
                                    "registration_place", "registered_on")}
        orgs[org["key"]] = demo.send(admin, "POST", "/v1/organisations", body, f"org-{org['key']}")["organisation_id"]
    workers = {}
    for seq, name, township, level in WORKERS:
        org = next(o for o in ORGANISATIONS if township in o["stations"])
        workers[name] = _worker(demo, orgs[org["key"]], org, seq, name, level, hr)
        demo.send(admin, "POST", f"/v1/workers/{workers[name]}/assignment",
                  {"station_id": stations[township], "assigned_on": "2021-04-15"}, f"assign-{seq}")
    seq, name, level = SUPERVISOR
    supervisor = _worker(demo, orgs["A"], ORGANISATIONS[0], seq, name, level, hr)
    demo.send(admin, "POST", f"/v1/workers/{supervisor}/supervisor", {"designated_on": "2021-05-01"}, "supervisor")
    for code in OPENED:
        demo.send(admin, "POST", f"/v1/supervisors/{supervisor}/stations",
                  {"station_id": stations[code], "assigned_on": "2021-05-01"}, f"supervise-{code}")
    for key, org_id in orgs.items():  # the stations service's contracts reach the organisations through the stream
        demo.until(f"organisation {key}'s contract", lambda o=org_id: admin.get(f"/v1/organisations/{o}").json()
                   .get("contracts"))
    return {"organisations": orgs, "workers": workers, "supervisor": supervisor}


def _worker(demo: Demo, org_id: str, org: dict[str, Any], seq: int, name: str, level: str | None,
            hr: Api) -> str:
    """One worker hired by ``org``: certificate, labour contract, insurance, in-house training and four months' pay."""
    admin = demo.client("workforce")
    contractor = demo.client("workforce", role="contractor", subject=f"demo-contractor-{org['key'].lower()}",
                             organisation=org["unified_social_credit_code"])
    worker = demo.send(admin, "POST", "/v1/workers", {
        "employer_id": org_id, "name": name, "national_id_number": national_id(seq, born=f"19{88 + seq % 8}0315"),
        "phone": f"1390851{seq:04d}", "hired_on": "2021-04-10"}, f"hire-{seq}")["worker_id"]
    if level is not None:
        demo.send(hr, "POST", f"/v1/workers/{worker}/certificates",
                  {"level": level, "obtained_on": "2020-10-20", "number": f"DEMO-{level[:2].upper()}-{seq:03d}"},
                  f"certificate-{seq}")
    demo.send(contractor, "POST", f"/v1/workers/{worker}/labour-contract",
              {"starts_on": "2021-04-10", "ends_on": "2024-04-09"}, f"labour-contract-{seq}")
    demo.send(contractor, "POST", f"/v1/workers/{worker}/insurance", {
        "items": ["pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund"],
        "enrolled_on": "2021-05-01"}, f"insurance-{seq}")
    demo.send(contractor, "POST", f"/v1/workers/{worker}/training",
              {"course": "机构内训：个案工作记录规范", "hours": 8, "completed_on": "2021-05-20"}, f"training-{seq}")
    for month in MONTHS:
        year, mm = month.split("-")
        demo.send(contractor, "POST", f"/v1/workers/{worker}/pay",
                  {"period": month, "gross_fen": 360_000, "paid_on": f"{year}-{int(mm) + 1:02d}-10"},
                  f"pay-{seq}-{month}")
    return worker


# --- casework -----------------------------------------------------------------------------------


def _casework(demo: Demo, stations: dict[str, str], workforce: dict[str, Any]) -> dict[str, Any]:
    """Beneficiaries, cases, an activity, a verification and three months of supervision."""
    li = demo.client("casework", role="social_worker", subject=workforce["workers"]["李娜"], organisation="")
    zhang = demo.client("casework", role="social_worker", subject=workforce["workers"]["张敏"], organisation="")
    t01, t02 = stations["T01"], stations["T02"]
    child = demo.send(li, "POST", "/v1/beneficiaries", {
        "station_id": t01, "township_code": "T01", "village_code": "T01-04", "household_ref": "DEMO-H-01",
        "household_size": 3, "target_groups": ["left_behind_child", "minor"], "registered_on": "2021-06-03",
        "personal": {"name": "陈小雨", "national_id_number": national_id(61, born="20130909"),
                     "birth_date": "2013-09-09", "address": "北门村二组",
                     "guardian": {"name": "陈奶奶", "relation": "grandmother", "consented_on": "2021-06-02"}},
    }, "beneficiary-child", wait=True)["id"]
    elder = demo.send(li, "POST", "/v1/beneficiaries", {
        "station_id": t01, "township_code": "T01", "village_code": "T01-05", "household_ref": "DEMO-H-02",
        "household_size": 1, "target_groups": ["extremely_poor", "elderly_in_difficulty"],
        "registered_on": "2021-06-05",
        "personal": {"name": "王大爷", "national_id_number": national_id(62, born="19380211"),
                     "birth_date": "1938-02-11", "address": "桥头村五组", "health_notes": "高血压"},
    }, "beneficiary-elder", wait=True)["id"]
    disabled = demo.send(zhang, "POST", "/v1/beneficiaries", {
        "station_id": t02, "township_code": "T02", "village_code": "T02-02", "household_ref": "DEMO-H-03",
        "household_size": 4, "target_groups": ["disabled", "minimum_livelihood"], "registered_on": "2021-06-08",
        "personal": {"name": "刘建国", "national_id_number": national_id(63, born="19760502"),
                     "birth_date": "1976-05-02", "address": "上坪村一组", "health_notes": "肢体残疾二级"},
    }, "beneficiary-disabled", wait=True)["id"]
    cases = [_child_case(demo, li, child), _elder_case(demo, li, elder)]
    demo.send(li, "POST", "/v1/activities", {
        "kind": "group", "station_id": t01, "held_on": "2021-07-17", "title": "留守儿童暑期成长小组",
        "goal": "增强自我保护意识与同伴支持", "method": "小组工作：情景模拟与分享", "participants": 12,
        "beneficiary_ids": [child], "volunteers": 3}, "activity-T01-summer")
    admin = demo.client("casework")
    task = demo.send(admin, "POST", "/v1/verifications", {
        "kind": "high_age_subsidy", "station_id": t01, "worker_id": workforce["workers"]["李娜"],
        "beneficiary_id": elder, "assigned_on": "2021-08-02", "due_on": "2021-08-31"}, "verification-elder")
    if task.get("done_on") is None:
        demo.send(li, "POST", f"/v1/verifications/{task['id']}/completion",
                  {"done_on": "2021-08-16", "result": "confirmed"}, "verification-elder-done")
    supervisor = demo.client("casework", role="supervisor", subject=workforce["supervisor"], organisation="")
    for code in OPENED:
        for month, hours in (("2021-06", 16), ("2021-07", 16), ("2021-08", 12 if code == "T05" else 16)):
            demo.send(supervisor, "POST", "/v1/supervision-sessions", {
                "station_id": stations[code], "held_on": f"{month}-2{OPENED.index(code)}", "hours": hours,
                "content": "个案督导：记录规范与伦理"}, f"supervision-{code}-{month}", wait=True)
    return {"beneficiaries": [child, elder, disabled], "cases": cases}


def _child_case(demo: Demo, worker: Api, child: str) -> str:
    """The child's case from intake to review, with services in two domains."""
    case = demo.send(worker, "POST", "/v1/cases", {"beneficiary_id": child, "opened_on": "2021-06-03",
                                                    "notes": "学校转介"}, "case-child")
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "assessments", {"on": "2021-06-06", "needs": ["child_welfare", "social_assistance"],
                                 "household_income_fen": 120_000, "household_size": 3,
                                 "guardianship": "inadequate", "notes": "父母在外务工"}),
        ("PUT", "plan", {"on": "2021-06-09", "goals": ["监护落实", "学业支持"], "review_by": "2021-09-30"}),
        ("POST", "services", {"on": "2021-06-15", "domain": "child_welfare", "service_type": "family_visit_check",
                              "minutes": 90}),
        ("POST", "services", {"on": "2021-07-02", "domain": "social_assistance", "service_type": "resource_linking",
                              "minutes": 60, "notes": "链接助学金"}),
        ("POST", "reviews", {"on": "2021-08-20", "goals_met": 1}),
    ]
    return _steps(demo, worker, case, "child", steps)


def _elder_case(demo: Demo, worker: Api, elder: str) -> str:
    """The elderly man's case, assessed, planned and served."""
    case = demo.send(worker, "POST", "/v1/cases", {"beneficiary_id": elder, "opened_on": "2021-06-05"}, "case-elder")
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "assessments", {"on": "2021-06-07", "needs": ["elderly_care"], "household_income_fen": 60_000,
                                 "household_size": 1}),
        ("PUT", "plan", {"on": "2021-06-10", "goals": ["按时服药", "每周探访"], "review_by": "2021-12-31"}),
        ("POST", "services", {"on": "2021-06-18", "domain": "elderly_care", "service_type": "health_service",
                              "minutes": 45}),
        ("POST", "services", {"on": "2021-07-16", "domain": "elderly_care", "service_type": "emotional_comfort",
                              "minutes": 60}),
    ]
    return _steps(demo, worker, case, "elder", steps)


def _steps(demo: Demo, worker: Api, case: dict[str, Any], name: str,
           steps: list[tuple[str, str, dict[str, Any]]]) -> str:
    for n, (method, path, body) in enumerate(steps, start=1):
        demo.send(worker, method, f"/v1/cases/{case['id']}/{path}", body, f"case-{name}-{n}")
    return case["id"]


def main() -> int:
    """Loads the demonstration into the services on their usual ports."""
    settings = Settings()
    summary = load_demo(settings, {name: f"http://127.0.0.1:{port}" for name, port in SERVICE_PORTS.items()})
    print(f"demonstration year loaded: {len(summary['stations'])} stations, {len(summary['workers'])} workers "
          f"and a supervisor, {len(summary['beneficiaries'])} beneficiaries, {len(summary['cases'])} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
