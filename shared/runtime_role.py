"""What a service process does differently as its runtime role, which owns nothing and may run no DDL.

The owner role created every table beforehand (``shared.store.provision``; deploy/postgres/README.md), so:
the event store's recorder takes its insert lock through the owner's procedure (PostgreSQL lets only a role
that may UPDATE, DELETE or TRUNCATE a table, or owns it, lock it in EXCLUSIVE mode); a projection runner and a
relay use their bookkeeping tables without the ``CREATE TABLE IF NOT EXISTS`` they would otherwise run (which
PostgreSQL refuses to a role without CREATE on the schema, even when the table exists).
"""

from __future__ import annotations

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from shared.projection import ProjectionRunner
from shared.relay import Position, Relay
from shared.store import lock_procedure


class LockingRecorder(PostgresApplicationRecorder):
    """eventsourcing's recorder, taking the table's insert lock by calling the owner's procedure."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        timeout, _lock = self.lock_table_statements
        self.lock_table_statements = [timeout, SQL("CALL {}.{}()").format(
            Identifier(self.datastore.schema), Identifier(lock_procedure(events_table_name)))]


class RuntimeRunner(ProjectionRunner):
    """A projection runner whose tables the owner created: it records their schema and reads it, nothing more."""

    def setup(self) -> None:
        """Records the schema the tables follow (the owner created them from this code's DDL)."""
        with self._db() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO projection_schema (projection, fingerprint) VALUES (%s, %s) "
                "ON CONFLICT (projection) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, updated_at = now()",
                (self.projection.name, self.fingerprint()),
            )

    def schema_changed(self) -> bool:
        """True if the tables were built by a different version of the projection."""
        with self._db() as conn, conn.transaction():
            return _schema_changed(conn, self)


def _schema_changed(conn: psycopg.Connection, runner: ProjectionRunner) -> bool:
    row = conn.execute("SELECT fingerprint FROM projection_schema WHERE projection = %s",
                       (runner.projection.name,)).fetchone()
    if row is not None:
        return row["fingerprint"] != runner.fingerprint()
    if not runner.projection.resettable:
        return False
    applied = conn.execute("SELECT 1 FROM projection_tracking WHERE projection = %s LIMIT 1",
                           (runner.projection.name,)).fetchone()
    return applied is not None  # built before fingerprints were recorded


class RuntimeRelay(Relay):
    """A relay whose position table the owner created."""

    def load_position(self) -> Position:
        """Reads the durable position."""
        with self._db() as conn:
            row = conn.execute(
                "SELECT position, last_published FROM relay_position WHERE source = %s", (self.service,)
            ).fetchone()
        return Position(row["position"], row["last_published"]) if row else Position()
