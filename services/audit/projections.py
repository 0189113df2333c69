"""The audit ledger: every event of every service, once, in stream order, hash-chained.

The table refuses UPDATE, DELETE and TRUNCATE; only this projection appends to it. An event it
cannot record (a value RFC 8785 cannot represent) stops the ledger at that event rather than
leaving a gap: the runner keeps retrying it and reports the projection stalled with the reason.

Schema changes are migrations written into ``LEDGER_DDL`` (run at every start, each idempotent):
the table is append-only and is never rebuilt. ``sequence`` and ``prevsequence`` were added as
columns *generated* from the stored ``canonical`` document, so that completeness is a query over
columns: PostgreSQL fills them for existing rows while adding them (a table rewrite, which fires
no row trigger), and for every new row at insert. Nothing ever updates a row, the append-only
triggers are never disabled, and the columns cannot disagree with the document that is hashed.
``ledger_member`` is declared IMMUTABLE (generated columns require it) although
``convert_from`` is only STABLE: converting UTF-8 bytes in a UTF-8 database depends on no setting.
Its body must never change (stored values would not be recomputed); a new need gets a new function.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator

import psycopg

from services.audit.domain import GENESIS, canonical_form, chain_hash, event_time, leaf_hash
from shared.contracts.audit import CheckpointSigned
from shared.envelope import CloudEvent, service_of
from shared.projection import Handler, Projection

LEDGER_LOCK = 0x5357_4C47  # serialises appends if several audit replicas consume at once

LEDGER_DDL = (
    """
    CREATE TABLE IF NOT EXISTS ledger (
        position bigint PRIMARY KEY,
        event_id text NOT NULL,
        source text NOT NULL,
        type text NOT NULL,
        subject text NOT NULL,
        event_time timestamptz NOT NULL,
        stream_sequence bigint,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        canonical bytea NOT NULL,
        leaf_hash bytea NOT NULL,
        chain_hash bytea NOT NULL,
        UNIQUE (source, event_id)
    )
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the audit ledger is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER ledger_no_update_or_delete BEFORE UPDATE OR DELETE ON ledger
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE OR REPLACE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
    """,
    # migration 1: the source's sequence and the one it follows, generated from the stored document
    """
    CREATE OR REPLACE FUNCTION ledger_member(document bytea, member text) RETURNS bigint
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT (convert_from(document, 'UTF8')::jsonb ->> member)::bigint $$
    """,
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM information_schema.columns  -- no ACCESS EXCLUSIVE lock once migrated
                       WHERE table_schema = current_schema() AND table_name = 'ledger'
                         AND column_name = 'sequence') THEN
            ALTER TABLE ledger
                ADD COLUMN sequence bigint GENERATED ALWAYS AS (ledger_member(canonical, 'sequence')) STORED,
                ADD COLUMN prevsequence bigint GENERATED ALWAYS AS (ledger_member(canonical, 'prevsequence')) STORED;
        END IF;
    END $$
    """,
    "CREATE INDEX IF NOT EXISTS ledger_source_sequence ON ledger (source, sequence, position)",
    # migration 2: one subject's history (history, findings), and what was recorded by a moment (as_of)
    "CREATE INDEX IF NOT EXISTS ledger_subject ON ledger (subject, position)",
    "CREATE INDEX IF NOT EXISTS ledger_event_time ON ledger (event_time, position)",
)


APPEND = (
    "INSERT INTO ledger (position, event_id, source, type, subject, event_time, stream_sequence, canonical, "
    "leaf_hash, chain_hash) SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s "
    "WHERE COALESCE((SELECT max(position) FROM ledger), 0) = %s"
)

COLUMNS = ("position", "event_id", "source", "type", "subject", "event_time", "stream_sequence", "canonical",
           "leaf_hash", "chain_hash")
COPY_BATCH = f"COPY ledger ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
COPY_TYPES = ("int8", "text", "text", "text", "text", "timestamptz", "int8", "bytea", "bytea", "bytea")


