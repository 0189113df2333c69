"""Least privilege on the real PostgreSQL: the audit service's role appends to the ledger and reads it, and can do
nothing else to it — not change a row, not empty it, not disable its triggers, not drop it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from services.audit.projections import LedgerProjection
from shared import store
from shared.settings import Settings
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


@pytest.fixture
def audit_db(iso: Settings) -> Iterator[str]:
    """The audit database set up as a service start sets it up: the ledger the owner's, the runtime role's URL."""
    store.ensure_database(iso.database_url, iso.database_name("audit"))
    projection = LedgerProjection()
    store.provision(iso, "audit", [(projection.ddl, projection.tables)])
    store.provision(iso, "audit", [(projection.ddl, projection.tables)])  # idempotent: every start runs it
    yield store.runtime_url(iso, "audit")
    store.drop_database(iso.database_url, iso.database_name("audit"))
    store.drop_roles(iso)


async def test_the_audit_role_appends_and_reads_the_ledger_it_does_not_own(iso: Settings, js, audit_db: str) -> None:
    await ledger_of(iso, js, audit_db, 3)  # the projection runs as the runtime role: its setup leaves the DDL alone
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
    assert me["me"] == store.runtime_role(iso, "audit") and me["tableowner"] == store.owner_role(iso)
    assert not (me["rolsuper"] or me["rolcreaterole"] or me["rolbypassrls"] or member_of_owner)
    assert [p["privilege_type"] for p in privileges] == ["INSERT", "SELECT"]


@pytest.mark.parametrize("statement", REFUSED, ids=lambda s: " ".join(s.split()[:3]))
async def test_the_audit_role_cannot_change_empty_unprotect_or_drop_the_ledger(
        iso: Settings, js, audit_db: str, statement: str) -> None:
    await ledger_of(iso, js, audit_db, 2)
    before = ledger_rows(audit_db)
    with store.connect(audit_db) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)
    assert ledger_rows(audit_db) == before
    with store.connect(audit_db) as conn:  # and the triggers are still on, for the owner too
        states = conn.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'ledger'::regclass "
                              "AND NOT tgisinternal ORDER BY tgname").fetchall()
    assert [(s["tgname"], s["tgenabled"]) for s in states] == [("ledger_no_truncate", "O"),
                                                               ("ledger_no_update_or_delete", "O")]
