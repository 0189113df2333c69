"""A service's statements are planned for their own values and never JIT-compiled, however often they run.

A prepared statement's generic plan ignores its values: on a table without statistics (after a bulk load, a rebuild,
or on a server without autovacuum) it turned a roster page of ~3 ms into ~220 ms; JIT compiling a short lookup whose
estimate passed ``jit_above_cost`` cost more than running it.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from shared import store
from shared.settings import Settings

SERVICE = "planning"


@pytest.fixture
def conn(iso: Settings) -> Iterator[psycopg.Connection]:
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    pool = store.open_pool(iso, SERVICE)
    try:
        with pool.connection() as conn:
            conn.execute("CREATE TABLE days (d date NOT NULL, n int NOT NULL)")
            conn.execute("INSERT INTO days SELECT DATE '2026-01-01' + (i % 300), i FROM generate_series(1, 20000) i")
            conn.execute("CREATE INDEX days_d ON days (d)")
            conn.commit()
            yield conn
            conn.rollback()
    finally:
        pool.close()


def test_a_statement_run_many_times_is_still_planned_for_its_values(conn: psycopg.Connection) -> None:
    conn.execute("PREPARE upto(date) AS SELECT count(*) FROM days WHERE d <= $1")
    for _ in range(12):  # past the five custom plans after which PostgreSQL may settle on a generic one
        conn.execute("EXECUTE upto('2026-02-01')").fetchone()
    plan = "\n".join(row["QUERY PLAN"] for row in conn.execute("EXPLAIN EXECUTE upto('2026-02-01')").fetchall())
    assert "2026-02-01" in plan and "$1" not in plan, plan


def test_an_expensive_looking_statement_is_not_jit_compiled(conn: psycopg.Connection) -> None:
    rows = conn.execute("EXPLAIN SELECT sum(a.n * b.n) FROM days a CROSS JOIN days b").fetchall()
    plan = "\n".join(row["QUERY PLAN"] for row in rows)
    threshold = float(conn.execute("SHOW jit_above_cost").fetchone()["jit_above_cost"])
    assert float(plan.split("cost=")[1].split("..")[1].split()[0]) > max(threshold, 0), plan
    assert "JIT:" not in plan, plan
    assert conn.execute("SHOW jit").fetchone()["jit"] == "off"
