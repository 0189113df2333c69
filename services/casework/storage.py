"""The casework database's own tables beside the event store: the key table and the access log.

``beneficiary_keys`` holds each beneficiary's wrapped key and duplicate digests; deleting a row is the erasure.
``personal_data_reads`` is append-only: the database refuses to update or delete a logged read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from services.casework.application.ports import KeyRow
from shared.settings import Settings
from shared.store import APPEND_ONLY, READ_WRITE, Owned

KEYS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS beneficiary_keys (
        beneficiary_id uuid PRIMARY KEY,
        wrapped_key bytea NOT NULL,
        id_digest text,
        match_digest text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX IF NOT EXISTS beneficiary_keys_id_digest ON beneficiary_keys (id_digest)",
    "CREATE INDEX IF NOT EXISTS beneficiary_keys_match_digest ON beneficiary_keys (match_digest)",
)
READS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS personal_data_reads (
        id bigserial PRIMARY KEY,
        beneficiary_id uuid NOT NULL,
        record text NOT NULL,
        actor text NOT NULL,
        role text NOT NULL,
        organisation text NOT NULL,
        purpose text NOT NULL,
        correlation_id text NOT NULL,
        read_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX IF NOT EXISTS personal_data_reads_beneficiary ON personal_data_reads (beneficiary_id, id)",
    """
    CREATE OR REPLACE FUNCTION personal_data_reads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the personal data access log is append-only'; END $$
    """,
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'personal_data_reads_append_only') THEN
            CREATE TRIGGER personal_data_reads_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
            ON personal_data_reads FOR EACH STATEMENT EXECUTE FUNCTION personal_data_reads_append_only();
        END IF;
    END $$
    """,
)
DDL = (*KEYS_DDL, *READS_DDL)


def owned_tables(_settings: Settings) -> list[Owned]:
    """Created by the owner role (``shared.store.provision``): the service reads, writes and erases keys, and only
    appends to and reads the access log."""
    return [Owned(KEYS_DDL, ("beneficiary_keys",), READ_WRITE), Owned(READS_DDL, ("personal_data_reads",), APPEND_ONLY)]


def create_tables(pool: ConnectionPool) -> None:
    """Creates the key table and the access log if absent (serialised: services may start together)."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('casework.storage'))")
        for statement in DDL:
            conn.execute(statement)


class PgKeyStore:
    """Per-beneficiary keys in ``beneficiary_keys``."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def put(self, row: KeyRow) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO beneficiary_keys (beneficiary_id, wrapped_key, id_digest, match_digest) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (beneficiary_id) DO UPDATE SET wrapped_key = "
                "EXCLUDED.wrapped_key, id_digest = EXCLUDED.id_digest, match_digest = EXCLUDED.match_digest",
                (row.beneficiary_id, row.wrapped_key, row.id_digest, row.match_digest),
            )

    def get(self, beneficiary_id: UUID) -> KeyRow | None:
        with self.pool.connection() as conn:
            found = conn.execute("SELECT * FROM beneficiary_keys WHERE beneficiary_id = %s",
                                 (beneficiary_id,)).fetchone()
        if found is None:
            return None
        return KeyRow(found["beneficiary_id"], bytes(found["wrapped_key"]), found["id_digest"],
                      found["match_digest"])

    def destroy(self, beneficiary_id: UUID) -> bool:
        with self.pool.connection() as conn:
            return conn.execute("DELETE FROM beneficiary_keys WHERE beneficiary_id = %s",
                                (beneficiary_id,)).rowcount > 0

    def with_id_digest(self, digest: str) -> list[UUID]:
        return self._ids("id_digest", digest)

    def with_match_digest(self, digest: str) -> list[UUID]:
        return self._ids("match_digest", digest)

    def _ids(self, column: str, digest: str) -> list[UUID]:
        query = {"id_digest": "SELECT beneficiary_id FROM beneficiary_keys WHERE id_digest = %s",
                 "match_digest": "SELECT beneficiary_id FROM beneficiary_keys WHERE match_digest = %s"}[column]
        with self.pool.connection() as conn:
            return [r["beneficiary_id"] for r in conn.execute(query, (digest,)).fetchall()]


class PgAccessLog:
    """Reads of personal data in ``personal_data_reads``."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def record(self, entry: dict[str, Any]) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO personal_data_reads (beneficiary_id, record, actor, role, organisation, purpose, "
                "correlation_id) VALUES (%(beneficiary_id)s, %(record)s, %(actor)s, %(role)s, %(organisation)s, "
                "%(purpose)s, %(correlation_id)s)",
                entry,
            )

    def entries(self, beneficiary_id: UUID | None, offset: int, limit: int,
                actor: str | None = None) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            return conn.execute(
                "SELECT beneficiary_id, record, actor, role, organisation, purpose, correlation_id, read_at "
                "FROM personal_data_reads WHERE (%(b)s::uuid IS NULL OR beneficiary_id = %(b)s) "
                "AND (%(a)s::text IS NULL OR actor = %(a)s) ORDER BY id DESC OFFSET %(o)s LIMIT %(l)s",
                {"b": beneficiary_id, "a": actor, "o": offset, "l": limit},
            ).fetchall()
