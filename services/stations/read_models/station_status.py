"""The station-status view (站点状态), fed only by the stream.

Per station its lifecycle state (with dated history, so "as of" answers work), township, batch and deadline,
contractor, the workers assigned now and its supervisor (from the workforce service's events), open rectification
items, quarterly ledgers and misuse reports; per county the batches and their target counts. Each source of events
is one handler table (``_own_handlers``, ``_workforce_handlers``, ``_casework_handlers``: the supervision sessions
held at each station). Its queries are in ``station_queries``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from services.stations.domain import PRE_OPENING, stage_of
from shared.contracts import casework as k
from shared.contracts import stations as c
from shared.contracts import workforce as w
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

from .station_records import (
    evaluation_recorded,
    item_closed,
    ledger_resubmitted,
    ledger_reviewed,
    ledger_submitted,
    misuse_opened,
    misuse_resolved,
)
from .station_status_schema import IN_THE_PLAN, STATUS_DDL, STATUS_TABLES


class StationStatusView(Projection):
    """Per station: lifecycle (dated), contractor, staffing, workers, supervisor, rectification, ledgers."""

    name = "stations.station_status"
    ddl = STATUS_DDL
    tables = STATUS_TABLES

    def handlers(self) -> dict[str, Handler]:
        return {**self._own_handlers(), **self._workforce_handlers(), **self._casework_handlers()}

    # --- sources --------------------------------------------------------------------------------

    def _own_handlers(self) -> dict[str, Handler]:
        """The stations service's own events."""
        return {
            c.CountyPlanEstablished.event_type(): _plan_established,
            c.TownshipAdded.event_type(): _township_added,
            c.StationPlanned.event_type(): _planned,
            c.StationSiteProvided.event_type(): _station_change(
                lambda d: {"site_provided_on": d["provided_on"]}, "provided_on"),
            c.StationContractorAssigned.event_type(): _station_change(
                lambda d: {"contract_id": d["contract_id"], "organisation_id": d["organisation_id"],
                           "organisation_name": d["organisation_name"], "contractor_assigned_on": d["assigned_on"]},
                "assigned_on"),
            c.StationContractorReleased.event_type(): _station_change(
                lambda d: {"contract_id": None, "organisation_id": None, "organisation_name": None,
                           "contractor_assigned_on": None}, "released_on"),
            c.StationStaffingRecorded.event_type(): _staffing_recorded,
            c.StationOpened.event_type(): _station_change(
                lambda d: {"status": "opened", "opened_on": d["opened_on"]}, "opened_on"),
            c.StationSuspended.event_type(): _station_change(
                lambda d: {"status": "suspended", "suspended_on": d["suspended_on"]}, "suspended_on"),
            c.StationReopened.event_type(): _station_change(
                lambda d: {"status": "opened", "suspended_on": None}, "reopened_on"),
            c.StationClosed.event_type(): _station_change(
                lambda d: {"status": "closed", "closed_on": d["closed_on"]}, "closed_on"),
            c.StationVillageCoverageStarted.event_type(): _coverage_started,
            c.StationVillageCoverageEnded.event_type(): _coverage_ended,
            c.ExternalEvaluationRecorded.event_type(): evaluation_recorded,
            c.ExternalEvaluationRectificationItemClosed.event_type(): item_closed,
            c.QuarterlyLedgerSubmitted.event_type(): ledger_submitted,
            c.QuarterlyLedgerAccepted.event_type(): ledger_reviewed("accepted", "accepted_on"),
            c.QuarterlyLedgerReturnedForRectification.event_type(): ledger_reviewed("returned", "returned_on"),
            c.QuarterlyLedgerResubmitted.event_type(): ledger_resubmitted,
            c.MisuseReportOpened.event_type(): misuse_opened,
            c.MisuseReportResolved.event_type(): misuse_resolved,
        }

    def _workforce_handlers(self) -> dict[str, Handler]:
        """The workforce service's events: who works at and who supervises each station."""
        return {
            w.WorkerHired.event_type(): _worker_hired,
            w.WorkerAssignedToStation.event_type(): _worker_assigned,
            w.WorkerTransferredToStation.event_type(): _worker_transferred,
            w.WorkerUnassignedFromStation.event_type(): _worker_unassigned,
            w.WorkerLeft.event_type(): _worker_left,
            w.StationSupervisionAssigned.event_type(): _supervision_assigned,
            w.StationSupervisionReleased.event_type(): _supervision_released,
        }


    def _casework_handlers(self) -> dict[str, Handler]:
        """The casework service's events: the supervision sessions held at each station (督导)."""
        return {k.SupervisionSessionHeld.event_type(): _supervision_session_held}


