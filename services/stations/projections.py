"""Read models of the stations service, fed only by the stream, and their queries.

- ``StationStatus`` (站点状态): per station its lifecycle state (with dated history, so "as of" answers
  work), township, batch and deadline, contractor, the workers assigned now and its supervisor (from the
  workforce service's events), open rectification items, quarterly ledgers and misuse reports; per county
  the batches and their target counts. Each source of events is one handler table (``_own_handlers``,
  ``_workforce_handlers``): a new source (casework supervision sessions, later) is one more.
- ``Registers``: service contracts and public disclosures, for the list queries.
- ``StaffingPolicy``: not a view but a policy. It keeps the workforce service's current station
  assignments and tells the ``Stations`` application each affected station's headcount
  (``record_staffing``, idempotent on the workforce event's sequence).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.stations.application import Stations, as_id
from shared.contracts import stations as c
from shared.contracts import workforce as w
from shared.domain import SYSTEM
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

PRE_OPENING = ("planned", "site_provided", "contractor_assigned", "staffed")
IN_THE_PLAN = date.min  # a planned station's first history row: planned "since the plan" (shown as null)

# --- station status -----------------------------------------------------------------------------

STATUS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS station_status (
        station_id uuid PRIMARY KEY,
        county_code text NOT NULL,
        township_code text NOT NULL UNIQUE,
        township_name text NOT NULL,
        batch int NOT NULL,
        deadline date NOT NULL,
        status text NOT NULL,
        minimum_staffing int NOT NULL,
        headcount int NOT NULL DEFAULT 0,
        staffing_as_of date,
        site_provided_on date,
        contract_id uuid,
        organisation_id text,
        organisation_name text,
        contractor_assigned_on date,
        opened_on date,
        suspended_on date,
        closed_on date,
        version int NOT NULL,
        updated_at timestamptz NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_status_history (
        station_id uuid NOT NULL,
        since date NOT NULL,
        position bigint NOT NULL,
        status text NOT NULL,
        PRIMARY KEY (station_id, position)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_county_batch (
        county_code text NOT NULL,
        batch int NOT NULL,
        deadline date NOT NULL,
        PRIMARY KEY (county_code, batch)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_county_township (
        county_code text NOT NULL,
        township_code text NOT NULL,
        township_name text NOT NULL,
        batch int NOT NULL,
        PRIMARY KEY (county_code, township_code)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_coverage (
        station_id uuid NOT NULL,
        village_code text NOT NULL,
        village_name text NOT NULL,
        start_on date NOT NULL,
        end_on date,
        position bigint NOT NULL,
        PRIMARY KEY (station_id, position)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_worker (
        worker_id uuid PRIMARY KEY,
        name text NOT NULL,
        employer_id uuid NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_assignment (
        worker_id uuid NOT NULL,
        station_id uuid NOT NULL,
        start_on date NOT NULL,
        end_on date,
        position bigint NOT NULL,
        PRIMARY KEY (worker_id, position)
    )
    """,
    "CREATE INDEX IF NOT EXISTS station_assignment_station ON station_assignment (station_id, start_on)",
    """
    CREATE TABLE IF NOT EXISTS station_supervision (
        supervisor_id uuid NOT NULL,
        station_id uuid NOT NULL,
        start_on date NOT NULL,
        end_on date,
        position bigint NOT NULL,
        PRIMARY KEY (supervisor_id, position)
    )
    """,
    "CREATE INDEX IF NOT EXISTS station_supervision_station ON station_supervision (station_id, start_on)",
    """
    CREATE TABLE IF NOT EXISTS station_evaluation (
        evaluation_id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        evaluator_organisation text NOT NULL,
        evaluated_on date NOT NULL,
        score int NOT NULL,
        items int NOT NULL,
        open_items int NOT NULL,
        version int NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_rectification (
        evaluation_id uuid NOT NULL,
        item_id text NOT NULL,
        station_id uuid NOT NULL,
        description text NOT NULL,
        due_on date NOT NULL,
        closed_on date,
        PRIMARY KEY (evaluation_id, item_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS station_ledger (
        ledger_id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        contract_id uuid NOT NULL,
        organisation_id text NOT NULL,
        year int NOT NULL,
        quarter int NOT NULL,
        due_on date NOT NULL,
        submitted_on date NOT NULL,
        late boolean NOT NULL,
        status text NOT NULL,
        figures jsonb NOT NULL,
        reasons jsonb NOT NULL DEFAULT '[]',
        reviewed_on date,
        version int NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS station_ledger_station ON station_ledger (station_id, year, quarter)",
    """
    CREATE TABLE IF NOT EXISTS station_misuse (
        report_id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        township_code text NOT NULL,
        worker_id text NOT NULL,
        observed_on date NOT NULL,
        status text NOT NULL,
        resolved_on date,
        version int NOT NULL
    )
    """,
)
STATUS_TABLES = (
    "station_status", "station_status_history", "station_county_batch", "station_county_township",
    "station_coverage", "station_worker", "station_assignment", "station_supervision", "station_evaluation",
    "station_rectification", "station_ledger", "station_misuse",
)
FIGURES = ("services_delivered", "people_served", "activities", "staffing", "spending_fen")


class StationStatus(Projection):
    """Per station: lifecycle (dated), contractor, staffing, workers, supervisor, rectification, ledgers."""

    name = "stations.station_status"
    ddl = STATUS_DDL
    tables = STATUS_TABLES

    def handlers(self) -> dict[str, Handler]:
        return {**self._own_handlers(), **self._workforce_handlers()}

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
            c.StationStaffingRecorded.event_type(): _station_change(
                lambda d: {"headcount": d["headcount"], "staffing_as_of": d["as_of"],
                           "minimum_staffing": d["minimum_staffing"]}, "as_of"),
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
            c.ExternalEvaluationRecorded.event_type(): _evaluation_recorded,
            c.ExternalEvaluationRectificationItemClosed.event_type(): _item_closed,
            c.QuarterlyLedgerSubmitted.event_type(): _ledger_submitted,
            c.QuarterlyLedgerAccepted.event_type(): _ledger_reviewed("accepted", "accepted_on"),
            c.QuarterlyLedgerReturnedForRectification.event_type(): _ledger_reviewed("returned", "returned_on"),
            c.QuarterlyLedgerResubmitted.event_type(): _ledger_resubmitted,
            c.MisuseReportOpened.event_type(): _misuse_opened,
            c.MisuseReportResolved.event_type(): _misuse_resolved,
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


def _stage(row: dict[str, Any]) -> str:
    """A not-yet-open station's stage, as the Station aggregate computes it."""
    if row["site_provided_on"] is None:
        return "planned"
    if row["contract_id"] is None:
        return "site_provided"
    if row["headcount"] < row["minimum_staffing"]:
        return "contractor_assigned"
    return "staffed"


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


