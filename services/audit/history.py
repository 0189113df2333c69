"""History as of any moment or ledger position, answered by replaying the ledger: pure folds, no I/O.

A ``Fact`` is one ledger entry as the folds need it (position, type, subject, the moment the service recorded the
event, its data). The caller chooses which entries to fold — every entry up to a ledger position, or every entry the
system had recorded by a moment — and the folds here turn them into the state of one thing: a station, a service
contract, a worker (masked), the plan's progress (``history_plan``). Nothing is kept between questions: the ledger
is the only history.

Two dates are kept apart. *Recorded* is when the system learnt a fact (the event's ``time``; the caller filters by
it, or by position). *Business* is the date the fact is about (a station's ``opened_on``, a payment's ``paid_on``):
``as_of_date`` folds only the facts whose business date is on or before it, so "what did we know on 1 May about
March" is the pair (recorded by 1 May, business date 31 March).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from shared.domain import COUNTY_TIME

PRE_OPENING = ("planned", "site_provided", "contractor_assigned", "staffed")

# The business date of each event: the field of its data holding it (the event's own day in CST if none).
BUSINESS_DATE = {
    "stations.station.site_provided": "provided_on", "stations.station.contractor_assigned": "assigned_on",
    "stations.station.contractor_released": "released_on", "stations.station.staffing_recorded": "as_of",
    "stations.station.opened": "opened_on", "stations.station.suspended": "suspended_on",
    "stations.station.reopened": "reopened_on", "stations.station.closed": "closed_on",
    "stations.station.village_coverage_started": "start", "stations.station.village_coverage_ended": "end",
    "stations.service_contract.signed": "signed_on", "stations.service_contract.disbursed": "paid_on",
    "stations.service_contract.amended": "amended_on", "stations.service_contract.terminated": "terminated_on",
    "stations.county_plan.township_population_amended": "effective_on",
    "workforce.organisation.registered": "registered_on", "workforce.organisation.registered_in_county":
        "registered_on",
    "workforce.worker.hired": "hired_on", "workforce.worker.certificate_obtained": "obtained_on",
    "workforce.worker.title_awarded": "awarded_on", "workforce.worker.labour_contract_signed": "starts_on",
    "workforce.worker.labour_contract_ended": "ended_on", "workforce.worker.assigned_to_station": "assigned_on",
    "workforce.worker.transferred_to_station": "transferred_on",
    "workforce.worker.unassigned_from_station": "unassigned_on", "workforce.worker.pay_recorded": "paid_on",
    "workforce.worker.insurance_enrolled": "enrolled_on", "workforce.worker.training_completed": "completed_on",
    "workforce.worker.supervisor_designated": "designated_on",
    "workforce.worker.station_supervision_assigned": "assigned_on",
    "workforce.worker.station_supervision_released": "released_on", "workforce.worker.left": "left_on",
}


# Facts that frame the plan rather than happen on a day: they hold from the start (as the stations service dates a
# planned station "since the plan").
IN_THE_PLAN = {"stations.county_plan.established", "stations.county_plan.township_added", "stations.station.planned"}


@dataclass(frozen=True)
class Fact:
    """One ledger entry as the folds read it."""

    position: int
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        """``service.aggregate.event``, without the ``sw.`` root and the version."""
        return ".".join(self.type.split(".")[1:4])

    @property
    def business_date(self) -> date:
        """The date the fact is about (see ``BUSINESS_DATE``)."""
        if self.kind in IN_THE_PLAN:
            return date.min
        field = BUSINESS_DATE.get(self.kind)
        value = self.data.get(field) if field else None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        return self.time.astimezone(COUNTY_TIME).date()


def fact_of(position: int, document: dict[str, Any]) -> Fact | None:
    """The fact of a stored CloudEvents document; None if it is not one (verify names such an entry)."""
    try:
        moment = datetime.fromisoformat(str(document["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    data = document.get("data")
    return Fact(position, str(document.get("type", "")), str(document.get("subject", "")),
                moment if moment.tzinfo else moment.replace(tzinfo=UTC), data if isinstance(data, dict)
                else {})


def by_business_date(facts: Iterable[Fact], as_of_date: date | None) -> Iterable[Fact]:
    """The facts whose business date is on or before ``as_of_date`` (all if None)."""
    return facts if as_of_date is None else (f for f in facts if f.business_date <= as_of_date)


# --- station ---------------------------------------------------------------------------------------------------


def station(facts: Iterable[Fact], station_id: str) -> dict[str, Any] | None:
    """A station as its events left it (the fields the stations service answers, without the actors)."""
    state: dict[str, Any] | None = None
    for fact in facts:
        if fact.subject != station_id or not fact.kind.startswith("stations.station."):
            continue
        if fact.kind == "stations.station.planned":
            state = planned_station(fact)
        elif state is not None:
            apply_station_event(state, fact)
            state["positions"].append(fact.position)
    if state is not None:
        state["understaffed"] = state["status"] == "opened" and state["headcount"] < state["minimum_staffing"]
        state["villages_covered"] = sorted(c["village_code"] for c in state["coverage"] if c["end"] is None)
    return state


def planned_station(fact: Fact) -> dict[str, Any]:
    """A station as its ``planned`` event made it."""
    d = fact.data
    return {
        "id": fact.subject, "county_code": d["county_code"], "township_code": d["township_code"],
        "township_name": d["township_name"], "batch": d["batch"], "deadline": d["deadline"], "status": "planned",
        "site": None, "contract_id": None, "organisation_id": None, "organisation_name": None,
        "contractor_assigned_on": None, "headcount": 0, "minimum_staffing": d["minimum_staffing"],
        "staffing_as_of": None, "last_source_seq": None, "opened_on": None, "suspended_on": None,
        "suspension_reason": None, "closed_on": None, "closure_reason": None, "coverage": [], "transitions": [],
        "positions": [fact.position],
    }


def apply_station_event(s: dict[str, Any], fact: Fact) -> None:
    """Folds one later event of the station into its state."""
    d, event = fact.data, fact.kind.rsplit(".", 1)[1]
    if event == "site_provided":
        s["site"] = {k: d[k] for k in ("office_area_m2", "facilities", "provided_on")}
    elif event == "contractor_assigned":
        s.update(contract_id=d["contract_id"], organisation_id=d["organisation_id"],
                 organisation_name=d["organisation_name"], contractor_assigned_on=d["assigned_on"])
    elif event == "contractor_released":
        s.update(contract_id=None, organisation_id=None, organisation_name=None, contractor_assigned_on=None)
    elif event == "staffing_recorded":
        s.update(headcount=d["headcount"], staffing_as_of=d["as_of"], last_source_seq=d["source_seq"],
                 minimum_staffing=d["minimum_staffing"])
    elif event == "opened":
        s.update(opened_on=d["opened_on"], status="opened")
    elif event == "suspended":
        s.update(suspended_on=d["suspended_on"], suspension_reason=d["reason"], status="suspended")
    elif event == "reopened":
        s.update(suspended_on=None, suspension_reason=None, status="opened")
    elif event == "closed":
        s.update(closed_on=d["closed_on"], closure_reason=d["reason"], status="closed")
    elif event == "village_coverage_started":
        s["coverage"].append({"village_code": d["village_code"], "village_name": d["village_name"],
                              "start": d["start"], "end": None})
        return
    elif event == "village_coverage_ended":
        for period in s["coverage"]:
            if period["village_code"] == d["village_code"] and period["end"] is None:
                period["end"] = d["end"]
        return
    else:
        return
    if event in ("site_provided", "contractor_assigned", "contractor_released", "staffing_recorded") \
            and s["status"] in PRE_OPENING:
        s["status"] = stage_of(s["site"] is not None, s["contract_id"] is not None,
                               s["headcount"] >= s["minimum_staffing"])
    s["transitions"].append({"event": event, "on": str(fact.business_date), "status": s["status"]})


def stage_of(site_provided: bool, contracted: bool, staffed: bool) -> str:
    """A not-yet-open station's stage (the stations service's rule, docs/domain.md §2)."""
    if not site_provided:
        return "planned"
    if not contracted:
        return "site_provided"
    return "staffed" if staffed else "contractor_assigned"


# --- service contract ------------------------------------------------------------------------------------------


def contract(facts: Iterable[Fact], contract_id: str) -> dict[str, Any] | None:
    """A service contract's terms, payments, amendments and status as its events left them."""
    state: dict[str, Any] | None = None
    for fact in facts:
        if fact.subject != contract_id or not fact.kind.startswith("stations.service_contract."):
            continue
        d, event = fact.data, fact.kind.rsplit(".", 1)[1]
        if event == "signed":
            state = {**{k: d[k] for k in ("contract_number", "organisation_id", "organisation_name", "station_ids",
                                          "period_start", "period_end", "amount_fen", "supervision_fen",
                                          "budget_year", "budget_line", "payment_schedule", "signed_on")},
                     "id": fact.subject, "status": "signed", "disbursements": [], "amendments": [],
                     "terminated_on": None, "termination_reason": None, "positions": []}
        elif state is None:
            continue
        elif event == "disbursed":
            state["disbursements"].append({k: d[k] for k in ("amount_fen", "paid_on", "reference")})
        elif event == "amended":
            state["amendments"].append({
                "amended_on": d["amended_on"], "reason": d["reason"], "previous_amount_fen": state["amount_fen"],
                "amount_fen": d["amount_fen"], "previous_period_end": state["period_end"],
                "period_end": d["period_end"], "stations_added": d["stations_added"],
                "stations_removed": d["stations_removed"]})
            state.update({k: d[k] for k in ("amount_fen", "supervision_fen", "period_end", "station_ids",
                                             "payment_schedule")})
        elif event == "terminated":
            state.update(status="terminated", terminated_on=d["terminated_on"], termination_reason=d["reason"])
        state["positions"].append(fact.position)
    if state is not None:
        state["disbursed_fen"] = sum(p["amount_fen"] for p in state["disbursements"])
        state["remaining_fen"] = state["amount_fen"] - state["disbursed_fen"]
    return state