class LedgerProjection(Projection):
    """Appends each event to the hash chain; never passes over an event of a known source."""

    name = "audit.ledger"
    ddl = LEDGER_DDL
    tables = ("ledger",)
    resettable = False
    halts_on_failure = True  # a gap in the auditors' ledger is worse than a delay
    checks_contracts = False  # the ledger records what the stream carried, even a type this process does not know

    _head: tuple[int, bytes] | None = None  # the chain's head while a batch is open
    _rows: list[tuple[object, ...]] | None = None  # the open batch's entries, inserted when it closes
    _careful: bool = False  # after a batch whose insert failed: one row per event, each in its savepoint

    @contextlib.contextmanager
    def batch(self, cur: psycopg.Cursor) -> Iterator[None]:
        """One lock, one head read and one binary COPY per batch.

        The lock is held to the end of the batch's transaction. Each event's entry is computed in memory after the
        one before it (an event that cannot be canonicalised changes nothing, and halts there); the entries are
        copied in together when the batch closes, after checking that the first follows the table's last row. If that
        copy fails, the whole batch fails (nothing is recorded or acknowledged) and is retried one event at a
        time, each in its own savepoint, so the ledger stops exactly at the event that cannot be recorded.
        """
        careful, self._careful = self._careful, False
        self._head = self._read_head(cur)
        self._rows = None if careful else []
        try:
            yield
            if self._rows:
                self._insert(cur, self._rows)
        except Exception:
            self._careful = not careful
            raise
        finally:
            self._head, self._rows = None, None

    def applies_in_memory(self) -> bool:
        """True while a batch gathers its entries in memory (no statement per event, so no savepoint)."""
        return self._rows is not None

    def apply(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        """One new entry after the current head; raises ``NotCanonicalisable`` rather than alter the event.

        Outside a gathering batch the entry is inserted at once; the insert checks that the head it follows is still
        the table's last row (an event whose savepoint was rolled back after its row was inserted leaves the batch's
        head ahead of the table): if not, the head is read again, so no position is ever skipped.
        """
        body = canonical_form(event.document)
        leaf = leaf_hash(body)
        head = self._head if self._head is not None else self._read_head(cur)
        if self._rows is not None:
            row = self._row(event, body, leaf, head)
            self._rows.append(row)
            self._head = (head[0] + 1, row[9])
            return
        appended = self._append(cur, event, body, leaf, head)
        if appended is None:
            appended = self._append(cur, event, body, leaf, self._read_head(cur))
            if appended is None:
                raise RuntimeError("the ledger's head moved while its appenders' lock was held")
        if self._head is not None:
            self._head = appended

    @staticmethod
    def _row(event: CloudEvent, body: bytes, leaf: bytes, head: tuple[int, bytes]) -> tuple[object, ...]:
        """The entry after ``head``: its columns, then the position it must follow."""
        position, previous = head
        return (position + 1, event.id, event.source, event.type, event.subject, event_time(event.time),
                event.stream_sequence, body, leaf, chain_hash(previous, leaf), position)

    @classmethod
    def _append(cls, cur: psycopg.Cursor, event: CloudEvent, body: bytes, leaf: bytes,
                head: tuple[int, bytes]) -> tuple[int, bytes] | None:
        """Inserts the entry after ``head`` if ``head`` is the last row; answers the new head, or None."""
        row = cls._row(event, body, leaf, head)
        cur.execute(APPEND, row)
        return (head[0] + 1, row[9]) if cur.rowcount == 1 else None

    @staticmethod
    def _insert(cur: psycopg.Cursor, rows: list[tuple[object, ...]]) -> None:
        """Copies a batch's entries in (binary COPY), if the first follows the table's last row, read under the
        appenders' lock that this transaction holds: no other appender can add a row before the copy, and the
        positions after the first are consecutive and unique."""
        cur.execute("SELECT COALESCE(max(position), 0) AS head FROM ledger")
        head = cur.fetchone()["head"]
        if head != rows[0][10]:
            raise RuntimeError(f"the ledger's head moved while its appenders' lock was held: {head}, not "
                               f"{rows[0][10]}")
        with cur.copy(COPY_BATCH) as copy:
            copy.set_types(COPY_TYPES)
            for row in rows:
                copy.write_row(row[:10])

    @staticmethod
    def _read_head(cur: psycopg.Cursor) -> tuple[int, bytes]:
        """Takes the appenders' lock (to the end of the transaction) and reads the chain's head."""
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (LEDGER_LOCK,))
        cur.execute("SELECT position, chain_hash FROM ledger ORDER BY position DESC LIMIT 1")
        head = cur.fetchone()
        return (head["position"], bytes(head["chain_hash"])) if head else (0, GENESIS)


CHECKPOINTS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS checkpoints (
        tree_size bigint PRIMARY KEY,
        origin text NOT NULL,
        root_hash bytea NOT NULL,
        chain_hash bytea NOT NULL,
        time text NOT NULL,
        key_id text NOT NULL,
        signature bytea NOT NULL,
        event_id text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
    )
    """,
)


class CheckpointRegister(Projection):
    """The audit service's signed checkpoints, as published: listed over HTTP and written into exports.

    Only the audit source's own events count: a message claiming the type from another source is ignored.
    """

    name = "audit.checkpoints"
    ddl = CHECKPOINTS_DDL
    tables = ("checkpoints",)

    def handlers(self) -> dict[str, Handler]:
        """The one event it keeps."""
        return {CheckpointSigned.event_type(): self._signed}

    def _signed(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        if service_of(event.source) != "audit":
            return
        data = CheckpointSigned.model_validate(event.data)
        cur.execute(
            "INSERT INTO checkpoints (tree_size, origin, root_hash, chain_hash, time, key_id, signature, event_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (tree_size) DO NOTHING",
            (data.tree_size, data.origin, bytes.fromhex(data.root_hash), bytes.fromhex(data.chain_hash), data.time,
             data.key_id, base64.b64decode(data.signature), event.id),
        )