# --- own events ---------------------------------------------------------------------------------


def _plan_established(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    for b in d["batches"]:
        cur.execute(
            "INSERT INTO station_county_batch (county_code, batch, deadline) VALUES (%s, %s, %s) "
            "ON CONFLICT (county_code, batch) DO UPDATE SET deadline = EXCLUDED.deadline",
            (d["county_code"], b["batch"], b["deadline"]),
        )
    for t in d["townships"]:
        _record_township(cur, d["county_code"], t)


def _record_township(cur: psycopg.Cursor, county_code: str, t: dict[str, Any]) -> None:
    cur.execute(
        "INSERT INTO station_county_township (county_code, township_code, township_name, batch) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (county_code, township_code) DO UPDATE SET "
        "township_name = EXCLUDED.township_name, batch = EXCLUDED.batch",
        (county_code, t["code"], t["name"], t["batch"]),
    )


def _township_added(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _record_township(cur, event.data["county_code"], event.data["township"])


def _planned(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO station_status (station_id, county_code, township_code, township_name, batch, deadline, "
        "status, minimum_staffing, version, updated_at) VALUES (%s, %s, %s, %s, %s, %s, 'planned', %s, %s, %s)",
        (event.aggregateid, d["county_code"], d["township_code"], d["township_name"], d["batch"],
         d["deadline"], d["minimum_staffing"], event.aggregateversion, event.time),
    )
    _history(cur, event.aggregateid, IN_THE_PLAN, event.sequence, "planned")


def _station_change(columns: Any, date_field: str) -> Handler:
    """A handler setting a station's columns from the event, then its stage, with a dated history row."""

    def handle(cur: psycopg.Cursor, event: CloudEvent) -> None:
        values = columns(event.data)
        row = cur.execute("SELECT * FROM station_status WHERE station_id = %s FOR UPDATE",
                          (event.aggregateid,)).fetchone()
        if row is None:
            raise LookupError(f"station {event.aggregateid} is not in the station-status view")
        merged = {**row, **values}
        values["status"] = _stage(merged) if row["status"] in PRE_OPENING and "status" not in values \
            else merged["status"]
        assignments = ", ".join(f"{name} = %s" for name in values)
        cur.execute(
            f"UPDATE station_status SET {assignments}, version = %s, updated_at = %s WHERE station_id = %s",
            (*values.values(), event.aggregateversion, event.time, event.aggregateid),
        )
        if values["status"] != row["status"]:
            _history(cur, event.aggregateid, date.fromisoformat(event.data[date_field]), event.sequence,
                     values["status"])

    return handle


_staffing_change = _station_change(
    lambda d: {"headcount": d["headcount"], "staffing_as_of": d["as_of"], "minimum_staffing": d["minimum_staffing"]},
    "as_of")


def _staffing_recorded(cur: psycopg.Cursor, event: CloudEvent) -> None:
    """The headcount now, and dated, so the county status knows who was at or above the minimum on a day."""
    _staffing_change(cur, event)
    d = event.data
    cur.execute(
        "INSERT INTO station_staffing_history (station_id, since, position, headcount, minimum_staffing) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (event.aggregateid, d["as_of"], event.sequence, d["headcount"], d["minimum_staffing"]),
    )


def _stage(row: dict[str, Any]) -> str:
    """A not-yet-open station's stage, by the domain's rule."""
    staffed = row["headcount"] >= row["minimum_staffing"]
    return stage_of(row["site_provided_on"] is not None, row["contract_id"] is not None, staffed).value


def _history(cur: psycopg.Cursor, station_id: str, on: date, position: int, status: str) -> None:
    """A dated status row; never dated before the station's previous row, so the history stays ordered."""
    cur.execute(
        "INSERT INTO station_status_history (station_id, since, position, status) "
        "SELECT %s, greatest(%s::date, coalesce(max(since), %s::date)), %s, %s "
        "FROM station_status_history WHERE station_id = %s ON CONFLICT DO NOTHING",
        (station_id, on, on, position, status, station_id),
    )


def _coverage_started(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO station_coverage (station_id, village_code, village_name, start_on, position) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (event.aggregateid, d["village_code"], d["village_name"], d["start"], event.sequence),
    )


def _coverage_ended(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE station_coverage SET end_on = %s WHERE station_id = %s AND village_code = %s AND end_on IS NULL",
        (event.data["end"], event.aggregateid, event.data["village_code"]),
    )


# --- workforce events ---------------------------------------------------------------------------


def _worker_hired(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "INSERT INTO station_worker (worker_id, name, employer_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (worker_id) DO UPDATE SET name = EXCLUDED.name, employer_id = EXCLUDED.employer_id",
        (event.aggregateid, event.data["name"], event.data["employer_id"]),
    )


def _open_period(cur: psycopg.Cursor, table: str, person: str, person_id: str, station_id: str, on: str,
                 position: int) -> None:
    cur.execute(
        f"INSERT INTO {table} ({person}, station_id, start_on, position) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (person_id, station_id, on, position),
    )


def _end_periods(cur: psycopg.Cursor, table: str, person: str, person_id: str, on: str,
                 station_id: str | None = None) -> None:
    """Ends a person's open periods (at one station, or all)."""
    where = " AND station_id = %s" if station_id is not None else ""
    cur.execute(
        f"UPDATE {table} SET end_on = greatest(%s::date, start_on) WHERE {person} = %s AND end_on IS NULL{where}",
        (on, person_id, *((station_id,) if station_id is not None else ())),
    )


def _worker_assigned(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    _end_periods(cur, "station_assignment", "worker_id", event.aggregateid, d["assigned_on"])
    _open_period(cur, "station_assignment", "worker_id", event.aggregateid, d["station_id"], d["assigned_on"],
                 event.sequence)


def _worker_transferred(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    _end_periods(cur, "station_assignment", "worker_id", event.aggregateid, d["transferred_on"])
    _open_period(cur, "station_assignment", "worker_id", event.aggregateid, d["station_id"],
                 d["transferred_on"], event.sequence)


def _worker_unassigned(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _end_periods(cur, "station_assignment", "worker_id", event.aggregateid, event.data["unassigned_on"],
                 event.data["station_id"])


def _worker_left(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _end_periods(cur, "station_assignment", "worker_id", event.aggregateid, event.data["left_on"])
    _end_periods(cur, "station_supervision", "supervisor_id", event.aggregateid, event.data["left_on"])


def _supervision_assigned(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _open_period(cur, "station_supervision", "supervisor_id", event.aggregateid, event.data["station_id"],
                 event.data["assigned_on"], event.sequence)


def _supervision_released(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _end_periods(cur, "station_supervision", "supervisor_id", event.aggregateid, event.data["released_on"],
                 event.data["station_id"])


# --- casework events ----------------------------------------------------------------------------


def _supervision_session_held(cur: psycopg.Cursor, event: CloudEvent) -> None:
    """A session held at a station: the view shows the last one and the month's sessions against the minimum."""
    d = event.data
    cur.execute(
        "INSERT INTO station_supervision_session (session_id, station_id, supervisor_id, held_on, hours, "
        "minimum_hours, below_minimum_hours) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (event.aggregateid, d["station_id"], d["supervisor_id"], d["held_on"], d["hours"], d["minimum_hours"],
         d["below_minimum_hours"]),
    )
