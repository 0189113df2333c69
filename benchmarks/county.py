"""A whole county's year as HTTP calls on all four services, from a seed: what ``benchmarks.county_run`` sends.

The year is the twelve months before the end date's month (``benchmarks.load.month_start``). In it the county plans
and sites its 11 stations (batch deadlines in the year's fourth and sixth months), signs a purchase-of-service
contract with each of two organisations, which hire about 30 workers (two or three posted at every station, and two
supervisors of five or six stations each), insure, contract, train and pay them monthly; the stations open in the
year's third month once staffed, are supervised every month (a 16-hour session), hold a group activity every month
and submit every ended quarter's ledger, which the bureau accepts; the stations' social workers register the
beneficiaries (elderly people, people with disabilities, families on minimum livelihood, left-behind children with
their guardians' consent) and open, assess, plan, serve monthly and review their cases. Every rule the audit checks is
kept, so the county's findings stay empty.

The calls come in phases; the chains of one phase run concurrently, the calls of a chain in order, each phase after
the last has answered. A value written ``@name`` (in a path, a body or a caller's subject) is the id an earlier call
answered and saved as ``name``. Every call carries an ``Idempotency-Key`` from the seed and its place in the year.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from benchmarks.load import GIVEN, INSURANCE, SURNAMES, credit_code, month_start, phone
from benchmarks.people import case_steps, person_id, registration
from services.stations.domain import Station
from services.stations.seed import COUNTY_NAME, TOWNSHIPS
from shared.domain import county_today

WORKERS_AT = {t["code"]: 2 + (n % 3 == 0) for n, t in enumerate(TOWNSHIPS)}  # 26 posted, two supervisors
SUPERVISED = ([t["code"] for t in TOWNSHIPS[:6]], [t["code"] for t in TOWNSHIPS[6:]])  # five to eight each


@dataclass(frozen=True)
class Caller:
    """Who sends a call: the claims of its bearer token."""

    role: str = "civil_affairs_admin"
    subject: str = "county-admin"
    organisation: str = "county-civil-affairs"
    townships: tuple[str, ...] = ()


ADMIN = Caller()
HR = Caller("hr_social_security", "county-hr", "county-hr")


@dataclass(frozen=True)
class Call:
    """One HTTP command of the year."""

    service: str
    method: str
    path: str
    body: dict[str, Any]
    key: str  # this call's place in the year: the Idempotency-Key's tail
    caller: Caller = ADMIN
    save: str = ""  # the name the answered id is saved under
    wait: bool = False  # retried on 403/404/409 while another service's events arrive


Chain = list[Call]


@dataclass
class Phase:
    """Chains that may run side by side."""

    name: str
    chains: list[Chain] = field(default_factory=list)

    def calls(self) -> int:
        """How many calls the phase sends."""
        return sum(len(chain) for chain in self.chains)


def station(code: str) -> str:
    """The station id of a township (stable: derived from the code)."""
    return str(Station.id_for(code))


class CountyYearCalls:
    """The calls of one county's year ending before ``until``'s month, with ``beneficiaries`` people served."""

    def __init__(self, seed: int, beneficiaries: int = 2_000, until: date | None = None) -> None:
        self.random = random.Random(seed)
        self.seed = seed
        self.beneficiaries = beneficiaries
        self.until = until or county_today()
        self.start = month_start(self.until, -12)
        self.opening = month_start(self.start, 2)
        self.workers: dict[str, list[int]] = {}  # township → worker numbers posted there
        self.organisations: list[dict[str, Any]] = []

    def phases(self) -> list[Phase]:
        """The year, phase by phase."""
        return [self._plan(), self._sites(), self._contracts(), self._organisations(), self._workforce(),
                self._openings(), self._casework()]

    def day(self, months: int, day: int) -> date:
        """A day of the year's month ``months`` (0: its first), never after the end date."""
        return min(month_start(self.start, months) + timedelta(days=day - 1), self.until)

    # --- stations ---------------------------------------------------------------------------------------

    def _plan(self) -> Phase:
        deadlines = [month_start(self.start, 4) - timedelta(days=1), month_start(self.start, 6) - timedelta(days=1)]
        plan = {"county_name": COUNTY_NAME, "period_start_year": self.start.year,
                "period_end_year": self.start.year + 2,
                "batches": [{"batch": b, "deadline": str(d)} for b, d in enumerate(deadlines, start=1)],
                "townships": [{**t, "population_as_of": f"{self.start.year - 1}-12-31"} for t in TOWNSHIPS]}
        return Phase("county plan", [[Call("stations", "PUT", "/v1/county-plan", plan, "plan")]])

    def _sites(self) -> Phase:
        chains = []
        for n, t in enumerate(TOWNSHIPS, start=1):
            code = t["code"]
            clerk = Caller("township", f"{code.lower()}-clerk", "", (code,))
            chains.append([
                Call("stations", "POST", "/v1/stations", {"township_code": code}, f"station-{code}"),
                Call("stations", "PUT", f"/v1/stations/{station(code)}/site",
                     {"office_area_m2": 50 + 5 * n, "facilities": ["办公室", "个案室", "活动室"],
                      "on": str(self.day(0, n))}, f"site-{code}", clerk)])
        return Phase("stations", chains)

    def _contracts(self) -> Phase:
        chains = []
        for o, codes in enumerate(SUPERVISED):
            org = {"name": f"XX县第{o + 1}社会工作服务中心", "unified_social_credit_code": credit_code(900_000 + o),
                   "registered_in_county": True, "registration_place": "XX县民政局",
                   "registered_on": f"{self.start.year - 1}-06-01", "stations": codes}
            self.organisations.append(org)
            signed, amount = self.day(1, 1), 150_000_00 * len(codes)
            chains.append([Call("stations", "POST", "/v1/contracts", {
                "contract_number": f"XXMZ-{self.start.year}-{o + 1:02d}",
                "organisation_id": org["unified_social_credit_code"], "organisation_name": org["name"],
                "station_ids": [station(c) for c in codes], "period_start": str(signed),
                "period_end": str(month_start(self.start, 13) - timedelta(days=1)), "amount_fen": amount,
                "supervision_fen": amount // 10, "budget_year": signed.year, "budget_line": "2080299",
                "payment_schedule": [{"due_on": str(signed + timedelta(days=14)), "amount_fen": amount // 2},
                                     {"due_on": str(self.day(7, 15)), "amount_fen": amount - amount // 2}],
                "signed_on": str(signed)}, f"contract-{o}")])
        return Phase("contracts", chains)

    # --- workforce --------------------------------------------------------------------------------------

    def _organisations(self) -> Phase:
        return Phase("organisations", [[Call("workforce", "POST", "/v1/organisations", {
            k: org[k] for k in ("name", "unified_social_credit_code", "registered_in_county", "registration_place",
                                "registered_on")}, f"organisation-{o}", save=f"org{o}")]
            for o, org in enumerate(self.organisations)])

    def _workforce(self) -> Phase:
        chains, n = [], 0
        for o, codes in enumerate(SUPERVISED):
            for code in codes:
                for _ in range(WORKERS_AT[code]):
                    self.workers.setdefault(code, []).append(n)
                    chains.append([*self._hire(o, n, None), Call(
                        "workforce", "POST", f"/v1/workers/@w{n}/assignment",
                        {"station_id": station(code), "assigned_on": str(self.day(1, 10))}, f"assign-{n}"),
                        *self._employment(o, n)])
                    n += 1
        for o, codes in enumerate(SUPERVISED):
            s = 100 + o
            chains.append([*self._hire(o, s, "social_worker"), Call(
                "workforce", "POST", f"/v1/workers/@w{s}/supervisor", {"designated_on": str(self.opening)},
                f"supervisor-{s}"), *[Call("workforce", "POST", f"/v1/supervisors/@w{s}/stations",
                                           {"station_id": station(code), "assigned_on": str(self.opening)},
                                           f"supervise-{s}-{code}") for code in codes],
                *self._employment(o, s)])
        return Phase("workforce", chains)

    def _hire(self, o: int, n: int, level: str | None) -> Chain:
        r, org = self.random, self.organisations[o]
        name = r.choice(SURNAMES) + r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.5 else "")
        hired = self.day(0, 1 + r.randrange(20))
        contractor = Caller("contractor", f"contractor-{o}", org["unified_social_credit_code"])
        level = level or (r.choice(["assistant", "social_worker"]) if r.random() < 0.7 else None)
        calls = [Call("workforce", "POST", "/v1/workers", {
            "employer_id": f"@org{o}", "name": name, "national_id_number": person_id(n, date(1985, 1, 1)
                                                                                    + timedelta(days=37 * n)),
            "phone": phone(5_000_000 + n), "hired_on": str(hired)}, f"hire-{n}", save=f"w{n}")]
        if level:
            calls.append(Call("workforce", "POST", f"/v1/workers/@w{n}/certificates", {
                "level": level, "obtained_on": str(self.start - timedelta(days=300)), "number": f"XXZS-{n:05d}"},
                f"certificate-{n}", HR))
        calls += [
            Call("workforce", "POST", f"/v1/workers/@w{n}/labour-contract",
                 {"starts_on": str(hired), "ends_on": str(month_start(self.start, 36) - timedelta(days=1))},
                 f"labour-contract-{n}", contractor),
            Call("workforce", "POST", f"/v1/workers/@w{n}/insurance",
                 {"items": INSURANCE, "enrolled_on": str(hired + timedelta(days=7))}, f"insurance-{n}", contractor)]
        return calls

    def _employment(self, o: int, n: int) -> Chain:
        """A worker's monthly pay for the year and its in-house training."""
        contractor = Caller("contractor", f"contractor-{o}", self.organisations[o]["unified_social_credit_code"])
        calls = [Call("workforce", "POST", f"/v1/workers/@w{n}/pay", {
            "period": f"{month_start(self.start, m):%Y-%m}", "gross_fen": 250_000 + 10_000 * self.random.randrange(10),
            "paid_on": str(min(month_start(self.start, m + 1) + timedelta(days=9), self.until))},
            f"pay-{n}-{m}", contractor) for m in range(12)]
        calls += [Call("workforce", "POST", f"/v1/workers/@w{n}/training", {
            "course": f"机构内训{t + 1}", "hours": 4 + self.random.randrange(12),
            "completed_on": str(self.day(2 + 3 * t, 15))}, f"training-{n}-{t}", contractor) for t in range(3)]
        return calls

    # --- the stations at work ---------------------------------------------------------------------------

    def _openings(self) -> Phase:
        return Phase("openings", [[Call("stations", "POST", f"/v1/stations/{station(t['code'])}/opening",
                                        {"on": str(self.opening)}, f"open-{t['code']}", wait=True)]
                                  for t in TOWNSHIPS])

    def _casework(self) -> Phase:
        chains: list[Chain] = []
        for o, codes in enumerate(SUPERVISED):
            for code in codes:
                chains.append(self._supervision(100 + o, code))
                chains.append(self._ledgers(o, code))
                chains.append(self._activities(code))
        people = list(self._people())
        per_chain = max(1, len(people) // 64)  # about 64 chains: enough to keep every thread busy
        chains += [[call for person in people[i:i + per_chain] for call in person]
                   for i in range(0, len(people), per_chain)]
        return Phase("casework", chains)

    def _supervision(self, s: int, code: str) -> Chain:
        supervisor = Caller("supervisor", f"@w{s}", "")
        return [Call("casework", "POST", "/v1/supervision-sessions", {
            "station_id": station(code), "held_on": str(self.day(m, 12)), "hours": 16,
            "content": "个案督导：记录规范与伦理"}, f"supervision-{code}-{m}", supervisor, wait=True)
            for m in range(2, 12)]

    def _ledgers(self, o: int, code: str) -> Chain:
        contractor = Caller("contractor", f"contractor-{o}", self.organisations[o]["unified_social_credit_code"])
        calls: Chain = []
        first = month_start(self.start, 1)
        year, quarter = first.year, (first.month - 1) // 3 + 1
        while (ends := month_start(date(year, 3 * quarter, 1), 1) - timedelta(days=1)) < self.until:
            submitted = min(ends + timedelta(days=10), self.until)
            key = f"ledger-{code}-{year}Q{quarter}"
            calls += [Call("stations", "POST", f"/v1/stations/{station(code)}/ledgers", {
                "year": year, "quarter": quarter, "services_delivered": 40 + self.random.randrange(60),
                "people_served": 20 + self.random.randrange(40), "activities": 3, "staffing": WORKERS_AT[code],
                "spending_fen": 3_000_000 + 10_000 * self.random.randrange(100), "submitted_on": str(submitted)},
                key, contractor, save=key),
                Call("stations", "POST", f"/v1/ledgers/@{key}/acceptance",
                     {"on": str(min(submitted + timedelta(days=3), self.until))}, f"{key}-accepted")]
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        return calls

    def _activities(self, code: str) -> Chain:
        workers = self.workers[code]
        return [Call("casework", "POST", "/v1/activities", {
            "kind": "group", "station_id": station(code), "held_on": str(self.day(m, 18)),
            "title": f"{m + 1}月小组活动", "goal": "增强同伴支持", "method": "小组工作：分享与练习",
            "participants": 8 + self.random.randrange(12), "volunteers": self.random.randrange(4)},
            f"activity-{code}-{m}", self._worker(workers[m % len(workers)]), wait=True) for m in range(2, 12)]

    @staticmethod
    def _worker(n: int) -> Caller:
        return Caller("social_worker", f"@w{n}", "")

    def _people(self) -> Iterator[Chain]:
        codes = [t["code"] for t in TOWNSHIPS]
        for b in range(self.beneficiaries):
            code = codes[b % len(codes)]
            yield self._person(b, code, self._worker(self.random.choice(self.workers[code])))

    def _person(self, b: int, code: str, worker: Caller) -> Chain:
        r = self.random
        registered = self.day(2 + r.randrange(8), 1 + r.randrange(20))
        body = registration(r, b, code, station(code), f"H-{self.seed}-{b:05d}", registered)
        calls = [Call("casework", "POST", "/v1/beneficiaries", body, f"beneficiary-{b}", worker, save=f"b{b}",
                      wait=True),
                 Call("casework", "POST", "/v1/cases", {"beneficiary_id": f"@b{b}", "opened_on": str(registered)},
                      f"case-{b}", worker, save=f"c{b}")]
        return calls + [Call("casework", method, f"/v1/cases/@c{b}/{path}", step, f"case-{b}-{n}", worker)
                        for n, (method, path, step) in enumerate(case_steps(r, b, registered, self.until))]
