"""Queries of the roster read model and their typed answers: who works where on a date, per station, per
organisation (with its payroll), per supervisor. No personal data: the API adds masked identities to the roster."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from pydantic import BaseModel, Field

from services.workforce.domain import (
    CertificateLevel,
    InsuranceItem,
    Policy,
)
from shared.domain import NotFound


class RosterEntry(BaseModel):
    """A worker on the roster on a date (id number and phone masked)."""

    worker_id: str
    name: str
    national_id_number: str = Field(description="masked")
    phone: str = Field(description="masked")
    employer_id: str
    employer_name: str | None
    hired_on: date
    station_id: str | None
    at_station_since: date | None
    certificate_level: str | None
    certified: bool
    insurance: list[str]
    fully_insured: bool
    labour_contract_in_force: bool


class StationWorker(BaseModel):
    """A worker at a station."""

    worker_id: str
    name: str
    certificate_level: str | None


class StationSupervisor(BaseModel):
    """A supervisor covering a station."""

    supervisor_id: str
    name: str


class StationStaffing(BaseModel):
    """A station on a date: headcount, certified count, its workers and supervisors."""

    station_id: str
    headcount: int
    certified: int
    workers: list[StationWorker]
    supervisors: list[StationSupervisor]


class InsuranceCoverage(BaseModel):
    """How many of an organisation's workers are fully insured, and per item."""

    fully_insured: int
    coverage: float | None = Field(description="share fully insured; null without workers")
    by_item: dict[str, int]


class PayrollTotals(BaseModel):
    """A month's payroll totals."""

    month: str
    total_fen: int
    workers_paid: int
    below_minimum_wage: int


class OrganisationStaffing(BaseModel):
    """An organisation on a date: headcount, certified, insurance coverage and a month's payroll."""

    organisation_id: str
    name: str
    registered_in_county: bool
    party_organisation: bool
    headcount: int
    certified: int
    insurance: InsuranceCoverage
    payroll: PayrollTotals


class PayrollLine(BaseModel):
    """One worker's pay in a month."""

    worker_id: str
    name: str
    gross_fen: int
    paid_on: date
    below_minimum_wage: bool
    minimum_wage_fen: int


class Payroll(BaseModel):
    """An organisation's payroll: the totals of every month, or (``month`` given) that month's totals and lines."""

    organisation_id: str
    month: str | None
    months: list[PayrollTotals] | None = Field(description="every month's totals; null when a month is asked")
    total_fen: int | None = None
    workers_paid: int | None = None
    below_minimum_wage: int | None = None
    lines: list[PayrollLine] | None = Field(default=None, description="the month's lines; null without a month")


class SupervisorWarning(BaseModel):
    """A plan figure not met."""

    code: str
    message: str
    data: dict[str, int]


class SupervisorCoverage(BaseModel):
    """A supervisor on a date: the stations covered, against the plan's range."""

    supervisor_id: str
    name: str
    designated_on: date
    stations: list[str]
    count: int
    minimum: int
    maximum: int
    status: str = Field(description="below_minimum or within_range")
    warnings: list[SupervisorWarning]


LEVEL_RANK = {level.value: rank for rank, level in enumerate(CertificateLevel, start=1)}
INSURANCE_ITEMS = [item.value for item in InsuranceItem]

ACTIVE = "w.hired_on <= %(d)s AND (w.left_on IS NULL OR w.left_on > %(d)s)"
AT_STATION = "a.started_on <= %(d)s AND (a.ended_on IS NULL OR a.ended_on > %(d)s)"

# Every subquery is per listed worker (a scalar subquery, never hashed over the whole table), and the workers are
# walked in name order on ``roster_worker_name``: a page costs the same however many workers the county has.
WORKERS_AS_OF = f"""
SELECT w.worker_id, w.name, w.employer_id, o.name AS employer_name, w.hired_on,
       a.station_id, a.started_on AS at_station_since,
       (SELECT array_agg(ce.level ORDER BY ce.level) FROM roster_certificate ce
         WHERE ce.worker_id = w.worker_id AND ce.obtained_on <= %(d)s) AS certificates,
       (SELECT array_agg(i.item ORDER BY i.item) FROM roster_insurance i
         WHERE i.worker_id = w.worker_id AND i.enrolled_on <= %(d)s) AS insurance,
       (SELECT true FROM roster_labour_contract lc WHERE lc.worker_id = w.worker_id AND lc.starts_on <= %(d)s
         AND (lc.ended_on IS NULL OR lc.ended_on > %(d)s)
         AND (lc.ends_on IS NULL OR lc.ends_on >= %(d)s) LIMIT 1) IS NOT NULL AS labour_contract_in_force
FROM roster_worker w
LEFT JOIN roster_organisation o ON o.organisation_id = w.employer_id
LEFT JOIN roster_assignment a ON a.worker_id = w.worker_id AND {AT_STATION}
WHERE {ACTIVE}
"""


