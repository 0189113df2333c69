"""Who works where, as the workforce service's events tell it: the casework service's own copy, fed by the stream.

Station assignments (驻站) and supervision periods (督导) are dated, so a record is checked against the day it
names; the contracts an organisation holds say which stations a contractor acts for. Nothing here reads another
service's database.
"""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg_pool import ConnectionPool

from shared.auth import organisation_id
from shared.contracts import workforce as w
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

DDL = (
    """
    CREATE TABLE IF NOT EXISTS directory_periods (
        kind text NOT NULL,
        worker_id text NOT NULL,
        station_id text NOT NULL,
        from_on date NOT NULL,
        until_on date
    )
    """,
    "CREATE INDEX IF NOT EXISTS directory_periods_worker ON directory_periods (kind, worker_id)",
    """
    CREATE TABLE IF NOT EXISTS directory_organisations (
        organisation_id text PRIMARY KEY,
        credit_code text NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS directory_contracts (
        contract_id text PRIMARY KEY,
        organisation_id text NOT NULL,
        station_ids text[] NOT NULL,
        ended boolean NOT NULL DEFAULT false
    )
    """,
)
ASSIGNED, SUPERVISES = "assignment", "supervision"


class WorkforceDirectory(Projection):
    """Assignments, supervision and contracts held, from ``sw.workforce.>`` events."""

    name = "casework.directory"
    ddl = DDL
    tables = ("directory_periods", "directory_organisations", "directory_contracts")

    def handlers(self) -> dict[str, Handler]:
        return {
            w.WorkerAssignedToStation.event_type(): self._assigned,
            w.WorkerTransferredToStation.event_type(): self._transferred,
            w.WorkerUnassignedFromStation.event_type(): self._unassigned,
            w.StationSupervisionAssigned.event_type(): self._supervision_assigned,
            w.StationSupervisionReleased.event_type(): self._supervision_released,
            w.WorkerLeft.event_type(): self._left,
            w.OrganisationRegistered.event_type(): self._organisation,
            w.OrganisationContractRecorded.event_type(): self._contract,
            w.OrganisationContractEnded.event_type(): self._contract_ended,
        }

    @staticmethod
    def _open(cur: psycopg.Cursor, kind: str, worker: str, station: str, on: str) -> None:
        cur.execute("INSERT INTO directory_periods (kind, worker_id, station_id, from_on) VALUES (%s, %s, %s, %s)",
                    (kind, worker, station, on))

    @staticmethod
    def _close(cur: psycopg.Cursor, kind: str | None, worker: str, station: str | None, on: str) -> None:
        cur.execute("UPDATE directory_periods SET until_on = %s WHERE worker_id = %s AND until_on IS NULL "
                    "AND (%s::text IS NULL OR kind = %s) AND (%s::text IS NULL OR station_id = %s)",
                    (on, worker, kind, kind, station, station))

    def _assigned(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        self._open(cur, ASSIGNED, e.aggregateid, e.data["station_id"], e.data["assigned_on"])

    def _transferred(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        self._close(cur, ASSIGNED, e.aggregateid, None, e.data["transferred_on"])
        self._open(cur, ASSIGNED, e.aggregateid, e.data["station_id"], e.data["transferred_on"])

    def _unassigned(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        self._close(cur, ASSIGNED, e.aggregateid, None, e.data["unassigned_on"])

    def _supervision_assigned(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        self._open(cur, SUPERVISES, e.aggregateid, e.data["station_id"], e.data["assigned_on"])

    def _supervision_released(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        self._close(cur, SUPERVISES, e.aggregateid, e.data["station_id"], e.data["released_on"])

    def _left(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        self._close(cur, None, e.aggregateid, None, e.data["left_on"])

    def _organisation(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("INSERT INTO directory_organisations VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (e.aggregateid, e.data["unified_social_credit_code"]))

    def _contract(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("INSERT INTO directory_contracts (contract_id, organisation_id, station_ids) VALUES (%s, %s, %s) "
                    "ON CONFLICT (contract_id) DO UPDATE SET station_ids = EXCLUDED.station_ids, ended = false",
                    (e.data["contract_id"], e.aggregateid, e.data["station_ids"]))

    def _contract_ended(self, cur: psycopg.Cursor, e: CloudEvent) -> None:
        cur.execute("UPDATE directory_contracts SET ended = true WHERE contract_id = %s", (e.data["contract_id"],))


class PgDirectory:
    """The ``Directory`` the application asks, on the directory's tables."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def worker_stations(self, worker_id: str, on: date) -> set[str]:
        return self._stations(ASSIGNED, worker_id, on)

    def supervises(self, worker_id: str, station_id: str, on: date) -> bool:
        return station_id in self._stations(SUPERVISES, worker_id, on)

    def organisation_stations(self, organisation: str) -> set[str]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT unnest(c.station_ids) AS station_id FROM directory_contracts c "
                "LEFT JOIN directory_organisations o ON o.organisation_id = c.organisation_id "
                "WHERE NOT c.ended AND (c.organisation_id = %s OR o.credit_code = %s)",
                (organisation_id(organisation), organisation.strip().upper()),  # by id or credit code, any case
            ).fetchall()
        return {r["station_id"] for r in rows}

    def _stations(self, kind: str, worker_id: str, on: date) -> set[str]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT station_id FROM directory_periods WHERE kind = %s AND worker_id = %s AND from_on <= %s "
                "AND (until_on IS NULL OR until_on > %s)", (kind, worker_id, on, on),
            ).fetchall()
        return {r["station_id"] for r in rows}
