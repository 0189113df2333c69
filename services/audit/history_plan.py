"""The plan's progress and the workforce figures as of a date, folded from ledger facts (pure, no I/O).

Plan progress is answered as the stations service's county status answers it (``GET /v1/county-status``): per
batch its target (the plan's townships in it), the stations planned, opened by the date, operating on it with at
least the minimum staff (or below it), late (deadline passed, not opened), and whether the batch is behind
schedule. Each station's status is dated by the business date of the event that
changed it, never earlier than its previous status (as the stations service dates it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from services.audit.history import Fact, apply_station_event, planned_station


@dataclass
class _Station:
    state: dict[str, Any]
    history: list[tuple[date, str]] = field(default_factory=list)
    staffing: list[tuple[date, int, int, int]] = field(default_factory=list)  # since, position, headcount, minimum

    def status_on(self, day: date) -> str | None:
        """The status the station had on ``day`` (None before it was planned)."""
        found = None
        for since, status in self.history:
            if since <= day:
                found = status
        return found

    def first_opened_on(self) -> date | None:
        """When it opened: the station's own opening date, else the first day it was dated open."""
        if self.state["opened_on"]:
            return date.fromisoformat(self.state["opened_on"])
        return next((since for since, status in self.history if status == "opened"), None)

    def below_minimum_on(self, day: date) -> bool:
        """True if the last staffing recorded for a day up to ``day`` is under its minimum (or none was)."""
        known = [entry for entry in self.staffing if entry[0] <= day]
        if not known:
            return True
        _since, _position, headcount, minimum = max(known)
        return headcount < minimum


def plan_progress(facts: Iterable[Fact], county_code: str, as_of_date: date) -> dict[str, Any]:
    """Per batch on ``as_of_date``: target, deadline, planned, opened by then, operating at minimum staff, late."""
    deadlines: dict[int, date] = {}
    townships: dict[str, int] = {}
    stations: dict[str, _Station] = {}
    positions: list[int] = []
    for fact in facts:
        kind, d = fact.kind, fact.data
        if kind == "stations.county_plan.established" and d.get("county_code") == county_code:
            deadlines.update({b["batch"]: date.fromisoformat(b["deadline"]) for b in d["batches"]})
            townships.update({t["code"]: t["batch"] for t in d["townships"]})
        elif kind == "stations.county_plan.township_added" and d.get("county_code") == county_code:
            townships[d["township"]["code"]] = d["township"]["batch"]
        elif kind == "stations.station.planned" and d.get("county_code") == county_code:
            stations[fact.subject] = _Station(planned_station(fact), [(date.min, "planned")])
        elif kind.startswith("stations.station.") and fact.subject in stations:
            _advance(stations[fact.subject], fact)
        else:
            continue
        positions.append(fact.position)
    batches = [_batch(batch, deadline, townships, stations, as_of_date)
               for batch, deadline in sorted(deadlines.items())]
    statuses = [{"batch": b["batch"], "status": _batch_status(b)} for b in batches]
    overall = {s["status"] for s in statuses}
    return {"county_code": county_code, "as_of": as_of_date.isoformat(), "batches": batches,
            "status": "at_risk" if "at_risk" in overall else "on_track" if "on_track" in overall else "met",
            "batch_status": statuses,
            "target": sum(b["target"] for b in batches), "opened": sum(b["opened"] for b in batches),
            "operating": sum(b["operating"] for b in batches),
            "below_minimum": sum(len(b["below_minimum_townships"]) for b in batches),
            "late_townships": [t for b in batches for t in b["late_townships"]], "positions": positions}


def _batch_status(batch: dict[str, Any]) -> str:
    """Met once every township of the batch opened; at risk once its deadline passed before that; else on track."""
    if batch["opened"] >= batch["target"]:
        return "met"
    return "at_risk" if batch["deadline_passed"] else "on_track"


def _advance(station: _Station, fact: Fact) -> None:
    before = station.state["status"]
    apply_station_event(station.state, fact)
    if fact.kind == "stations.station.staffing_recorded":
        d = fact.data
        station.staffing.append((date.fromisoformat(d["as_of"]), fact.position, d["headcount"], d["minimum_staffing"]))
    after = station.state["status"]
    if after != before:
        last = station.history[-1][0]
        station.history.append((max(fact.business_date, last), after))


