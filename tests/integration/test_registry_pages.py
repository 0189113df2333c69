"""A page of casework's registry or cases, oldest first, is read off an index, not sorted out of every row: its cost
stays flat however many people the county (or a province on one deployment) has served.

Before the indexes, ``GET /v1/beneficiaries?limit=100`` sorted the whole table for every page.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from services.casework.read_models.registry import CASES_PAGE, DDL, REGISTRY_PAGE, cases, registry
from shared import store
from shared.settings import Settings

SERVICE = "registrypages"
PEOPLE = 40_000
STATIONS = 11


@pytest.fixture
def db(iso: Settings) -> Iterator[psycopg.Connection]:
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    pool = store.open_pool(iso, SERVICE)
    try:
        with pool.connection() as conn:
            for statement in DDL:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO registry_beneficiaries (beneficiary_id, station_id, township_code, village_code, "
                "target_groups, registered_on, child, possible_duplicates) SELECT gen_random_uuid(), 's' || (i %% %s), "
                "'T' || (i %% %s), 'V', ARRAY['disabled'], DATE '2021-01-01' + (i * 7919 %% 1500), false, 0 "
                "FROM generate_series(1, %s) i", (STATIONS, STATIONS, PEOPLE))
            conn.execute("INSERT INTO registry_cases SELECT gen_random_uuid(), beneficiary_id, station_id, 'planned', "
                         "registered_on + 3 FROM registry_beneficiaries")
            conn.execute("ANALYZE registry_beneficiaries")
            conn.execute("ANALYZE registry_cases")
            conn.commit()
            yield conn
            conn.rollback()
    finally:
        pool.close()


def plan(db: psycopg.Connection, sql: str, params: dict) -> str:
    return "\n".join(row["QUERY PLAN"] for row in db.execute("EXPLAIN " + sql, params).fetchall())


@pytest.mark.parametrize("station", [None, "s3"])
def test_a_registry_page_is_read_off_an_index_in_the_county_and_at_a_station(db: psycopg.Connection,
                                                                              station: str | None) -> None:
    shown = plan(db, REGISTRY_PAGE, {"s": station, "t": None, "g": None, "o": 0, "l": 100, "d": None})
    assert "Index Scan using registry_beneficiaries_" in shown and "Sort" not in shown, shown
    shown = plan(db, CASES_PAGE, {"s": station, "g": None, "o": 0, "l": 100})
    assert "Index Scan using registry_cases_" in shown and "Sort" not in shown, shown


def test_the_pages_still_list_the_oldest_first(db: psycopg.Connection) -> None:
    page = registry(db, None, None, None, 0, 100)
    expected = db.execute("SELECT beneficiary_id FROM registry_beneficiaries ORDER BY registered_on, beneficiary_id "
                          "LIMIT 100").fetchall()
    assert [r["beneficiary_id"] for r in page] == [r["beneficiary_id"] for r in expected]
    opened = [r["opened_on"] for r in cases(db, None, None, 100, 100)]
    assert opened == sorted(opened) and len(opened) == 100