def _evaluation_recorded(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    items = d["rectification_items"]
    cur.execute(
        "INSERT INTO station_evaluation (evaluation_id, station_id, evaluator_organisation, evaluated_on, score, "
        "items, open_items, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (event.aggregateid, d["station_id"], d["evaluator_organisation"], d["evaluated_on"], d["score"],
         len(items), len(items), event.aggregateversion),
    )
    for item in items:
        cur.execute(
            "INSERT INTO station_rectification (evaluation_id, item_id, station_id, description, due_on) "
            "VALUES (%s, %s, %s, %s, %s)",
            (event.aggregateid, item["item_id"], d["station_id"], item["description"], item["due_on"]),
        )


def _item_closed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE station_rectification SET closed_on = %s WHERE evaluation_id = %s AND item_id = %s",
        (event.data["closed_on"], event.aggregateid, event.data["item_id"]),
    )
    if cur.rowcount != 1:
        raise LookupError(f"evaluation {event.aggregateid} has no item {event.data['item_id']} in the view")
    cur.execute(
        "UPDATE station_evaluation SET open_items = open_items - 1, version = %s WHERE evaluation_id = %s",
        (event.aggregateversion, event.aggregateid),
    )


def _ledger_submitted(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO station_ledger (ledger_id, station_id, contract_id, organisation_id, year, quarter, due_on, "
        "submitted_on, late, status, figures, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'submitted', "
        "%s, %s)",
        (event.aggregateid, d["station_id"], d["contract_id"], d["organisation_id"], d["year"], d["quarter"],
         d["due_on"], d["submitted_on"], d["late"], Jsonb({k: d[k] for k in FIGURES}), event.aggregateversion),
    )


def _ledger_reviewed(status: str, date_field: str) -> Handler:
    def handle(cur: psycopg.Cursor, event: CloudEvent) -> None:
        cur.execute(
            "UPDATE station_ledger SET status = %s, reviewed_on = %s, reasons = %s, version = %s "
            "WHERE ledger_id = %s",
            (status, event.data[date_field], Jsonb(event.data.get("reasons", [])), event.aggregateversion,
             event.aggregateid),
        )
        if cur.rowcount != 1:
            raise LookupError(f"ledger {event.aggregateid} is not in the view")

    return handle


def _ledger_resubmitted(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "UPDATE station_ledger SET status = 'submitted', submitted_on = %s, late = %s, figures = %s, "
        "reviewed_on = NULL, version = %s WHERE ledger_id = %s",
        (d["submitted_on"], d["late"], Jsonb({k: d[k] for k in FIGURES}), event.aggregateversion,
         event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"ledger {event.aggregateid} is not in the view")


def _misuse_opened(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO station_misuse (report_id, station_id, township_code, worker_id, observed_on, status, version) "
        "VALUES (%s, %s, %s, %s, %s, 'open', %s)",
        (event.aggregateid, d["station_id"], d["township_code"], d["worker_id"], d["observed_on"],
         event.aggregateversion),
    )


def _misuse_resolved(cur: psycopg.Cursor, event: CloudEvent) -> None:
    cur.execute(
        "UPDATE station_misuse SET status = 'resolved', resolved_on = %s, version = %s WHERE report_id = %s",
        (event.data["resolved_on"], event.aggregateversion, event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"misuse report {event.aggregateid} is not in the view")


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


# --- registers: contracts and disclosures -------------------------------------------------------

REGISTER_DDL = (
    """
    CREATE TABLE IF NOT EXISTS register_contract (
        contract_id uuid PRIMARY KEY,
        contract_number text NOT NULL UNIQUE,
        organisation_id text NOT NULL,
        organisation_name text NOT NULL,
        station_ids uuid[] NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        amount_fen bigint NOT NULL,
        supervision_fen bigint NOT NULL,
        budget_year int NOT NULL,
        signed_on date NOT NULL,
        status text NOT NULL,
        disbursed_fen bigint NOT NULL DEFAULT 0,
        disbursements int NOT NULL DEFAULT 0,
        amendments int NOT NULL DEFAULT 0,
        terminated_on date,
        version int NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS register_disclosure (
        disclosure_id uuid PRIMARY KEY,
        organisation_id text NOT NULL,
        contract_id uuid NOT NULL,
        station_id uuid,
        kind text NOT NULL,
        title text NOT NULL,
        disclosed_on date NOT NULL
    )
    """,
)


class Registers(Projection):
    """Service contracts (terms, status, money paid) and public disclosures, for the list queries."""

    name = "stations.registers"
    ddl = REGISTER_DDL
    tables = ("register_contract", "register_disclosure")

    def handlers(self) -> dict[str, Handler]:
        return {
            c.ServiceContractSigned.event_type(): _contract_signed,
            c.ServiceContractDisbursed.event_type(): _contract_disbursed,
            c.ServiceContractAmended.event_type(): _contract_amended,
            c.ServiceContractTerminated.event_type(): _contract_terminated,
            c.PublicDisclosurePublished.event_type(): _disclosure_published,
        }


def _contract_signed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO register_contract (contract_id, contract_number, organisation_id, organisation_name, "
        "station_ids, period_start, period_end, amount_fen, supervision_fen, budget_year, signed_on, status, "
        "version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'signed', %s)",
        (event.aggregateid, d["contract_number"], d["organisation_id"], d["organisation_name"], d["station_ids"],
         d["period_start"], d["period_end"], d["amount_fen"], d["supervision_fen"], d["budget_year"],
         d["signed_on"], event.aggregateversion),
    )


def _contract_update(cur: psycopg.Cursor, event: CloudEvent, sql: str, params: Sequence[Any]) -> None:
    cur.execute(f"UPDATE register_contract SET {sql}, version = %s WHERE contract_id = %s",
                (*params, event.aggregateversion, event.aggregateid))
    if cur.rowcount != 1:
        raise LookupError(f"contract {event.aggregateid} is not in the register")


def _contract_disbursed(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _contract_update(cur, event, "disbursed_fen = %s, disbursements = disbursements + 1",
                     (event.data["disbursed_total_fen"],))


def _contract_amended(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    _contract_update(cur, event, "amount_fen = %s, supervision_fen = %s, period_end = %s, station_ids = %s, "
                     "amendments = amendments + 1",
                     (d["amount_fen"], d["supervision_fen"], d["period_end"], d["station_ids"]))


def _contract_terminated(cur: psycopg.Cursor, event: CloudEvent) -> None:
    _contract_update(cur, event, "status = 'terminated', terminated_on = %s", (event.data["terminated_on"],))


def _disclosure_published(cur: psycopg.Cursor, event: CloudEvent) -> None:
    d = event.data
    cur.execute(
        "INSERT INTO register_disclosure (disclosure_id, organisation_id, contract_id, station_id, kind, title, "
        "disclosed_on) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (event.aggregateid, d["organisation_id"], d["contract_id"], d["station_id"], d["kind"], d["title"],
         d["disclosed_on"]),
    )


# --- staffing policy: workforce assignments become station headcounts ---------------------------

STAFFING_DDL = (
    """
    CREATE TABLE IF NOT EXISTS staffing_assignment (
        worker_id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        since date NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS staffing_assignment_station ON staffing_assignment (station_id)",
    """
    CREATE TABLE IF NOT EXISTS staffing_station (
        station_id uuid PRIMARY KEY,
        headcount int NOT NULL,
        as_of date NOT NULL,
        source_seq bigint NOT NULL
    )
    """,
)


class StaffingPolicy(Projection):
    """Keeps the workforce service's current assignments per station and records each change's headcount.

    After every workforce assignment event it calls ``Stations.record_staffing`` for the affected station(s)
    with ``source_seq`` = the event's sequence, so a redelivered or replayed event changes nothing. A station
    the stations service has not planned yet gets its headcount when its ``StationPlanned`` event arrives.
    """

    name = "stations.staffing_policy"
    ddl = STAFFING_DDL
    tables = ("staffing_assignment", "staffing_station")
    actor = "staffing-policy"

    def __init__(self, app: Stations | None) -> None:
        self.app = app

    def handlers(self) -> dict[str, Handler]:
        return {
            w.WorkerAssignedToStation.event_type(): self._assigned,
            w.WorkerTransferredToStation.event_type(): self._assigned,
            w.WorkerUnassignedFromStation.event_type(): self._left,
            w.WorkerLeft.event_type(): self._left,
            c.StationPlanned.event_type(): self._station_planned,
        }

    def _assigned(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        d = event.data
        on = d.get("assigned_on") or d["transferred_on"]
        before = self._unassign(cur, event.aggregateid)
        cur.execute("INSERT INTO staffing_assignment (worker_id, station_id, since) VALUES (%s, %s, %s)",
                    (event.aggregateid, d["station_id"], on))
        self._recount(cur, event, {*before, str(d["station_id"])}, on)

    def _left(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        on = event.data.get("unassigned_on") or event.data["left_on"]
        self._recount(cur, event, self._unassign(cur, event.aggregateid), on)

    @staticmethod
    def _unassign(cur: psycopg.Cursor, worker_id: str) -> list[str]:
        rows = cur.execute("DELETE FROM staffing_assignment WHERE worker_id = %s RETURNING station_id",
                           (worker_id,)).fetchall()
        return [str(r["station_id"]) for r in rows]

    def _recount(self, cur: psycopg.Cursor, event: CloudEvent, station_ids: Iterable[str], on: str) -> None:
        for station_id in sorted(station_ids):
            row = cur.execute("SELECT count(*) AS n FROM staffing_assignment WHERE station_id = %s",
                              (station_id,)).fetchone()
            headcount = row["n"] if row else 0
            cur.execute(
                "INSERT INTO staffing_station (station_id, headcount, as_of, source_seq) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (station_id) DO UPDATE SET headcount = EXCLUDED.headcount, as_of = EXCLUDED.as_of, "
                "source_seq = EXCLUDED.source_seq",
                (station_id, headcount, on, event.sequence),
            )
            self._record(station_id, headcount, date.fromisoformat(on), event.sequence, event)

    def _station_planned(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        row = cur.execute("SELECT * FROM staffing_station WHERE station_id = %s", (event.aggregateid,)).fetchone()
        if row is not None:
            self._record(event.aggregateid, row["headcount"], row["as_of"], row["source_seq"], event)

    def _record(self, station_id: str, headcount: int, as_of: date, source_seq: int, event: CloudEvent) -> None:
        """Tells the application the station's headcount; a station not planned (yet) is passed over."""
        if self.app is None:
            raise LookupError("the staffing policy runs only inside the stations service")
        if not self.app.exists(as_id(station_id, "station")):
            return  # recorded when the station is planned
        ctx = replace(SYSTEM, actor=self.actor, correlation_id=event.correlationid, causation_id=event.id)
        self.app.record_staffing(ctx, station_id=as_id(station_id, "station"), headcount=headcount,
                                 as_of=as_of, source_seq=source_seq)


# --- queries ------------------------------------------------------------------------------------


def _filters(**values: Any) -> tuple[list[str], list[Any]]:
    """``column = value`` conditions for the values given (a list value: ``column = ANY(value)``)."""
    clauses, params = [], []
    for key, value in values.items():
        if value is None:
            continue
        column = key.replace("__", ".")
        clauses.append(f"{column} = ANY(%s)" if isinstance(value, list | tuple) else f"{column} = %s")
        params.append(list(value) if isinstance(value, list | tuple) else value)
    return clauses, params


def _where(clauses: list[str]) -> str:
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def _page(conn: psycopg.Connection, select: str, where: str, params: list[Any], order: str, limit: int,
          offset: int) -> dict[str, Any]:
    total = conn.execute(f"SELECT count(*) AS n FROM ({select} {where}) AS q", params).fetchone()
    rows = conn.execute(f"{select} {where} ORDER BY {order} LIMIT %s OFFSET %s", (*params, limit, offset)).fetchall()
    return {"items": [_plain(r) for r in rows], "total": total["n"] if total else 0, "limit": limit,
            "offset": offset}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, list):
            value = [str(v) if not isinstance(v, str | int | float | dict) else v for v in value]
        elif value is not None and (key.endswith("_id") or key == "id") and not isinstance(value, str):
            value = str(value)
        out[key] = value
    return out


def list_station_status(
    conn: psycopg.Connection, *, township_code: str | None = None, batch: int | None = None,
    status: str | None = None, townships: Sequence[str] | None = None, organisation_id: str | None = None,
    limit: int = 100, offset: int = 0,
) -> dict[str, Any]:
    """A page of the station-status view, filtered (``townships``/``organisation_id``: the caller's scope)."""
    clauses, params = _filters(s__township_code=township_code, s__batch=batch, s__status=status,
                               s__organisation_id=organisation_id)
    if townships is not None:
        clauses.append("s.township_code = ANY(%s)")
        params.append(list(townships))
    page = _page(conn, "SELECT s.* FROM station_status s", _where(clauses), params, "s.batch, s.township_code",
                 limit, offset)
    _enrich(conn, page["items"])
    return page


def get_station_status(conn: psycopg.Connection, station_id: str) -> dict[str, Any] | None:
    """One station's row of the view, with its workers, supervisors, rectification items and ledgers."""
    row = conn.execute("SELECT * FROM station_status WHERE station_id = %s", (station_id,)).fetchone()
    if row is None:
        return None
    item = _plain(row)
    _enrich(conn, [item])
    item["rectification_items"] = [_plain(r) for r in conn.execute(
        "SELECT evaluation_id, item_id, description, due_on, closed_on FROM station_rectification "
        "WHERE station_id = %s ORDER BY due_on, evaluation_id, item_id", (station_id,)).fetchall()]
    item["coverage"] = [_plain(r) for r in conn.execute(
        "SELECT village_code, village_name, start_on, end_on FROM station_coverage WHERE station_id = %s "
        "ORDER BY position", (station_id,)).fetchall()]
    item["history"] = [_plain(r) for r in conn.execute(
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
        mine = [_plain(r) for r in workers if str(r["station_id"]) == sid]
        item["workers"] = [{"worker_id": r["worker_id"], "name": r["name"], "since": r["start_on"]} for r in mine]
        item["workers_assigned"] = len(mine)
        item["supervisors"] = [{"supervisor_id": r["supervisor_id"], "name": r["name"], "since": r["start_on"]}
                               for r in (_plain(s) for s in supervisors if str(s["station_id"]) == sid)]
        item["supervisor"] = item["supervisors"][0] if item["supervisors"] else None
        item["open_rectification_items"] = next((r["n"] for r in open_items if str(r["station_id"]) == sid), 0)
        latest = next((_plain(r) for r in ledgers if str(r["station_id"]) == sid), None)
        item["latest_ledger"] = None if latest is None else {k: v for k, v in latest.items() if k != "station_id"}
        item["villages_covered"] = next((list(r["codes"]) for r in covered if str(r["station_id"]) == sid), [])
        item["understaffed"] = item["status"] == "opened" and item["headcount"] < item["minimum_staffing"]


def county_status(conn: psycopg.Connection, county_code: str, as_of: date) -> dict[str, Any]:
    """Per batch on ``as_of``: target count, deadline, stations opened by then, behind schedule or not."""
    batches = conn.execute(
        "SELECT b.batch, b.deadline, (SELECT count(*) FROM station_county_township t WHERE t.county_code = "
        "b.county_code AND t.batch = b.batch) AS target FROM station_county_batch b WHERE b.county_code = %s "
        "ORDER BY b.batch", (county_code,)).fetchall()
    states = conn.execute(
        "SELECT s.station_id, s.batch, s.township_code, "
        "(SELECT h.status FROM station_status_history h WHERE h.station_id = s.station_id AND h.since <= %s "
        " ORDER BY h.since DESC, h.position DESC LIMIT 1) AS status, "
        "(SELECT min(h.since) FROM station_status_history h WHERE h.station_id = s.station_id "
        " AND h.status = 'opened') AS first_opened_on "
        "FROM station_status s WHERE s.county_code = %s ORDER BY s.township_code", (as_of, county_code)).fetchall()
    out = []
    for b in batches:
        mine = [s for s in states if s["batch"] == b["batch"] and s["status"] is not None]
        opened = [s for s in mine if s["first_opened_on"] is not None and s["first_opened_on"] <= as_of]
        operating = [s for s in mine if s["status"] == "opened"]
        by_status: dict[str, int] = {}
        for s in mine:
            by_status[s["status"]] = by_status.get(s["status"], 0) + 1
        out.append({
            "batch": b["batch"], "deadline": b["deadline"].isoformat(), "target": b["target"],
            "planned": len(mine), "opened": len(opened), "operating": len(operating), "by_status": by_status,
            "opened_townships": [s["township_code"] for s in opened],
            "deadline_passed": as_of > b["deadline"],
            "behind_schedule": as_of > b["deadline"] and len(opened) < b["target"],
        })
    return {"county_code": county_code, "as_of": as_of.isoformat(), "batches": out,
            "target": sum(b["target"] for b in out), "opened": sum(b["opened"] for b in out)}


def list_ledgers(conn: psycopg.Connection, *, station_id: str | None = None, organisation_id: str | None = None,
                 status: str | None = None, year: int | None = None, quarter: int | None = None,
                 townships: Sequence[str] | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """A page of quarterly ledgers, newest quarter first."""
    clauses, params = _filters(l__station_id=station_id, l__organisation_id=organisation_id, l__status=status,
                               l__year=year, l__quarter=quarter, s__township_code=townships)
    return _page(conn, "SELECT l.*, s.township_code FROM station_ledger l JOIN station_status s USING (station_id)",
                 _where(clauses), params, "l.year DESC, l.quarter DESC, s.township_code", limit, offset)


def ledger_scope(conn: psycopg.Connection, ledger_id: str) -> dict[str, Any] | None:
    """A ledger's station township and organisation (for read checks)."""
    return conn.execute(
        "SELECT l.organisation_id, s.township_code FROM station_ledger l JOIN station_status s USING (station_id) "
        "WHERE l.ledger_id = %s", (ledger_id,)).fetchone()


def list_evaluations(conn: psycopg.Connection, *, station_id: str | None = None, open_items: bool | None = None,
                     townships: Sequence[str] | None = None, organisation_id: str | None = None,
                     limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """A page of external evaluations, newest first."""
    clauses, params = _filters(e__station_id=station_id, s__township_code=townships,
                               s__organisation_id=organisation_id)
    if open_items is not None:
        clauses.append("e.open_items > 0" if open_items else "e.open_items = 0")
    return _page(conn, "SELECT e.*, s.township_code FROM station_evaluation e JOIN station_status s "
                       "USING (station_id)", _where(clauses), params, "e.evaluated_on DESC, e.evaluation_id",
                 limit, offset)


def list_misuse_reports(conn: psycopg.Connection, *, station_id: str | None = None,
                        township_code: str | None = None, status: str | None = None,
                        townships: Sequence[str] | None = None, limit: int = 100, offset: int = 0,
                        ) -> dict[str, Any]:
    """A page of misuse reports (no description: it stays in the aggregate), newest first."""
    clauses, params = _filters(station_id=station_id, township_code=township_code, status=status)
    if townships is not None:
        clauses.append("township_code = ANY(%s)")
        params.append(list(townships))
    return _page(conn, "SELECT * FROM station_misuse", _where(clauses), params, "observed_on DESC, report_id",
                 limit, offset)


def list_contracts(conn: psycopg.Connection, *, organisation_id: str | None = None, status: str | None = None,
                   station_id: str | None = None, budget_year: int | None = None, limit: int = 100,
                   offset: int = 0) -> dict[str, Any]:
    """A page of service contracts, newest signing first."""
    clauses, params = _filters(organisation_id=organisation_id, status=status, budget_year=budget_year)
    if station_id is not None:
        clauses.append("%s::uuid = ANY(station_ids)")
        params.append(station_id)
    return _page(conn, "SELECT * FROM register_contract", _where(clauses), params, "signed_on DESC, contract_number",
                 limit, offset)


def list_disclosures(conn: psycopg.Connection, *, organisation_id: str | None = None, contract_id: str | None = None,
                     station_id: str | None = None, kind: str | None = None, limit: int = 100, offset: int = 0,
                     ) -> dict[str, Any]:
    """A page of public disclosures, newest first."""
    clauses, params = _filters(organisation_id=organisation_id, contract_id=contract_id, station_id=station_id,
                               kind=kind)
    return _page(conn, "SELECT * FROM register_disclosure", _where(clauses), params,
                 "disclosed_on DESC, disclosure_id", limit, offset)
