"""Supervision coverage (督导覆盖): each supervised station's sessions in a month, against the plan's rules — at
least one session a month, each at least ``SW_SUPERVISION_MIN_HOURS`` — from the service's own published sessions
and the supervision periods of the directory."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from pydantic import BaseModel, Field

from shared.contracts import casework as c
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

DDL = (
    """
    CREATE TABLE IF NOT EXISTS supervision_sessions (
        session_id uuid PRIMARY KEY,
        supervisor_id text NOT NULL,
        station_id text NOT NULL,
        held_on date NOT NULL,
        hours double precision NOT NULL,
        below_minimum_hours boolean NOT NULL
    )
    """,
)


class SupervisionSessions(Projection):
    """Sessions held, from ``sw.casework.supervision_session.held``."""

    name = "casework.supervision"
    ddl = DDL
    tables = ("supervision_sessions",)

    def handlers(self) -> dict[str, Handler]:
        return {c.SupervisionSessionHeld.event_type(): self._held}

    @staticmethod
    def _held(cur: psycopg.Cursor, e: CloudEvent) -> None:
        d = e.data
        cur.execute("INSERT INTO supervision_sessions VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (e.aggregateid, d["supervisor_id"], d["station_id"], d["held_on"], d["hours"],
                     d["below_minimum_hours"]))


class StationCoverage(BaseModel):
    """One supervised station in a month."""

    station_id: UUID
    supervisor_ids: list[str]
    sessions: int
    hours: float
    short_sessions: int = Field(description="sessions below the minimum hours")
    supervised: bool = Field(description="at least one session this month")
    meets_minimum_hours: bool = Field(description="supervised, and no session below the minimum")


def coverage(db: psycopg.Connection, month: str) -> list[dict[str, Any]]:
    """Stations with a supervisor during ``month`` (YYYY-MM), with that month's sessions."""
    return db.execute(
        """
        WITH bounds AS (SELECT to_date(%(m)s, 'YYYY-MM') AS first,
                               (to_date(%(m)s, 'YYYY-MM') + interval '1 month')::date AS after),
        stations AS (
            SELECT p.station_id, array_agg(DISTINCT p.worker_id ORDER BY p.worker_id) AS supervisor_ids
            FROM directory_periods p, bounds b
            WHERE p.kind = 'supervision' AND p.from_on < b.after AND (p.until_on IS NULL OR p.until_on > b.first)
            GROUP BY p.station_id)
        SELECT s.station_id, s.supervisor_ids, count(x.session_id)::int AS sessions,
               coalesce(sum(x.hours), 0)::float AS hours,
               count(*) FILTER (WHERE x.below_minimum_hours)::int AS short_sessions,
               count(x.session_id) > 0 AS supervised,
               count(x.session_id) > 0 AND NOT bool_or(coalesce(x.below_minimum_hours, false)) AS meets_minimum_hours
        FROM stations s CROSS JOIN bounds b
        LEFT JOIN supervision_sessions x ON x.station_id = s.station_id AND x.held_on >= b.first AND x.held_on < b.after
        GROUP BY s.station_id, s.supervisor_ids ORDER BY s.station_id
        """,
        {"m": month},
    ).fetchall()
