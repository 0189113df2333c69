"""The facts compliance findings and finance views rest on, folded from the ledger's entries (pure, no I/O).

Each fact keeps the ledger ``position`` of every entry it comes from, so a finding or a finance figure
names the entries that prove it. Only events whose ``source`` is the service the ``type`` names are
folded: an event claiming another service's type is not a fact of that service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.contracts import casework as k
from shared.contracts import stations as c
from shared.contracts import workforce as w
from shared.envelope import service_of

FOLDED_SOURCES = ("stations", "workforce", "casework")


def day(value: Any) -> date | None:
    """An ISO date of an event's payload, or None."""
    return date.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass
class Station:
    """A station as the stations service's events describe it."""

    id: str
    township: str = ""
    name: str = ""
    deadline: date | None = None
    minimum: int = 0
    planned_at: int = 0
    opened_on: date | None = None
    opened_at: int = 0
    status: str = "planned"
    headcount: int | None = None
    staffing_on: date | None = None
    staffing_at: int = 0
    timeline: list[tuple[date, int, str, int]] = field(default_factory=list)  # on, position, what, headcount/-1


@dataclass
class Contract:
    """A purchase-of-service contract (政府购买服务协议), its current terms and what was paid."""

    id: str
    number: str
    organisation_id: str
    organisation_name: str
    station_ids: list[str]
    period_start: date
    period_end: date
    amount_fen: int
    supervision_fen: int
    budget_year: int
    budget_line: str
    signed_on: date
    positions: list[int]
    terminated_on: date | None = None
    disbursed_fen: int = 0
    disbursed_at: list[int] = field(default_factory=list)


@dataclass
class Disbursement:
    """One payment (拨付) under a contract."""

    contract_id: str
    amount_fen: int
    paid_on: date
    reference: str
    position: int


@dataclass
class Pay:
    """A month's pay (月工资) of a worker."""

    worker_id: str
    period: str
    gross_fen: int
    paid_on: date
    employer_id: str
    position: int


@dataclass
class Worker:
    """A social worker: employment, labour contracts, postings, pay, insurance, supervision."""

    id: str
    name: str
    employer_id: str
    hired_on: date
    hired_at: int
    left_on: date | None = None
    left_at: int = 0
    contracts: list[list[Any]] = field(default_factory=list)  # [starts_on, ends_on | None, position, ...]
    postings: list[list[Any]] = field(default_factory=list)  # [station, from, to | None, position]
    pay: dict[str, Pay] = field(default_factory=dict)
    insurance: dict[str, tuple[date, int]] = field(default_factory=dict)
    supervisor_at: int = 0
    supervised: list[list[Any]] = field(default_factory=list)  # [station, from, to | None, position]
    load: list[tuple[date, int, int]] = field(default_factory=list)  # on, +1 / -1 station (0: designated), position

    def station_on(self, on: date) -> str | None:
        """The station the worker is posted to on a date."""
        for station, start, end, _ in self.postings:
            if start <= on and (end is None or on < end):
                return station
        return None


@dataclass
class Facts:
    """Everything folded so far, and the last ledger position folded."""

    head: int = 0
    stations: dict[str, Station] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    disbursements: list[Disbursement] = field(default_factory=list)
    organisations: dict[str, str] = field(default_factory=dict)
    workers: dict[str, Worker] = field(default_factory=dict)
    ledgers: dict[tuple[str, int, int], tuple[date, int, int]] = field(default_factory=dict)  # on, position, fen
    sessions: list[tuple[str, date, float, str, int]] = field(default_factory=list)  # station, on, hours, who, pos
    misuse: dict[str, dict[str, Any]] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)
    baseline: dict[str, Any] = field(default_factory=dict)
    yearly: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # year: certified, professionals, pos
    population: dict[str, int] = field(default_factory=dict)

    def fold(self, position: int, source: str, type_: str, subject: str, data: dict[str, Any]) -> None:
        """Applies one ledger entry (a no-op for types no finding or view needs)."""
        self.head = max(self.head, position)
        service = type_.split(".")[1] if type_.count(".") >= 2 else ""
        if service not in FOLDED_SOURCES or service_of(source) != service:
            return
        handler = HANDLERS.get(type_)
        if handler is not None:
            handler(self, position, subject, data)


