"""The casework database's own tables on the real PostgreSQL: the key table forgets a destroyed key, the access log
refuses to be changed or emptied, and the registry counts a registrant only the duplicates at its own stations."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from services.casework.application.ports import KeyRow
from services.casework.read_models.registry import Registry, registry
from services.casework.storage import PgAccessLog, PgKeyStore, create_tables
from shared import store
from shared.contracts import casework
from shared.envelope import CloudEvent
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


def _registered(beneficiary: UUID, station: str, duplicates: list[UUID], sequence: int) -> CloudEvent:
    return CloudEvent.model_validate({
        "specversion": "1.0", "id": f"casework-{sequence}", "source": "/sw/casework", "subject": str(beneficiary),
        "type": casework.BeneficiaryRegistered.event_type(), "time": "2022-03-01T08:00:00Z", "sequence": sequence,
        "prevsequence": sequence - 1, "aggregateid": str(beneficiary), "data": {
            "station_id": station, "township_code": "T01", "village_code": "V01", "household_ref": "",
            "household_size": 1, "target_groups": ["elderly_in_difficulty"], "registered_on": "2022-03-01",
            "child": False, "guardian_relation": None, "guardian_consented_on": None,
            "possible_duplicates": [{"beneficiary_id": str(d), "reason": "same_id_number"} for d in duplicates]}})


def test_a_registrant_counts_only_the_duplicates_at_its_own_stations(pool: ConnectionPool) -> None:
    east, west = str(uuid4()), str(uuid4())
    elsewhere, here, mine = uuid4(), uuid4(), uuid4()
    with pool.connection() as conn:
        for statement in Registry.ddl:
            conn.execute(statement)
        with conn.cursor() as cur:
            for n, (who, station, duplicates) in enumerate(
                    [(elsewhere, west, []), (here, east, []), (mine, east, [elsewhere, here])], 1):
                Registry().apply(cur, _registered(who, station, duplicates, n))
        conn.commit()

        def counted(within: set[str] | None) -> int:
            rows = registry(conn, None, None, None, 0, 10, duplicates_within=within)
            return next(r["possible_duplicates"] for r in rows if r["beneficiary_id"] == mine)

        assert counted(None) == 2, "the bureau and the readers see every flag"
        assert counted({east}) == 1, "a registrant at the east station only the one there"
        assert counted(set()) == 0