def _filters(conditions: dict[str, Any]) -> str:
    return "".join(f" AND {sql}" for sql, value in conditions.items() if value is not None)


def workers_as_of(conn: psycopg.Connection, as_of: date, station_id: str | None = None,
                  organisation_id: str | None = None, limit: int | None = None, offset: int = 0,
                  ) -> list[dict[str, Any]]:
    """The workers in the workforce on ``as_of`` (all, or ``limit`` from ``offset``), with station, certificates,
    insurance and contract then."""
    params = {"d": as_of, "station": station_id, "organisation": organisation_id, "limit": limit, "offset": offset}
    where = _filters({"a.station_id = %(station)s": station_id, "w.employer_id = %(organisation)s": organisation_id})
    rows = conn.execute(f"{WORKERS_AS_OF}{where} ORDER BY w.name, w.worker_id LIMIT %(limit)s OFFSET %(offset)s",
                        params).fetchall()
    return [_worker_row(r) for r in rows]


def _worker_row(row: dict[str, Any]) -> dict[str, Any]:
    certificates = list(row["certificates"] or [])
    insurance = list(row["insurance"] or [])
    return {
        "worker_id": str(row["worker_id"]),
        "name": row["name"],
        "employer_id": str(row["employer_id"]),
        "employer_name": row["employer_name"],
        "hired_on": row["hired_on"].isoformat(),
        "station_id": str(row["station_id"]) if row["station_id"] else None,
        "at_station_since": row["at_station_since"].isoformat() if row["at_station_since"] else None,
        "certificate_level": max(certificates, key=lambda lv: LEVEL_RANK.get(lv, 0)) if certificates else None,
        "certified": bool(certificates),
        "insurance": insurance,
        "fully_insured": set(INSURANCE_ITEMS) <= set(insurance),
        "labour_contract_in_force": row["labour_contract_in_force"],
    }


def roster(conn: psycopg.Connection, as_of: date, station_id: str | None, organisation_id: str | None,
           limit: int, offset: int) -> list[dict[str, Any]]:
    """Up to ``limit`` workers of the roster as of a date, from ``offset`` (the caller adds masked identities)."""
    return workers_as_of(conn, as_of, station_id, organisation_id, limit=limit, offset=offset)




def stations_as_of(conn: psycopg.Connection, as_of: date) -> list[dict[str, Any]]:
    """Per station on ``as_of``: headcount, certified count, the workers and the supervisors covering it."""
    stations: dict[str, dict[str, Any]] = {}
    for worker in workers_as_of(conn, as_of):
        if worker["station_id"] is None:
            continue
        entry = _station_entry(stations, worker["station_id"])
        entry["headcount"] += 1
        entry["certified"] += int(worker["certified"])
        entry["workers"].append({"worker_id": worker["worker_id"], "name": worker["name"],
                                 "certificate_level": worker["certificate_level"]})
    for row in conn.execute(
        "SELECT sv.station_id, sv.worker_id, w.name FROM roster_supervision sv JOIN roster_worker w "
        "ON w.worker_id = sv.worker_id WHERE sv.started_on <= %(d)s AND (sv.ended_on IS NULL OR sv.ended_on > %(d)s) "
        "ORDER BY w.name", {"d": as_of},
    ).fetchall():
        entry = _station_entry(stations, str(row["station_id"]))
        entry["supervisors"].append({"supervisor_id": str(row["worker_id"]), "name": row["name"]})
    items = [stations[k] for k in sorted(stations)]
    return items


def _station_entry(stations: dict[str, dict[str, Any]], station_id: str) -> dict[str, Any]:
    return stations.setdefault(station_id, {"station_id": station_id, "headcount": 0, "certified": 0,
                                            "workers": [], "supervisors": []})


