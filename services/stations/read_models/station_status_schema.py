"""The tables of the station-status view (their shape is the view's schema: a change rebuilds the view).
"""

from __future__ import annotations

from datetime import date

IN_THE_PLAN = date.min  # a planned station's first history row: planned "since the plan" (shown as null)

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
    CREATE TABLE IF NOT EXISTS station_staffing_history (
        station_id uuid NOT NULL,
        since date NOT NULL,
        position bigint NOT NULL,
        headcount int NOT NULL,
        minimum_staffing int NOT NULL,
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
    CREATE TABLE IF NOT EXISTS station_supervision_session (
        session_id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        supervisor_id text NOT NULL,
        held_on date NOT NULL,
        hours double precision NOT NULL,
        minimum_hours double precision NOT NULL,
        below_minimum_hours boolean NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS station_supervision_session_station ON station_supervision_session "
    "(station_id, held_on)",
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
    "station_status", "station_status_history", "station_staffing_history", "station_county_batch",
    "station_county_township",
    "station_coverage", "station_worker", "station_assignment", "station_supervision", "station_supervision_session",
    "station_evaluation",
    "station_rectification", "station_ledger", "station_misuse",
)
FIGURES = ("services_delivered", "people_served", "activities", "staffing", "spending_fen")
