"""The staffing policy: workforce assignments become station headcounts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import psycopg

from services.stations.application import Stations, as_id
from services.stations.commands import RecordStaffing
from shared.contracts import stations as c
from shared.contracts import workforce as w
from shared.domain import SYSTEM
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

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

log = logging.getLogger(__name__)


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
        ctx = replace(SYSTEM, actor=self.actor, correlation_id=event.correlationid, causation_id=event.id,
                      traceparent=event.traceparent)
        log.info("staffing of station %s: %d as of %s, from %s (correlation %s, traceparent %s)", station_id,
                 headcount, as_of, event.id, event.correlationid, event.traceparent or "-")
        self.app.record_staffing(ctx, as_id(station_id, "station"),
                                 RecordStaffing(headcount=headcount, as_of=as_of, source_seq=source_seq))