def _planned(f: Facts, pos: int, sid: str, d: dict[str, Any]) -> None:
    f.stations[sid] = Station(sid, d["township_code"], d.get("township_name", ""), day(d["deadline"]),
                              int(d["minimum_staffing"]), pos)


def _station(sid: str, f: Facts) -> Station:
    return f.stations.setdefault(sid, Station(sid))


def _opened(f: Facts, pos: int, sid: str, d: dict[str, Any]) -> None:
    s = _station(sid, f)
    s.opened_on, s.opened_at, s.status = day(d["opened_on"]), pos, "opened"
    s.timeline.append((s.opened_on, pos, "opened", -1))  # type: ignore[arg-type]


def _status(status: str, on: str):
    def apply(f: Facts, pos: int, sid: str, d: dict[str, Any]) -> None:
        s = _station(sid, f)
        s.status = status
        s.timeline.append((day(d[on]), pos, status, -1))  # type: ignore[arg-type]
    return apply


def _staffing(f: Facts, pos: int, sid: str, d: dict[str, Any]) -> None:
    s = _station(sid, f)
    s.headcount, s.staffing_on, s.staffing_at = int(d["headcount"]), day(d["as_of"]), pos
    s.timeline.append((s.staffing_on, pos, "staffing", s.headcount))  # type: ignore[arg-type]
    s.minimum = int(d["minimum_staffing"])


def _signed(f: Facts, pos: int, cid: str, d: dict[str, Any]) -> None:
    f.contracts[cid] = Contract(
        cid, d["contract_number"], d["organisation_id"], d["organisation_name"], [str(s) for s in d["station_ids"]],
        day(d["period_start"]), day(d["period_end"]), int(d["amount_fen"]), int(d["supervision_fen"]),
        int(d["budget_year"]), d["budget_line"], day(d["signed_on"]), [pos])  # type: ignore[arg-type]


def _disbursed(f: Facts, pos: int, cid: str, d: dict[str, Any]) -> None:
    contract = f.contracts.get(cid)
    if contract is None:
        return
    contract.disbursed_fen += int(d["amount_fen"])
    contract.disbursed_at.append(pos)
    f.disbursements.append(Disbursement(cid, int(d["amount_fen"]), day(d["paid_on"]), d["reference"], pos))  # type: ignore[arg-type]


def _amended(f: Facts, pos: int, cid: str, d: dict[str, Any]) -> None:
    contract = f.contracts.get(cid)
    if contract is not None:
        contract.amount_fen, contract.supervision_fen = int(d["amount_fen"]), int(d["supervision_fen"])
        contract.period_end, contract.station_ids = day(d["period_end"]), [str(s) for s in d["station_ids"]]  # type: ignore[assignment]
        contract.positions.append(pos)


def _terminated(f: Facts, pos: int, cid: str, d: dict[str, Any]) -> None:
    contract = f.contracts.get(cid)
    if contract is not None:
        contract.terminated_on = day(d["terminated_on"])
        contract.positions.append(pos)


def _ledger(f: Facts, pos: int, _lid: str, d: dict[str, Any]) -> None:
    key = (str(d["station_id"]), int(d["year"]), int(d["quarter"]))
    f.ledgers.setdefault(key, (day(d["submitted_on"]), pos, int(d["spending_fen"])))  # type: ignore[arg-type]


def _misuse_opened(f: Facts, pos: int, rid: str, d: dict[str, Any]) -> None:
    f.misuse[rid] = {"station": str(d["station_id"]), "township": d["township_code"],
                     "observed_on": day(d["observed_on"]), "positions": [pos], "resolved_on": None}


