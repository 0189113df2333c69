"""Which township each station serves, learnt from the stations service's events: a township's scope on the roster."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

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
    """Station → township, from ``station.planned`` (a station never changes township).

    A quick pass gathers a batch's stations in memory and writes them in one statement when the batch closes; a
    careful pass (after a failure) writes event by event, so only a failing event is undone."""

    name = "workforce.station_townships"
    ddl = STATION_TOWNSHIPS_DDL
    tables = ("station_townships",)

    def __init__(self) -> None:
        self._gathered: dict[str, str] | None = None  # station id: township code, while a quick pass gathers

    def handlers(self) -> dict[str, Handler]:
        return {stations_contracts.StationPlanned.event_type(): self._planned}

    @contextlib.contextmanager
    def batch(self, cur: psycopg.Cursor) -> Iterator[None]:
        if not self.quick_pass:
            yield
            return
        self._gathered = {}
        try:
            yield
            if self._gathered:
                cur.execute("INSERT INTO station_townships (station_id, township_code) "
                            "SELECT * FROM unnest(%s::uuid[], %s::text[]) ON CONFLICT DO NOTHING",
                            (list(self._gathered), list(self._gathered.values())))
        finally:
            self._gathered = None

    def applies_in_memory(self) -> bool:
        return self._gathered is not None

    def _planned(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        if self._gathered is not None:
            self._gathered.setdefault(event.aggregateid, event.data["township_code"])  # the first one stays
            return
        cur.execute(
            "INSERT INTO station_townships (station_id, township_code) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (event.aggregateid, event.data["township_code"]),
        )


def township_stations(conn: psycopg.Connection, townships: tuple[str, ...]) -> list[str]:
    """The stations of ``townships`` known so far."""
    rows = conn.execute("SELECT station_id FROM station_townships WHERE township_code = ANY(%s) ORDER BY station_id",
                        (list(townships),)).fetchall()
    return [str(row["station_id"]) for row in rows]
