"""Which township each station serves, learnt from the stations service's events: a township's scope on the roster."""

from __future__ import annotations

import psycopg

from shared.contracts import stations as stations_contracts
from shared.envelope import CloudEvent
from shared.projection import Handler, Projection

STATION_TOWNSHIPS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS station_townships (
        station_id uuid PRIMARY KEY,
        township_code text NOT NULL
    )
    """,
)


class StationTownships(Projection):
    """Station → township, from ``station.planned`` (a station never changes township)."""

    name = "workforce.station_townships"
    ddl = STATION_TOWNSHIPS_DDL
    tables = ("station_townships",)
    pipelines = True  # its handler only writes: a quick pass sends its inserts without a round trip each

    def handlers(self) -> dict[str, Handler]:
        return {stations_contracts.StationPlanned.event_type(): self._planned}

    @staticmethod
    def _planned(cur: psycopg.Cursor, event: CloudEvent) -> None:
        cur.execute(
            "INSERT INTO station_townships (station_id, township_code) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (event.aggregateid, event.data["township_code"]),
        )


def township_stations(conn: psycopg.Connection, townships: tuple[str, ...]) -> list[str]:
    """The stations of ``townships`` known so far."""
    rows = conn.execute("SELECT station_id FROM station_townships WHERE township_code = ANY(%s) ORDER BY station_id",
                        (list(townships),)).fetchall()
    return [str(row["station_id"]) for row in rows]
