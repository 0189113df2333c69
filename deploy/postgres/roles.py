"""``python -m deploy.postgres.roles [service ...]``: set up the least-privilege roles and databases, as the
administrator named by ``SW_DATABASE_URL`` (what each service also does at start while ``SW_DATABASE_PROVISION``
is on; see README.md here).

For each service: its database; the owner role (``<prefix>owner``, no login) creating the append-only tables (the
audit ledger); the runtime role (``<prefix><service>_service``) with ``SELECT, INSERT`` on those and the right to
create its own tables (event store, read models). ``--check`` prints each runtime role's privileges on the
append-only tables instead, and exits 1 if one holds more than ``SELECT, INSERT`` or owns one.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from shared import store
from shared.settings import SERVICE_PORTS, Settings, get_settings


def append_only_tables(settings: Settings, service: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The DDL and tables of a service's append-only projections (those the owner role creates)."""
    spec = importlib.import_module(f"services.{service}.main").SPEC
    return [(tuple(p.ddl), tuple(p.tables)) for p in spec.projections(settings, None) if not p.resettable]


def provision_all(settings: Settings, services: list[str]) -> None:
    """Creates each service's database and roles and the owner's tables (idempotent)."""
    for service in services:
        store.ensure_database(settings.database_url, settings.database_name(service))
        store.provision(settings, service, append_only_tables(settings, service))


def excess(settings: Settings, service: str) -> list[str]:
    """What the service's runtime role may do to its append-only tables beyond SELECT and INSERT."""
    found = []
    with store.connect(store.service_url(settings, service)) as conn:
        for _ddl, tables in append_only_tables(settings, service):
            for table in tables:
                row = conn.execute(
                    "SELECT tableowner, array(SELECT p FROM unnest(ARRAY['UPDATE','DELETE','TRUNCATE','REFERENCES',"
                    "'TRIGGER']) p WHERE has_table_privilege(%s, %s, p)) AS extra FROM pg_tables "
                    "WHERE schemaname = current_schema() AND tablename = %s",
                    (store.runtime_role(settings, service), table, table)).fetchone()
                if row is None:
                    continue
                if row["tableowner"] == store.runtime_role(settings, service):
                    found.append(f"{service}: owns {table}")
                found.extend(f"{service}: {p} on {table}" for p in row["extra"])
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
        print("\n".join(found) if found else "every runtime role holds only SELECT, INSERT on the append-only tables")
        return 1 if found else 0
    provision_all(settings, args.services)
    for service in args.services:
        print(f"{service}: database {settings.database_name(service)}, runtime role "
              f"{store.runtime_role(settings, service)}, owner {store.owner_role(settings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