def _misuse_resolved(f: Facts, pos: int, rid: str, d: dict[str, Any]) -> None:
    if rid in f.misuse:
        f.misuse[rid]["resolved_on"] = day(d["resolved_on"])
        f.misuse[rid]["positions"].append(pos)


def _org(f: Facts, pos: int, oid: str, d: dict[str, Any]) -> None:
    f.organisations[oid] = d["name"]


def _hired(f: Facts, pos: int, wid: str, d: dict[str, Any]) -> None:
    f.workers[wid] = Worker(wid, d["name"], str(d["employer_id"]), day(d["hired_on"]), pos)  # type: ignore[arg-type]


def _worker(handler):
    def apply(f: Facts, pos: int, wid: str, d: dict[str, Any]) -> None:
        if wid in f.workers:
            handler(f.workers[wid], pos, d)
    return apply


def _close_last(rows: list[list[Any]], on: date | None, station: str | None = None) -> None:
    for row in reversed(rows):
        if row[-2] is None and (station is None or row[0] == station):
            row[-2] = on
            return


def _contract_signed(x: Worker, pos: int, d: dict[str, Any]) -> None:
    x.contracts.append([day(d["starts_on"]), day(d["ends_on"]), pos])


def _contract_renewed(x: Worker, pos: int, d: dict[str, Any]) -> None:
    if x.contracts:
        x.contracts[-1][1] = day(d["ends_on"])
        x.contracts[-1].append(pos)


def _contract_ended(x: Worker, pos: int, d: dict[str, Any]) -> None:
    if x.contracts:
        x.contracts[-1][1] = day(d["ended_on"])
        x.contracts[-1].append(pos)


def _assigned(x: Worker, pos: int, d: dict[str, Any]) -> None:
    x.postings.append([str(d["station_id"]), day(d["assigned_on"]), None, pos])


def _transferred(x: Worker, pos: int, d: dict[str, Any]) -> None:
    _close_last(x.postings, day(d["transferred_on"]))
    x.postings.append([str(d["station_id"]), day(d["transferred_on"]), None, pos])


def _unassigned(x: Worker, pos: int, d: dict[str, Any]) -> None:
    _close_last(x.postings, day(d["unassigned_on"]))


def _paid(x: Worker, pos: int, d: dict[str, Any]) -> None:
    x.pay[d["period"]] = Pay(x.id, d["period"], int(d["gross_fen"]), day(d["paid_on"]), str(d["employer_id"]), pos)  # type: ignore[arg-type]


def _insured(x: Worker, pos: int, d: dict[str, Any]) -> None:
    x.insurance.setdefault(d["item"], (day(d["enrolled_on"]), pos))  # type: ignore[arg-type]


def _designated(x: Worker, pos: int, d: dict[str, Any]) -> None:
    x.supervisor_at = pos
    x.load.append((day(d["designated_on"]), 0, pos))  # type: ignore[arg-type]


def _supervising(x: Worker, pos: int, d: dict[str, Any]) -> None:
    x.supervised.append([str(d["station_id"]), day(d["assigned_on"]), None, pos])
    x.load.append((day(d["assigned_on"]), 1, pos))  # type: ignore[arg-type]


def _supervision_released(x: Worker, pos: int, d: dict[str, Any]) -> None:
    _close_last(x.supervised, day(d["released_on"]), str(d["station_id"]))
    x.load.append((day(d["released_on"]), -1, pos))  # type: ignore[arg-type]


def _left(x: Worker, pos: int, d: dict[str, Any]) -> None:
    x.left_on, x.left_at = day(d["left_on"]), pos
    on = x.left_on
    for rows in (x.postings, x.supervised):
        for row in rows:
            row[2] = on if row[2] is None else row[2]
    if x.contracts and x.contracts[-1][1] is None:
        x.contracts[-1][1] = on


