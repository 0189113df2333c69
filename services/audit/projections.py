"""The audit ledger: every event of every service, once, in stream order, hash-chained.

The table refuses UPDATE, DELETE and TRUNCATE; only this projection appends to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from services.audit.domain import GENESIS, Entry, chain_hash, leaf_hash
from shared.envelope import CloudEvent, canonical
from shared.projection import Projection

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
)


class LedgerProjection(Projection):
    """Appends each event to the hash chain."""

    name = "audit.ledger"
    ddl = LEDGER_DDL
    tables = ("ledger",)
    resettable = False

    def apply(self, cur: psycopg.Cursor, event: CloudEvent) -> None:
        """One new entry after the current head."""
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (LEDGER_LOCK,))
        cur.execute("SELECT position, chain_hash FROM ledger ORDER BY position DESC LIMIT 1")
        head = cur.fetchone()
        position, previous = (head["position"], bytes(head["chain_hash"])) if head else (0, GENESIS)
        body = canonical(event.document)
        leaf = leaf_hash(body)
        cur.execute(
            "INSERT INTO ledger (position, event_id, source, type, subject, event_time, canonical, "
            "leaf_hash, chain_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (position + 1, event.id, event.source, event.type, event.subject, event.time, body, leaf,
             chain_hash(previous, leaf)),
        )


def ledger_page(conn: psycopg.Connection, after: int, limit: int, type_prefix: str = "") -> list[dict[str, Any]]:
    """Entries after a position, oldest first."""
    rows = conn.execute(
        "SELECT position, event_id, source, type, subject, event_time, recorded_at, canonical, leaf_hash, "
        "chain_hash FROM ledger WHERE position > %s AND type LIKE %s ORDER BY position LIMIT %s",
        (after, f"{type_prefix}%", limit),
    ).fetchall()
    return [_public(row) for row in rows]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    import json

    return {
        "position": row["position"],
        "event_id": row["event_id"],
        "source": row["source"],
        "type": row["type"],
        "subject": row["subject"],
        "time": row["event_time"].isoformat(),
        "recorded_at": row["recorded_at"].isoformat(),
        "leaf_hash": bytes(row["leaf_hash"]).hex(),
        "chain_hash": bytes(row["chain_hash"]).hex(),
        "event": json.loads(bytes(row["canonical"])),
    }


def ledger_entries(conn: psycopg.Connection, batch: int = 1000) -> Iterator[Entry]:
    """Every entry in order, read in batches, for the verifier."""
    after = 0
    while True:
        rows = conn.execute(
            "SELECT position, canonical, leaf_hash, chain_hash FROM ledger WHERE position > %s "
            "ORDER BY position LIMIT %s", (after, batch),
        ).fetchall()
        if not rows:
            return
        for row in rows:
            yield Entry(row["position"], bytes(row["canonical"]), bytes(row["leaf_hash"]), bytes(row["chain_hash"]))
        after = rows[-1]["position"]


def ledger_size(conn: psycopg.Connection) -> int:
    """How many entries the ledger holds."""
    row = conn.execute("SELECT count(*) AS n FROM ledger").fetchone()
    return int(row["n"]) if row else 0
