"""``python -m deploy.postgres.roles [service ...]``: set up the least-privilege roles and databases, as the
administrator named by ``SW_DATABASE_URL`` (what each service also does at start while ``SW_DATABASE_PROVISION``
is on; see README.md here). Run it again after each upgrade: it is the migration step.

For each service: its database; the owner role (``<prefix>owner``, no login) creating every table (event store,
relay position, read models and their tracking, the audit ledger, casework's key table and access log); the
runtime role (``<prefix><service>_service``) with only the DML each table needs. ``--check`` prints what a runtime
role holds beyond that instead (ownership, DDL rights, TRUNCATE/REFERENCES/TRIGGER, more than ``SELECT, INSERT``
on an append-only table), and exits 1 if anything.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from shared import store
from shared.service import ServiceSpec
from shared.settings import SERVICE_PORTS, Settings, get_settings


def spec_of(service: str) -> ServiceSpec:
    """The service's description (its tables follow from it)."""
    return importlib.import_module(f"services.{service}.main").SPEC


def provision_all(settings: Settings, services: list[str]) -> None:
    """Creates each service's database, roles and tables, and grants the runtime roles their DML (idempotent)."""
    for service in services:
        store.ensure_database(settings.database_url, settings.database_name(service))
        spec_of(service).provision(settings)


def allowed(settings: Settings, service: str) -> dict[str, set[str]]:
    """What the runtime role may do to each table of its database."""
    spec = spec_of(service)
    found = {entry_table: set(entry.privileges.split(", "))
             for entry in spec.owned(settings) for entry_table in entry.tables}
    for table in (spec.events_table(), spec.snapshots_table()):
        if table:
            found[table] = set(store.APPEND_ONLY.split(", "))
    return found


def excess(settings: Settings, service: str) -> list[str]:
    """What the service's runtime role holds in its database beyond the DML its tables need."""
    role, expected = store.runtime_role(settings, service), allowed(settings, service)
    found = []
    with store.connect(store.service_url(settings, service)) as conn:
        rights = conn.execute(
            "SELECT has_database_privilege(%s, current_database(), 'CREATE') AS db, "
            "has_schema_privilege(%s, 'public', 'CREATE') AS schema, "
            "(SELECT count(*) FROM pg_class WHERE relowner = to_regrole(%s)) AS owns",
            (role, role, role)).fetchone()
        found += [f"{service}: CREATE on the database"] if rights["db"] else []
        found += [f"{service}: CREATE on schema public"] if rights["schema"] else []
        found += [f"{service}: owns {rights['owns']} relation(s)"] if rights["owns"] else []
        rows = conn.execute(
            "SELECT c.relname, array(SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE',"
            "'REFERENCES','TRIGGER']) p WHERE has_table_privilege(%s, c.oid, p)) AS held FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1", (role,)).fetchall()
    for row in rows:
        extra = sorted(set(row["held"]) - expected.get(row["relname"], set()))
        found += [f"{service}: {p} on {row['relname']}" for p in extra]
    return found


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.postgres.roles", description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", default=list(SERVICE_PORTS), help="default: every service")
    parser.add_argument("--check", action="store_true", help="report the runtime roles' excess privileges")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.check:
        found = [line for service in args.services for line in excess(settings, service)]
        print("\n".join(found) if found else "every runtime role holds only the DML its tables need")
        return 1 if found else 0
    provision_all(settings, args.services)
    for service in args.services:
        print(f"{service}: database {settings.database_name(service)}, runtime role "
              f"{store.runtime_role(settings, service)}, owner {store.owner_role(settings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
