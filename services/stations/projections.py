"""Station-status projection (站点状态): one row per station, fed by the stream.

It reads only events: the stations service's own and, later, other services'
(workforce assignments, casework supervision). Each source is one more handler.
"""

from __future__ import annotations

from typing import Any

import psycopg

from shared.contracts import stations as c
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

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
        contract_id uuid,
        organisation_id text,
        organisation_name text,
        opened_on date,
        closed_on date,
        version int NOT NULL,
        updated_at timestamptz NOT NULL
    )
    """,
)


class StationStatus(Projection):
    """Per station: lifecycle state, township, batch and deadline, contractor, headcount."""

    name = "stations.station_status"
    ddl = STATUS_DDL
    tables = ("station_status",)

    def handlers(self) -> dict[str, Handler]:
        return {
            c.StationPlanned.event_type(): self._planned,
            c.StationSiteProvided.event_type(): self._state("site_provided"),
            c.StationOpened.event_type(): self._opened,
            c.StationSuspended.event_type(): self._state("suspended"),
            c.StationReopened.event_type(): self._state("opened"),
            c.StationClosed.event_type(): self._closed,
            c.StationContractorAssigned.event_type(): self._contractor_assigned,
            c.StationContractorReleased.event_type(): self._contractor_released,
            c.StationStaffingRecorded.event_type(): self._staffing,
        }

    @staticmethod
    def _planned(cur: psycopg.Cursor, event: CloudEvent) -> None:
        d = event.data
        cur.execute(
            "INSERT INTO station_status (station_id, county_code, township_code, township_name, batch, deadline, "
            "status, minimum_staffing, version, updated_at) VALUES (%s, %s, %s, %s, %s, %s, 'planned', %s, %s, %s)",
            (event.aggregateid, d["county_code"], d["township_code"], d["township_name"], d["batch"],
             d["deadline"], d["minimum_staffing"], event.aggregateversion, event.time),
        )

    @staticmethod
    def _state(status: str) -> Handler:
        def handle(cur: psycopg.Cursor, event: CloudEvent) -> None:
            _update(cur, event, status=status)

        return handle

    @staticmethod
    def _opened(cur: psycopg.Cursor, event: CloudEvent) -> None:
        _update(cur, event, status="opened", opened_on=event.data["opened_on"])

    @staticmethod
    def _closed(cur: psycopg.Cursor, event: CloudEvent) -> None:
        _update(cur, event, status="closed", closed_on=event.data["closed_on"])

    @staticmethod
    def _contractor_assigned(cur: psycopg.Cursor, event: CloudEvent) -> None:
        d = event.data
        _update(cur, event, status="contractor_assigned", contract_id=d["contract_id"],
                organisation_id=d["organisation_id"], organisation_name=d["organisation_name"])

    @staticmethod
    def _contractor_released(cur: psycopg.Cursor, event: CloudEvent) -> None:
        _update(cur, event, contract_id=None, organisation_id=None, organisation_name=None)

    @staticmethod
    def _staffing(cur: psycopg.Cursor, event: CloudEvent) -> None:
        _update(cur, event, headcount=event.data["headcount"])


def _update(cur: psycopg.Cursor, event: CloudEvent, **columns: Any) -> None:
    """Sets columns of one station's row and records the aggregate version it reflects."""
    assignments = ", ".join(f"{name} = %s" for name in columns)
    cur.execute(
        f"UPDATE station_status SET {assignments}, version = %s, updated_at = %s WHERE station_id = %s",
        (*columns.values(), event.aggregateversion, event.time, event.aggregateid),
    )
    if cur.rowcount != 1:
        raise LookupError(f"station {event.aggregateid} is not in the station-status view")


def list_station_status(
    conn: psycopg.Connection, *, township_code: str | None, batch: int | None, status: str | None,
    limit: int, offset: int,
) -> dict[str, Any]:
    """A page of the station-status view, filtered."""
    where, params = _filters(township_code=township_code, batch=batch, status=status)
    total = conn.execute(f"SELECT count(*) AS n FROM station_status {where}", params).fetchone()
    rows = conn.execute(
        f"SELECT * FROM station_status {where} ORDER BY batch, township_code LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return {"items": [_row(r) for r in rows], "total": total["n"] if total else 0, "limit": limit, "offset": offset}


def _filters(**values: Any) -> tuple[str, tuple[Any, ...]]:
    present = {k: v for k, v in values.items() if v is not None}
    if not present:
        return "", ()
    return "WHERE " + " AND ".join(f"{k} = %s" for k in present), tuple(present.values())


def _row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key, value in out.items():
        if hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        elif key.endswith("_id") and value is not None:
            out[key] = str(value)
    return out