def _session(f: Facts, pos: int, _sid: str, d: dict[str, Any]) -> None:
    f.sessions.append((str(d["station_id"]), day(d["held_on"]), float(d["hours"]), str(d["supervisor_id"]), pos))  # type: ignore[arg-type]


def _activity(f: Facts, pos: int, aid: str, d: dict[str, Any]) -> None:
    f.activities.append({"id": aid, "station": str(d["station_id"]), "held_on": day(d["held_on"]),
                         "goal": str(d.get("goal") or ""), "method": str(d.get("method") or ""), "position": pos})


def _baseline(f: Facts, pos: int, _bid: str, d: dict[str, Any]) -> None:
    f.baseline = {**f.baseline, **{k: d[k] for k in ("year", "certified_social_workers", "professionals") if k in d},
                  "positions": [*f.baseline.get("positions", []), pos]}


def _yearly(f: Facts, pos: int, _bid: str, d: dict[str, Any]) -> None:
    f.yearly[int(d["year"])] = (int(d["certified_social_workers"]), int(d["professionals"]), pos)


def _plan(f: Facts, pos: int, _cid: str, d: dict[str, Any]) -> None:
    for t in d["townships"]:
        f.population[t["code"]] = int(t["population"])


def _township(f: Facts, pos: int, _cid: str, d: dict[str, Any]) -> None:
    f.population[d["township"]["code"]] = int(d["township"]["population"])


def _population(f: Facts, pos: int, _cid: str, d: dict[str, Any]) -> None:
    f.population[d["township_code"]] = int(d["population"])


HANDLERS = {
    c.StationPlanned.event_type(): _planned,
    c.StationOpened.event_type(): _opened,
    c.StationSuspended.event_type(): _status("suspended", "suspended_on"),
    c.StationReopened.event_type(): _status("opened", "reopened_on"),
    c.StationClosed.event_type(): _status("closed", "closed_on"),
    c.StationStaffingRecorded.event_type(): _staffing,
    c.ServiceContractSigned.event_type(): _signed,
    c.ServiceContractDisbursed.event_type(): _disbursed,
    c.ServiceContractAmended.event_type(): _amended,
    c.ServiceContractTerminated.event_type(): _terminated,
    c.QuarterlyLedgerSubmitted.event_type(): _ledger,
    c.MisuseReportOpened.event_type(): _misuse_opened,
    c.MisuseReportResolved.event_type(): _misuse_resolved,
    c.CountyPlanEstablished.event_type(): _plan,
    c.TownshipAdded.event_type(): _township,
    c.TownshipPopulationAmended.event_type(): _population,
    w.OrganisationRegistered.event_type(): _org,
    w.WorkerHired.event_type(): _hired,
    w.LabourContractSigned.event_type(): _worker(_contract_signed),
    w.LabourContractRenewed.event_type(): _worker(_contract_renewed),
    w.LabourContractEnded.event_type(): _worker(_contract_ended),
    w.WorkerAssignedToStation.event_type(): _worker(_assigned),
    w.WorkerTransferredToStation.event_type(): _worker(_transferred),
    w.WorkerUnassignedFromStation.event_type(): _worker(_unassigned),
    w.WorkerPayRecorded.event_type(): _worker(_paid),
    w.WorkerInsuranceEnrolled.event_type(): _worker(_insured),
    w.SupervisorDesignated.event_type(): _worker(_designated),
    w.StationSupervisionAssigned.event_type(): _worker(_supervising),
    w.StationSupervisionReleased.event_type(): _worker(_supervision_released),
    w.WorkerLeft.event_type(): _worker(_left),
    w.BaselineEntered.event_type(): _baseline,
    w.BaselineCorrected.event_type(): _baseline,
    w.BaselineYearlyFiguresRecorded.event_type(): _yearly,
    k.SupervisionSessionHeld.event_type(): _session,
    k.ActivityRecorded.event_type(): _activity,
}
