"""The station-status view's queries: stations, one station, the county's batches on a date, ledgers, evaluations,
misuse reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import psycopg

from shared.domain import county_today

from .paging import fetch_page, filters, plain_row, where
from .station_status_schema import IN_THE_PLAN


def list_station_status(
    conn: psycopg.Connection, *, township_code: str | None = None, batch: int | None = None,
    status: str | None = None, townships: Sequence[str] | None = None, organisation_id: str | None = None,
    limit: int = 100, offset: int = 0, month: str | None = None, minimum_hours: float = 16.0,
) -> dict[str, Any]:
    """A page of the station-status view, filtered (``townships``/``organisation_id``: the caller's scope);
    ``month`` (YYYY-MM, default this month) is the month whose supervision is shown against ``minimum_hours``."""
    clauses, params = filters(s__township_code=township_code, s__batch=batch, s__status=status,
                               s__organisation_id=organisation_id)
    if townships is not None:
        clauses.append("s.township_code = ANY(%s)")
        params.append(list(townships))
    page = fetch_page(conn, "SELECT s.* FROM station_status s", where(clauses), params, "s.batch, s.township_code",
                      limit, offset)
    _enrich(conn, page["items"])
    _supervision(conn, page["items"], month, minimum_hours)
    return page


def get_station_status(conn: psycopg.Connection, station_id: str, month: str | None = None,
                       minimum_hours: float = 16.0) -> dict[str, Any] | None:
    """One station's row of the view, with its workers, supervisors, supervision, rectification items and ledgers."""
    row = conn.execute("SELECT * FROM station_status WHERE station_id = %s", (station_id,)).fetchone()
    if row is None:
        return None
    item = plain_row(row)
    _enrich(conn, [item])
    _supervision(conn, [item], month, minimum_hours)
    item["rectification_items"] = [plain_row(r) for r in conn.execute(
        "SELECT evaluation_id, item_id, description, due_on, closed_on FROM station_rectification "
        "WHERE station_id = %s ORDER BY due_on, evaluation_id, item_id", (station_id,)).fetchall()]
    item["coverage"] = [plain_row(r) for r in conn.execute(
        "SELECT village_code, village_name, start_on, end_on FROM station_coverage WHERE station_id = %s "
        "ORDER BY position", (station_id,)).fetchall()]
    item["history"] = [plain_row(r) for r in conn.execute(
        "SELECT nullif(since, %s) AS since, status FROM station_status_history WHERE station_id = %s "
        "ORDER BY position", (IN_THE_PLAN, station_id)).fetchall()]
    return item


def _enrich(conn: psycopg.Connection, items: list[dict[str, Any]]) -> None:
    """Adds the workers and supervisors assigned now, open rectification items and the latest ledger."""
    ids = [i["station_id"] for i in items]
    if not ids:
        return
    workers = conn.execute(
        "SELECT a.station_id, a.worker_id, coalesce(p.name, '') AS name, a.start_on FROM station_assignment a "
        "LEFT JOIN station_worker p USING (worker_id) WHERE a.station_id = ANY(%s::uuid[]) AND a.end_on IS NULL "
        "ORDER BY a.start_on, p.name", (ids,)).fetchall()
    supervisors = conn.execute(
        "SELECT v.station_id, v.supervisor_id, coalesce(p.name, '') AS name, v.start_on FROM station_supervision v "
        "LEFT JOIN station_worker p ON p.worker_id = v.supervisor_id "
        "WHERE v.station_id = ANY(%s::uuid[]) AND v.end_on IS NULL ORDER BY v.start_on", (ids,)).fetchall()
    open_items = conn.execute(
        "SELECT station_id, count(*) AS n FROM station_rectification WHERE station_id = ANY(%s::uuid[]) "
        "AND closed_on IS NULL GROUP BY station_id", (ids,)).fetchall()
    ledgers = conn.execute(
        "SELECT DISTINCT ON (station_id) station_id, ledger_id, year, quarter, status, late, submitted_on, "
        "reviewed_on FROM station_ledger WHERE station_id = ANY(%s::uuid[]) "
        "ORDER BY station_id, year DESC, quarter DESC", (ids,)).fetchall()
    covered = conn.execute(
        "SELECT station_id, array_agg(village_code ORDER BY village_code) AS codes FROM station_coverage "
        "WHERE station_id = ANY(%s::uuid[]) AND end_on IS NULL GROUP BY station_id", (ids,)).fetchall()
    for item in items:
        sid = item["station_id"]
        mine = [plain_row(r) for r in workers if str(r["station_id"]) == sid]
        item["workers"] = [{"worker_id": r["worker_id"], "name": r["name"], "since": r["start_on"]} for r in mine]
        item["workers_assigned"] = len(mine)
        item["supervisors"] = [{"supervisor_id": r["supervisor_id"], "name": r["name"], "since": r["start_on"]}
                               for r in (plain_row(s) for s in supervisors if str(s["station_id"]) == sid)]
        item["supervisor"] = item["supervisors"][0] if item["supervisors"] else None
        item["open_rectification_items"] = next((r["n"] for r in open_items if str(r["station_id"]) == sid), 0)
        latest = next((plain_row(r) for r in ledgers if str(r["station_id"]) == sid), None)
        item["latest_ledger"] = None if latest is None else {k: v for k, v in latest.items() if k != "station_id"}
        item["villages_covered"] = next((list(r["codes"]) for r in covered if str(r["station_id"]) == sid), [])
        item["understaffed"] = item["status"] == "opened" and item["headcount"] < item["minimum_staffing"]
        item["late"] = item["opened_on"] is None and county_today() > date.fromisoformat(str(item["deadline"]))


def _supervision(conn: psycopg.Connection, items: list[dict[str, Any]], month: str | None,
                 minimum_hours: float) -> None:
    """Adds each station's last supervision session and the month's sessions: supervised at least once, and
    every session at least ``minimum_hours`` long (the plan's 每月每站不少于1次, 每次不少于16小时)."""
    ids = [i["station_id"] for i in items]
    if not ids:
        return
    first = date.fromisoformat(f"{month}-01") if month else county_today().replace(day=1)
    after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    months = conn.execute(
        "SELECT station_id, count(*)::int AS sessions, sum(hours)::float AS hours, "
        "(count(*) FILTER (WHERE below_minimum_hours))::int AS short_sessions FROM station_supervision_session "
        "WHERE station_id = ANY(%s::uuid[]) AND held_on >= %s AND held_on < %s GROUP BY station_id",
        (ids, first, after)).fetchall()
    lasts = conn.execute(
        "SELECT DISTINCT ON (x.station_id) x.station_id, x.supervisor_id, coalesce(p.name, '') AS name, x.held_on, "
        "x.hours, x.below_minimum_hours FROM station_supervision_session x "
        "LEFT JOIN station_worker p ON p.worker_id::text = x.supervisor_id WHERE x.station_id = ANY(%s::uuid[]) "
        "ORDER BY x.station_id, x.held_on DESC, x.session_id", (ids,)).fetchall()
    for item in items:
        sid = item["station_id"]
        held = next((plain_row(r) for r in months if str(r["station_id"]) == sid),
                    {"sessions": 0, "hours": 0.0, "short_sessions": 0})
        last = next((plain_row(r) for r in lasts if str(r["station_id"]) == sid), None)
        item["supervision"] = {
            "month": first.strftime("%Y-%m"), "sessions": held["sessions"], "hours": held["hours"],
            "short_sessions": held["short_sessions"], "minimum_hours": minimum_hours,
            "supervised": held["sessions"] > 0,
            "meets_minimum_hours": held["sessions"] > 0 and held["short_sessions"] == 0,
            "last_session": None if last is None else {k: v for k, v in last.items() if k != "station_id"},
        }


def county_status(conn: psycopg.Connection, county_code: str, as_of: date) -> dict[str, Any]:
    """Per batch on ``as_of``: target, deadline, stations opened by then, operating at minimum staff, late ones."""
    batches = conn.execute(
        "SELECT b.batch, b.deadline, (SELECT count(*) FROM station_county_township t WHERE t.county_code = "
        "b.county_code AND t.batch = b.batch) AS target FROM station_county_batch b WHERE b.county_code = %s "
        "ORDER BY b.batch", (county_code,)).fetchall()
    states = _station_states(conn, county_code, as_of)
    out = [_batch_progress(b, [s for s in states if s["batch"] == b["batch"] and s["status"] is not None], as_of)
           for b in batches]
    return {"county_code": county_code, "as_of": as_of.isoformat(), "batches": out,
            "target": sum(b["target"] for b in out), "opened": sum(b["opened"] for b in out),
            "operating": sum(b["operating"] for b in out),
            "below_minimum": sum(len(b["below_minimum_townships"]) for b in out),
            "late_townships": [t for b in out for t in b["late_townships"]]}


def _station_states(conn: psycopg.Connection, county_code: str, as_of: date) -> list[dict[str, Any]]:
    """Each station of the county on ``as_of``: status, opening day, headcount and minimum then."""
    return conn.execute(
        "SELECT s.station_id, s.batch, s.township_code, s.deadline, "
        "(SELECT h.status FROM station_status_history h WHERE h.station_id = s.station_id AND h.since <= %(d)s "
        " ORDER BY h.since DESC, h.position DESC LIMIT 1) AS status, "
        # The opening day is the station record's, so the record and the county status cannot disagree.
        "coalesce(s.opened_on, (SELECT min(h.since) FROM station_status_history h "
        " WHERE h.station_id = s.station_id AND h.status = 'opened')) AS first_opened_on, "
        "(SELECT array[f.headcount, f.minimum_staffing] FROM station_staffing_history f "
        " WHERE f.station_id = s.station_id AND f.since <= %(d)s ORDER BY f.since DESC, f.position DESC LIMIT 1) "
        " AS staffing "
        "FROM station_status s WHERE s.county_code = %(c)s ORDER BY s.township_code",
        {"d": as_of, "c": county_code}).fetchall()


def _batch_progress(b: dict[str, Any], mine: list[dict[str, Any]], as_of: date) -> dict[str, Any]:
    """One batch on ``as_of``; a station is late when its deadline has passed and it had not opened by then."""
    opened = [s for s in mine if s["first_opened_on"] is not None and s["first_opened_on"] <= as_of]
    running = [s for s in mine if s["status"] == "opened"]
    below = [s for s in running if s["staffing"] is None or s["staffing"][0] < s["staffing"][1]]
    late = [s for s in mine if as_of > s["deadline"] and s not in opened]
    by_status: dict[str, int] = {}
    for s in mine:
        by_status[s["status"]] = by_status.get(s["status"], 0) + 1
    return {
        "batch": b["batch"], "deadline": b["deadline"].isoformat(), "target": b["target"],
        "planned": len(mine), "opened": len(opened), "operating": len(running) - len(below),
        "below_minimum_townships": [s["township_code"] for s in below], "by_status": by_status,
        "opened_townships": [s["township_code"] for s in opened],
        "late_townships": [s["township_code"] for s in late],
        "deadline_passed": as_of > b["deadline"],
        "behind_schedule": as_of > b["deadline"] and len(opened) < b["target"],
    }


def list_ledgers(conn: psycopg.Connection, *, station_id: str | None = None, organisation_id: str | None = None,
                 status: str | None = None, year: int | None = None, quarter: int | None = None,
                 townships: Sequence[str] | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """A page of quarterly ledgers, newest quarter first."""
    clauses, params = filters(l__station_id=station_id, l__organisation_id=organisation_id, l__status=status,
                               l__year=year, l__quarter=quarter, s__township_code=townships)
    return fetch_page(conn, "SELECT l.*, s.township_code FROM station_ledger l "
                      "JOIN station_status s USING (station_id)",
                      where(clauses), params, "l.year DESC, l.quarter DESC, s.township_code", limit, offset)


def list_evaluations(conn: psycopg.Connection, *, station_id: str | None = None, open_items: bool | None = None,
                     townships: Sequence[str] | None = None, organisation_id: str | None = None,
                     limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """A page of external evaluations, newest first."""
    clauses, params = filters(e__station_id=station_id, s__township_code=townships,
                               s__organisation_id=organisation_id)
    if open_items is not None:
        clauses.append("e.open_items > 0" if open_items else "e.open_items = 0")
    return fetch_page(conn, "SELECT e.*, s.township_code FROM station_evaluation e JOIN station_status s "
                      "USING (station_id)", where(clauses), params, "e.evaluated_on DESC, e.evaluation_id",
                      limit, offset)


def list_misuse_reports(conn: psycopg.Connection, *, station_id: str | None = None,
                        township_code: str | None = None, status: str | None = None,
                        townships: Sequence[str] | None = None, limit: int = 100, offset: int = 0,
                        ) -> dict[str, Any]:
    """A page of misuse reports (no description: it stays in the aggregate), newest first."""
    clauses, params = filters(station_id=station_id, township_code=township_code, status=status)
    if townships is not None:
        clauses.append("township_code = ANY(%s)")
        params.append(list(townships))
    return fetch_page(conn, "SELECT * FROM station_misuse", where(clauses), params, "observed_on DESC, report_id",
                      limit, offset)
