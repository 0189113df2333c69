"""The casework database's own tables on the real PostgreSQL: the key table forgets a destroyed key, and the
access log refuses to be changed or emptied."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from services.casework.application.ports import KeyRow
from services.casework.storage import PgAccessLog, PgKeyStore, create_tables
from shared import store
from shared.settings import Settings


@pytest.fixture
def pool(iso: Settings) -> Iterator[ConnectionPool]:
    store.ensure_database(iso.database_url, iso.database_name("casework"))
    opened = ConnectionPool(kwargs={**store.conninfo(store.service_url(iso, "casework")), "row_factory": dict_row},
                            min_size=1, max_size=1, open=True)
    create_tables(opened)
    create_tables(opened)  # a second start finds them
    yield opened
    opened.close()
    store.drop_database(iso.database_url, iso.database_name("casework"))


def test_a_destroyed_key_is_gone_with_its_digests(pool: ConnectionPool) -> None:
    keys = PgKeyStore(pool)
    person = uuid4()
    keys.put(KeyRow(person, b"wrapped", "id-digest", "match-digest"))
    assert keys.get(person) == KeyRow(person, b"wrapped", "id-digest", "match-digest")
    assert keys.with_id_digest("id-digest") == [person] and keys.with_match_digest("match-digest") == [person]
    assert keys.destroy(person) and not keys.destroy(person)
    assert keys.get(person) is None and keys.with_id_digest("id-digest") == []


@pytest.mark.parametrize("statement", ["UPDATE personal_data_reads SET purpose = 'x'",
                                       "DELETE FROM personal_data_reads", "TRUNCATE personal_data_reads"])
def test_the_access_log_is_append_only(pool: ConnectionPool, statement: str) -> None:
    log = PgAccessLog(pool)
    person = uuid4()
    log.record({"beneficiary_id": person, "record": "personal_data", "actor": "w-1", "role": "social_worker",
                "organisation": "org", "purpose": "home visit", "correlation_id": "c-1"})
    with pytest.raises(psycopg.errors.RaiseException), pool.connection() as conn:
        conn.execute(statement)
    assert [(e["actor"], e["purpose"]) for e in log.entries(person, 0, 10)] == [("w-1", "home visit")]
    assert log.entries(None, 0, 10, actor="w-2") == [] and len(log.entries(None, 0, 10, actor="w-1")) == 1