def organisations_as_of(conn: psycopg.Connection, as_of: date, month: str,
                        organisation_id: str | None = None) -> list[dict[str, Any]]:
    """Per organisation on ``as_of``: headcount, certified, insurance coverage, and the month's payroll total."""
    where = " WHERE organisation_id = %(o)s" if organisation_id else ""
    orgs = conn.execute(f"SELECT * FROM roster_organisation{where} ORDER BY name",
                        {"o": organisation_id}).fetchall()
    workers = workers_as_of(conn, as_of, organisation_id=organisation_id)
    payroll = {r["employer_id"]: r for r in conn.execute(
        "SELECT employer_id, sum(gross_fen)::bigint AS total_fen, count(*) AS workers_paid, "
        "count(*) FILTER (WHERE below_minimum_wage) AS below FROM roster_pay WHERE period = %s GROUP BY employer_id",
        (month,),
    ).fetchall()}
    items = []
    for org in orgs:
        own = [w for w in workers if w["employer_id"] == str(org["organisation_id"])]
        pay = payroll.get(org["organisation_id"])
        items.append({
            "organisation_id": str(org["organisation_id"]),
            "name": org["name"],
            "registered_in_county": org["in_county_since"] is not None and org["in_county_since"] <= as_of,
            "party_organisation": bool(org["party_organisation_set_up_on"]
                                       and org["party_organisation_set_up_on"] <= as_of),
            "headcount": len(own),
            "certified": sum(w["certified"] for w in own),
            "insurance": _coverage(own),
            "payroll": {"month": month, "total_fen": pay["total_fen"] if pay else 0,
                        "workers_paid": pay["workers_paid"] if pay else 0,
                        "below_minimum_wage": pay["below"] if pay else 0},
        })
    return items


def _coverage(workers: list[dict[str, Any]]) -> dict[str, Any]:
    fully = sum(w["fully_insured"] for w in workers)
    return {
        "fully_insured": fully,
        "coverage": round(fully / len(workers), 4) if workers else None,
        "by_item": {item: sum(item in w["insurance"] for w in workers) for item in INSURANCE_ITEMS},
    }


def payroll(conn: psycopg.Connection, organisation_id: str, month: str | None) -> dict[str, Any]:
    """An organisation's payroll: per month totals, or one month's lines."""
    if not conn.execute("SELECT 1 FROM roster_organisation WHERE organisation_id = %s",
                        (organisation_id,)).fetchone():
        raise NotFound(f"organisation {organisation_id} is not on the roster")
    if month is None:
        months = conn.execute(
            "SELECT period AS month, sum(gross_fen)::bigint AS total_fen, count(*) AS workers_paid, "
            "count(*) FILTER (WHERE below_minimum_wage) AS below_minimum_wage FROM roster_pay "
            "WHERE employer_id = %s GROUP BY period ORDER BY period", (organisation_id,),
        ).fetchall()
        return {"organisation_id": organisation_id, "month": None, "months": [dict(m) for m in months]}
    lines = conn.execute(
        "SELECT p.worker_id, w.name, p.gross_fen, p.paid_on, p.below_minimum_wage, p.minimum_wage_fen "
        "FROM roster_pay p JOIN roster_worker w ON w.worker_id = p.worker_id "
        "WHERE p.employer_id = %s AND p.period = %s ORDER BY w.name", (organisation_id, month),
    ).fetchall()
    return {
        "organisation_id": organisation_id,
        "month": month,
        "months": None,
        "total_fen": sum(line["gross_fen"] for line in lines),
        "workers_paid": len(lines),
        "below_minimum_wage": sum(line["below_minimum_wage"] for line in lines),
        "lines": [{**line, "worker_id": str(line["worker_id"]), "paid_on": line["paid_on"].isoformat()}
                  for line in lines],
    }


def supervisors_as_of(conn: psycopg.Connection, as_of: date, policy: Policy) -> list[dict[str, Any]]:
    """Per supervisor on ``as_of``: the stations covered, against the policy's 5–8, with a warning below it."""
    rows = conn.execute(
        f"SELECT s.worker_id, w.name, s.designated_on, (SELECT array_agg(sv.station_id::text ORDER BY sv.started_on) "
        f"FROM roster_supervision sv WHERE sv.worker_id = s.worker_id AND sv.started_on <= %(d)s "
        f"AND (sv.ended_on IS NULL OR sv.ended_on > %(d)s)) AS stations "
        f"FROM roster_supervisor s JOIN roster_worker w ON w.worker_id = s.worker_id "
        f"WHERE s.designated_on <= %(d)s AND {ACTIVE} ORDER BY w.name",
        {"d": as_of},
    ).fetchall()
    low, high = policy.supervisor_min_stations, policy.supervisor_max_stations
    items = []
    for row in rows:
        stations = list(row["stations"] or [])
        below = len(stations) < low
        items.append({
            "supervisor_id": str(row["worker_id"]),
            "name": row["name"],
            "designated_on": row["designated_on"].isoformat(),
            "stations": stations,
            "count": len(stations),
            "minimum": low,
            "maximum": high,
            "status": "below_minimum" if below else "within_range",
            "warnings": [{
                "code": "workforce.supervisor.below_minimum",
                "message": f"{row['name']} supervises {len(stations)} stations: the plan expects at least {low}",
                "data": {"count": len(stations), "minimum": low},
            }] if below else [],
        })
    return items