# --- worker (masked) -------------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """The family name and one mark per other character (张三丰 → 张**): enough to recognise, not to identify."""
    return name[:1] + "*" * max(len(name) - 1, 0)


def worker(facts: Iterable[Fact], worker_id: str) -> dict[str, Any] | None:
    """A worker's employment record as its events left it: the name masked, and no id number or phone (the
    events carry none)."""
    state: dict[str, Any] | None = None
    for fact in facts:
        if fact.subject != worker_id or not fact.kind.startswith("workforce.worker."):
            continue
        if fact.kind == "workforce.worker.hired":
            state = {"id": fact.subject, "name": mask_name(str(fact.data["name"])),
                     "employer_id": fact.data["employer_id"], "hired_on": fact.data["hired_on"], "status": "employed",
                     "station_id": None, "certificates": [], "titles": [], "labour_contract": None,
                     "insurance": [], "months_paid": [], "supervisor": False, "supervised_stations": [],
                     "left_on": None, "positions": []}
        elif state is None:
            continue
        else:
            _worker_event(state, fact)
        state["positions"].append(fact.position)
    return state


def _worker_event(w: dict[str, Any], fact: Fact) -> None:
    d, event = fact.data, fact.kind.rsplit(".", 1)[1]
    if event == "certificate_obtained":
        w["certificates"].append({"level": d["level"], "obtained_on": d["obtained_on"]})
    elif event == "title_awarded":
        w["titles"].append({"title": d["title"], "awarded_on": d["awarded_on"]})
    elif event == "labour_contract_signed":
        w["labour_contract"] = {"starts_on": d["starts_on"], "ends_on": d["ends_on"], "ended_on": None}
    elif event == "labour_contract_renewed" and w["labour_contract"]:
        w["labour_contract"]["ends_on"] = d["ends_on"]
    elif event == "labour_contract_ended" and w["labour_contract"]:
        w["labour_contract"]["ended_on"] = d["ended_on"]
    elif event in ("assigned_to_station", "transferred_to_station"):
        w["station_id"] = d["station_id"]
    elif event == "unassigned_from_station":
        w["station_id"] = None
    elif event == "pay_recorded":
        w["months_paid"] = sorted({*w["months_paid"], d["period"]})
    elif event == "insurance_enrolled":
        w["insurance"] = sorted({*w["insurance"], d["item"]})
    elif event == "supervisor_designated":
        w["supervisor"] = True
    elif event == "station_supervision_assigned":
        w["supervised_stations"] = sorted({*w["supervised_stations"], d["station_id"]})
    elif event == "station_supervision_released":
        w["supervised_stations"] = [s for s in w["supervised_stations"] if s != d["station_id"]]
    elif event == "left":
        w.update(status="left", left_on=d["left_on"], station_id=None)
