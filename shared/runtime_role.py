"""The event store's recorder as a runtime role, which owns nothing and may run no DDL.

The owner role created every table beforehand (``shared.store.provision``; deploy/postgres/README.md), so the
recorder takes its insert lock through the owner's procedure (PostgreSQL lets only a role that may UPDATE, DELETE or
TRUNCATE a table, or owns it, lock it in EXCLUSIVE mode). Projection runners and relays are told
``creates_tables=False`` (PostgreSQL refuses ``CREATE TABLE IF NOT EXISTS`` to a role without CREATE on the schema,
even when the table exists).
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from shared.store import lock_procedure


class LockingRecorder(PostgresApplicationRecorder):
    """eventsourcing's recorder, taking the table's insert lock by calling the owner's procedure."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        timeout, _lock = self.lock_table_statements
        self.lock_table_statements = [timeout, SQL("CALL {}.{}()").format(
            Identifier(self.datastore.schema), Identifier(lock_procedure(events_table_name)))]