def _batch(batch: int, deadline: date, townships: dict[str, int], stations: dict[str, _Station],
           day: date) -> dict[str, Any]:
    """One batch on ``day``; a station is late when its deadline has passed and it had not opened by then."""
    target = sum(1 for b in townships.values() if b == batch)
    mine = sorted(((s.state["township_code"], s) for s in stations.values() if s.state["batch"] == batch
                   and s.status_on(day) is not None), key=lambda pair: pair[0])
    opened = [code for code, s in mine if (first := s.first_opened_on()) is not None and first <= day]
    running = [(code, s) for code, s in mine if s.status_on(day) == "opened"]
    below = [code for code, s in running if s.below_minimum_on(day)]
    late = [code for code, s in mine if day > date.fromisoformat(s.state["deadline"]) and code not in opened]
    by_status: dict[str, int] = {}
    for _code, s in mine:
        status = s.status_on(day) or "planned"
        by_status[status] = by_status.get(status, 0) + 1
    return {"batch": batch, "deadline": deadline.isoformat(), "target": target, "planned": len(mine),
            "opened": len(opened), "operating": len(running) - len(below), "below_minimum_townships": below,
            "by_status": by_status, "opened_townships": opened, "late_townships": late,
            "deadline_passed": day > deadline, "behind_schedule": day > deadline and len(opened) < target}


# --- workforce figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetPolicy:
    """The plan's workforce targets (docs/domain.md §11), from the same settings the workforce service reads."""

    certified_growth_rate: float
    certified_multiple: float
    professionals_share: float
    registered_organisations: int
    plan_start: date = date(2021, 1, 1)
    target_year: int = 2023


def workforce_figures(facts: Iterable[Fact], county_code: str, as_of_date: date,
                      policy: TargetPolicy) -> dict[str, Any]:
    """The figures the plan's workforce targets are measured on, as recorded, and each target's status on the date
    (met, on_track, at_risk), assessed as the workforce service's ``GET /v1/targets`` assesses it."""
    baseline: dict[str, Any] | None = None
    yearly: dict[int, dict[str, int]] = {}
    population: dict[str, list[tuple[date, int]]] = {}
    organisations: dict[str, date] = {}
    workers: dict[str, dict[str, Any]] = {}
    positions: list[int] = []
    for fact in facts:
        if not _figure(fact, county_code, baseline, yearly, population, organisations, workers):
            if fact.kind == "workforce.baseline.entered" and fact.data.get("county_code") == county_code:
                baseline = {"id": fact.subject, **{k: fact.data[k] for k in ("year", "certified_social_workers",
                                                                             "professionals")}}
            elif fact.kind == "workforce.baseline.corrected" and baseline and fact.subject == baseline["id"]:
                baseline.update({k: fact.data[k] for k in ("certified_social_workers", "professionals")})
            else:
                continue
        positions.append(fact.position)
    people = sum(_in_force(figures, as_of_date) for figures in population.values())
    in_county = sum(1 for since in organisations.values() if since <= as_of_date)
    certified = _certified(workers, as_of_date)
    figures = {"county_code": county_code, "as_of": as_of_date.isoformat(),
               "baseline": None if baseline is None else {k: v for k, v in baseline.items() if k != "id"},
               "yearly": [{"year": y, **f} for y, f in sorted(yearly.items()) if y <= as_of_date.year],
               "population": people, "townships": len(population), "registered_organisations": in_county,
               "certified_on_roster": certified, "positions": positions, "targets": []}
    if baseline is not None:
        by_year = {year: yearly[year]["certified_social_workers"] if year in yearly
                   else _certified(workers, min(date(year, 12, 31), as_of_date))
                   for year in range(baseline["year"] + 1, as_of_date.year + 1)}
        if as_of_date.year <= baseline["year"]:
            professionals = baseline["professionals"]
        elif as_of_date.year in yearly:
            professionals = yearly[as_of_date.year]["professionals"]
        else:
            professionals = certified  # 社工专业人才: the certified workers on the roster
        figures["targets"] = assess_targets(baseline, by_year, professionals, people, in_county, as_of_date, policy)
    return figures


def _in_force(figures: list[tuple[date, int]], day: date) -> int:
    """A township's population on ``day``: the latest figure in force, else the plan's first (as the workforce
    service counts it)."""
    chosen: tuple[date, int] | None = None
    for on, people in figures:  # of two figures for one day, the later recorded (it replaced the other)
        if on <= day and (chosen is None or on >= chosen[0]):
            chosen = (on, people)
    if chosen is None:
        first = min(on for on, _ in figures)
        chosen = [(on, people) for on, people in figures if on == first][-1]
    return chosen[1]


def _certified(workers: dict[str, dict[str, Any]], day: date) -> int:
    return sum(1 for w in workers.values() if w["hired_on"] <= day and (w["left_on"] is None or w["left_on"] > day)
               and any(on <= day for on in w["certificates"]))


