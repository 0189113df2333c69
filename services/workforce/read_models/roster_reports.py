"""Reports over the roster read model: per station, per organisation (with payroll), per supervisor."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from services.workforce.domain import Policy
from services.workforce.read_models.roster import ACTIVE, INSURANCE_ITEMS, workers_as_of
from shared.domain import NotFound


def stations_as_of(conn: psycopg.Connection, as_of: date) -> dict[str, Any]:
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
    return {"as_of": as_of.isoformat(), "items": items, "total": len(items)}


def _station_entry(stations: dict[str, dict[str, Any]], station_id: str) -> dict[str, Any]:
    return stations.setdefault(station_id, {"station_id": station_id, "headcount": 0, "certified": 0,
                                            "workers": [], "supervisors": []})


def organisations_as_of(conn: psycopg.Connection, as_of: date, month: str,
                        organisation_id: str | None = None) -> dict[str, Any]:
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
    return {"as_of": as_of.isoformat(), "month": month, "items": items, "total": len(items)}


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
        return {"organisation_id": organisation_id, "months": [dict(m) for m in months]}
    lines = conn.execute(
        "SELECT p.worker_id, w.name, p.gross_fen, p.paid_on, p.below_minimum_wage, p.minimum_wage_fen "
        "FROM roster_pay p JOIN roster_worker w ON w.worker_id = p.worker_id "
        "WHERE p.employer_id = %s AND p.period = %s ORDER BY w.name", (organisation_id, month),
    ).fetchall()
    return {
        "organisation_id": organisation_id,
        "month": month,
        "total_fen": sum(line["gross_fen"] for line in lines),
        "workers_paid": len(lines),
        "below_minimum_wage": sum(line["below_minimum_wage"] for line in lines),
        "lines": [{**line, "worker_id": str(line["worker_id"]), "paid_on": line["paid_on"].isoformat()}
                  for line in lines],
    }


def supervisors_as_of(conn: psycopg.Connection, as_of: date, policy: Policy) -> dict[str, Any]:
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
    return {"as_of": as_of.isoformat(), "items": items, "total": len(items)}


