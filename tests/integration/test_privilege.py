"""Least privilege on the real PostgreSQL: every service runs as a role that owns none of its tables and may run no
DDL. The audit service's role appends to the ledger and reads it, and can do nothing else to it — not change a row,
not empty it, not disable its triggers, not drop it; no runtime role can change or remove a stored event, nor alter,
empty or drop a read model; and the services still record, relay and project as that role."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from benchmarks.widgets import CTX, Widget
from deploy.postgres import roles
from services.audit.main import SPEC as AUDIT
from services.stations.application import Stations
from services.stations.main import SPEC as STATIONS
from shared import store
from shared.settings import SERVICE_PORTS, Settings
from tests.kit.ledger import ledger_of, ledger_rows

REFUSED = [
    "UPDATE ledger SET subject = 'rewritten' WHERE position = 1",
    "DELETE FROM ledger WHERE position = 2",
    "TRUNCATE ledger",
    "ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete",
    "ALTER TABLE ledger DISABLE TRIGGER ALL",
    "DROP TABLE ledger",
    "ALTER TABLE ledger RENAME TO ledger_old",
    "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "DROP TRIGGER ledger_no_truncate ON ledger",
    "ALTER TABLE ledger OWNER TO CURRENT_USER",
]

EVENT_STORE_REFUSED = [
    "UPDATE stations_events SET topic = 'rewritten'",
    "DELETE FROM stations_events",
    "TRUNCATE stations_events",
    "DROP TABLE stations_events",
    "ALTER TABLE stations_events ADD COLUMN note text",
    "LOCK TABLE stations_events IN ACCESS EXCLUSIVE MODE",
    "TRUNCATE station_status",
    "DROP TABLE station_status",
    "ALTER TABLE station_status ADD COLUMN note text",
    "ALTER TABLE projection_tracking DISABLE TRIGGER ALL",
    "TRUNCATE relay_position",
    "CREATE TABLE stray (a int)",
    "CREATE SCHEMA stray",
    "CREATE OR REPLACE PROCEDURE stations_events_lock() LANGUAGE sql AS $$ SELECT 1 $$",
]


@pytest.fixture
def audit_db(iso: Settings) -> Iterator[str]:
    """The audit database set up as a service start sets it up: every table the owner's, the runtime role's URL."""
    store.ensure_database(iso.database_url, iso.database_name("audit"))
    AUDIT.provision(iso)
    AUDIT.provision(iso)  # idempotent: every start runs it
    yield store.runtime_url(iso, "audit")
    store.drop_database(iso.database_url, iso.database_name("audit"))
    store.drop_roles(iso)


@pytest.fixture
def stations(iso: Settings) -> Iterator[Stations]:
    """The stations application as its service runs it: provisioned by the owner, connected as the runtime role."""
    store.ensure_database(iso.database_url, iso.database_name("stations"))
    STATIONS.provision(iso)
    app = Stations(env=store.eventsourcing_env(iso, "stations", runtime=True))
    yield app
    app.close()
    store.drop_database(iso.database_url, iso.database_name("stations"))
    store.drop_roles(iso)


async def test_the_audit_role_appends_and_reads_the_ledger_it_does_not_own(iso: Settings, js, audit_db: str) -> None:
    await ledger_of(iso, js, audit_db, 3, creates_tables=False)  # as the runtime role: no DDL at all
    assert [r["position"] for r in ledger_rows(audit_db)] == [1, 2, 3]
    with store.connect(audit_db) as conn:
        me = conn.execute("SELECT current_user AS me, r.rolsuper, r.rolcreaterole, r.rolbypassrls, t.tableowner "
                          "FROM pg_roles r, pg_tables t WHERE r.rolname = current_user AND t.tablename = 'ledger' "
                          "AND t.schemaname = current_schema()").fetchone()
        privileges = conn.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = 'ledger' "
            "AND grantee = current_user ORDER BY 1").fetchall()
        member_of_owner = conn.execute("SELECT pg_has_role(current_user, %s, 'MEMBER') AS m",
                                       (store.owner_role(iso),)).fetchone()["m"]
        owned = conn.execute("SELECT count(*) AS n FROM pg_class WHERE relowner = current_user::regrole").fetchone()
    assert me["me"] == store.runtime_role(iso, "audit") and me["tableowner"] == store.owner_role(iso)
    assert not (me["rolsuper"] or me["rolcreaterole"] or me["rolbypassrls"] or member_of_owner)
    assert [p["privilege_type"] for p in privileges] == ["INSERT", "SELECT"]
    assert owned["n"] == 0


@pytest.mark.parametrize("statement", REFUSED, ids=lambda s: " ".join(s.split()[:3]))
async def test_the_audit_role_cannot_change_empty_unprotect_or_drop_the_ledger(
        iso: Settings, js, audit_db: str, statement: str) -> None:
    await ledger_of(iso, js, audit_db, 2, creates_tables=False)
    before = ledger_rows(audit_db)
    with store.connect(audit_db) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)
    assert ledger_rows(audit_db) == before
    with store.connect(audit_db) as conn:  # and the triggers are still on, for the owner too
        states = conn.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'ledger'::regclass "
                              "AND NOT tgisinternal ORDER BY tgname").fetchall()
    assert [(s["tgname"], s["tgenabled"]) for s in states] == [("ledger_no_truncate", "O"),
                                                               ("ledger_no_update_or_delete", "O")]


def _stored(url: str) -> list[dict]:
    with store.connect(url) as conn:
        return conn.execute("SELECT originator_id, originator_version, topic, state, notification_id "
                            "FROM stations_events ORDER BY notification_id").fetchall()


def test_the_runtime_role_records_events_but_cannot_change_them_nor_any_table(iso: Settings,
                                                                             stations: Stations) -> None:
    widget = Widget("first", ctx=CTX)  # saved as the runtime role: the insert lock through the owner's procedure
    widget.count_up(2, ctx=CTX)
    stations.save(widget)
    url = store.runtime_url(iso, "stations")
    before = _stored(url)
    assert [(r["originator_version"], r["notification_id"]) for r in before] == [(1, 1), (2, 2)]
    assert stations.repository.get(widget.id).count == 2
    for statement in EVENT_STORE_REFUSED:
        with store.connect(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    assert _stored(url) == before


def test_every_runtime_role_holds_only_the_dml_its_tables_need(iso: Settings) -> None:
    """Every service provisioned as at start (and an earlier version's table of the runtime role taken over)."""
    for service in SERVICE_PORTS:
        store.ensure_database(iso.database_url, iso.database_name(service))
    try:
        STATIONS.provision(iso)
        runtime = store.runtime_role(iso, "stations")
        with store.connect(store.service_url(iso, "stations"), autocommit=True) as conn:  # as an earlier version
            conn.execute(f'GRANT CREATE ON SCHEMA public TO "{runtime}"')
            conn.execute(f'SET ROLE "{runtime}"')
            conn.execute("CREATE TABLE left_behind (a int)")
        roles.provision_all(iso, list(SERVICE_PORTS))
        assert [line for service in SERVICE_PORTS for line in roles.excess(iso, service)] == []
        with store.connect(store.service_url(iso, "stations")) as conn:
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'left_behind'").fetchone()
        assert owner["tableowner"] == store.owner_role(iso)
        with store.connect(store.service_url(iso, "audit")) as conn:  # the check itself sees an excess
            conn.execute(f'GRANT UPDATE ON ledger TO "{store.runtime_role(iso, "audit")}"')
        assert roles.excess(iso, "audit") == ["audit: UPDATE on ledger"]
    finally:
        for service in SERVICE_PORTS:
            store.drop_database(iso.database_url, iso.database_name(service))
        store.drop_roles(iso)