def assess_targets(baseline: dict[str, Any], certified_by_year: dict[int, int], professionals: int, population: int,
                   organisations: int, as_of: date, policy: TargetPolicy) -> list[dict[str, Any]]:
    """The plan's four workforce targets, each ``{target, value, threshold, status, deadline}``; the status is
    ``met`` (threshold reached), ``on_track`` (the pace so far reaches it by the deadline) or ``at_risk``."""
    base_year, base = baseline["year"], baseline["certified_social_workers"]
    known = {y: n for y, n in certified_by_year.items() if base_year < y <= as_of.year}
    latest_year = max(known, default=base_year)
    latest = known.get(latest_year, base)
    years = latest_year - base_year
    growth = (latest / base) ** (1 / years) - 1 if years > 0 and base > 0 else None
    deadline = date(policy.target_year, 12, 31)
    early = "on_track" if as_of.year <= base_year + 1 else "at_risk"  # too early for a year's figures
    rate = policy.certified_growth_rate
    if growth is None:
        growth_status = early
    else:
        growth_status = ("met" if latest_year >= policy.target_year else "on_track") if growth >= rate else "at_risk"
    threshold = math.ceil(Decimal(base) * Decimal(str(policy.certified_multiple)))
    if latest >= threshold:
        multiple_status = "met"
    elif as_of > deadline:
        multiple_status = "at_risk"
    elif growth is None:
        multiple_status = early
    else:
        projected = latest * (1 + growth) ** max(policy.target_year - latest_year, 0)
        multiple_status = "on_track" if projected >= threshold else "at_risk"
    share = math.ceil(Decimal(population) * Decimal(str(policy.professionals_share)))
    return [
        _target("certified_growth_per_year", None if growth is None else round(growth, 4), rate, growth_status,
                deadline),
        _target("certified_total_multiple", latest, threshold, multiple_status, deadline),
        _paced("professionals_share", professionals, baseline["professionals"], share, as_of, policy, deadline),
        _paced("registered_organisations", organisations, 0, policy.registered_organisations, as_of, policy,
               deadline),
    ]


def _paced(name: str, value: int, start: int, threshold: int, as_of: date, policy: TargetPolicy,
           deadline: date) -> dict[str, Any]:
    """Met, else on track while the value keeps a straight-line pace from the plan's start (rounded half up)."""
    if value >= threshold:
        status = "met"
    elif as_of > deadline:
        status = "at_risk"
    else:
        elapsed = min(max((as_of - policy.plan_start).days / (deadline - policy.plan_start).days, 0.0), 1.0)
        expected = math.floor(start + (threshold - start) * elapsed + 0.5)
        status = "on_track" if value >= expected else "at_risk"
    return _target(name, value, threshold, status, deadline)


def _target(name: str, value: Any, threshold: Any, status: str, deadline: date) -> dict[str, Any]:
    return {"target": name, "value": value, "threshold": threshold, "status": status,
            "deadline": deadline.isoformat()}


def _figure(fact: Fact, county_code: str, baseline: dict[str, Any] | None, yearly: dict[int, dict[str, int]],
            population: dict[str, list[tuple[date, int]]], organisations: dict[str, date],
            workers: dict[str, dict[str, Any]]) -> bool:
    """Folds one fact into the figures; False if it is none of theirs."""
    kind, d = fact.kind, fact.data
    if kind == "workforce.baseline.yearly_figures_recorded" and baseline and fact.subject == baseline["id"]:
        yearly[d["year"]] = {"certified_social_workers": d["certified_social_workers"],
                             "professionals": d["professionals"]}
    elif kind == "stations.county_plan.established" and d.get("county_code") == county_code:
        for t in d["townships"]:
            population.setdefault(t["code"], []).append((date.fromisoformat(t["population_as_of"]), t["population"]))
    elif kind == "stations.county_plan.township_added" and d.get("county_code") == county_code:
        t = d["township"]
        population.setdefault(t["code"], []).append((date.fromisoformat(t["population_as_of"]), t["population"]))
    elif kind == "stations.county_plan.township_population_amended" and d.get("township_code") in population:
        population[d["township_code"]].append((date.fromisoformat(d["effective_on"]), d["population"]))
    elif kind == "workforce.organisation.registered_in_county" or (
            kind == "workforce.organisation.registered" and d.get("registered_in_county")):
        organisations[fact.subject] = date.fromisoformat(d["registered_on"])  # in the county since
    elif kind == "workforce.worker.hired":
        workers[fact.subject] = {"hired_on": date.fromisoformat(d["hired_on"]), "left_on": None, "certificates": []}
    elif kind == "workforce.worker.certificate_obtained" and fact.subject in workers:
        workers[fact.subject]["certificates"].append(date.fromisoformat(d["obtained_on"]))
    elif kind == "workforce.worker.left" and fact.subject in workers:
        workers[fact.subject]["left_on"] = date.fromisoformat(d["left_on"])
    else:
        return False
    return True

