"""Reading what proofs and checkpoints need from the audit database, and signing the ledger's next checkpoint.

Proofs are computed from the stored leaf hashes, streamed in position order: one proof touches each
leaf of its tree once (O(n) hashing of 32-byte values, constant memory).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from services.audit import merkle, signing
from services.audit.application import Resume
from services.audit.checkpoints import AuditLog, Checkpoint
from services.audit.queries import ledger_entries, read_ledger
from shared.contracts.audit import CheckpointSigned
from shared.domain import Context

CHECKPOINT_COLUMNS = "tree_size, origin, root_hash, chain_hash, time, key_id, signature"


def leaves(conn: psycopg.Connection, batch: int = 10_000) -> Callable[[int, int], Iterator[bytes]]:
    """The proof builders' callback: leaf hashes of leaf indexes ``start``..``end`` − 1 (positions start+1..end)."""

    def read(start: int, end: int) -> Iterator[bytes]:
        for (leaf,) in read_ledger(conn, "leaf_hash", after=start, upto=end, row_factory=tuple_row, batch=batch):
            yield leaf

    return read


def ledger_head(conn: psycopg.Connection) -> int:
    """The ledger's last position (its tree size)."""
    row = conn.execute("SELECT coalesce(max(position), 0) AS n FROM ledger").fetchone()
    return int(row["n"]) if row else 0


def leaf_at(conn: psycopg.Connection, position: int) -> dict[str, Any] | None:
    """One entry's stored bytes and leaf hash."""
    return conn.execute("SELECT position, canonical, leaf_hash FROM ledger WHERE position = %s",
                        (position,)).fetchone()


def _checkpoint(row: dict[str, Any]) -> signing.Checkpoint:
    return signing.Checkpoint(row["origin"], row["tree_size"], bytes(row["root_hash"]), bytes(row["chain_hash"]),
                              row["time"], row["key_id"], bytes(row["signature"]))


def checkpoints(conn: psycopg.Connection, after: int = 0, limit: int = 100,
                upto: int | None = None) -> list[signing.Checkpoint]:
    """Signed checkpoints with a size above ``after`` (and at most ``upto``), smallest first."""
    rows = conn.execute(f"SELECT {CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size > %s "
                        "AND (%s::bigint IS NULL OR tree_size <= %s) ORDER BY tree_size LIMIT %s",
                        (after, upto, upto, limit)).fetchall()
    return [_checkpoint(row) for row in rows]


def every_checkpoint(conn: psycopg.Connection, upto: int | None = None) -> Iterator[signing.Checkpoint]:
    """Every signed checkpoint (up to ``upto``), smallest first, read in pages; none before the table exists."""
    row = conn.execute("SELECT to_regclass('checkpoints') IS NOT NULL AS present").fetchone()
    if not (row and row["present"]):
        return
    after = 0
    while True:
        page = checkpoints(conn, after, 1000, upto)
        yield from page
        if len(page) < 1000:
            return
        after = page[-1].tree_size


def resume_point(conn: psycopg.Connection) -> Resume | None:
    """The latest signed checkpoint and the chain hash the ledger stores at its size now."""
    row = conn.execute("SELECT to_regclass('checkpoints') IS NOT NULL AS present").fetchone()
    latest = latest_checkpoint(conn) if row and row["present"] else None
    if latest is None:
        return None
    stored = conn.execute("SELECT chain_hash FROM ledger WHERE position = %s", (latest.tree_size,)).fetchone()
    return Resume(latest, bytes(stored["chain_hash"]) if stored else None)


def checkpoint_at(conn: psycopg.Connection, size: int) -> signing.Checkpoint | None:
    """The signed checkpoint at ``size``, if any."""
    row = conn.execute(f"SELECT {CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size = %s", (size,)).fetchone()
    return _checkpoint(row) if row else None


def latest_checkpoint(conn: psycopg.Connection, upto: int | None = None) -> signing.Checkpoint | None:
    """The largest signed checkpoint (at most ``upto``)."""
    row = conn.execute(f"SELECT {CHECKPOINT_COLUMNS} FROM checkpoints WHERE %s::bigint IS NULL OR tree_size <= %s "
                       "ORDER BY tree_size DESC LIMIT 1", (upto, upto)).fetchone()
    return _checkpoint(row) if row else None


def grew_since(conn: psycopg.Connection, size: int) -> bool:
    """Whether the ledger holds an entry after ``size`` other than a checkpoint of its own.

    Each checkpoint enters the ledger after the size it covers; counting those as growth would sign a
    new checkpoint every period for ever, each covering only the previous one.
    """
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM ledger WHERE position > %s AND NOT (type = %s AND source = %s)) "
                       "AS grew", (size, CheckpointSigned.event_type(), "/sw/audit")).fetchone()
    return bool(row and row["grew"])


def sign_next(app: AuditLog, conn: psycopg.Connection, ctx: Context) -> tuple[Checkpoint, bool]:
    """Verifies the ledger from the last checkpoint to its head and signs a checkpoint there (True: made now)."""
    latest = latest_checkpoint(conn)
    previous = app.checkpoint(latest.tree_size) if latest else None
    head = ledger_head(conn)
    after = previous.tree_size if previous else 0
    return app.sign(ctx, previous, ledger_entries(conn, after=after, upto=head))


def inclusion(conn: psycopg.Connection, position: int, tree_size: int) -> list[bytes]:
    """The inclusion path of the entry at ``position`` in the tree of ``tree_size``."""
    return merkle.inclusion_proof(position - 1, tree_size, leaves(conn))


def consistency(conn: psycopg.Connection, first: int, second: int) -> list[bytes]:
    """The consistency proof between the trees of ``first`` and ``second`` entries."""
    return merkle.consistency_proof(first, second, leaves(conn))


def roots_at(conn: psycopg.Connection, first: int, second: int) -> tuple[bytes, bytes]:
    """The Merkle tree heads of the first ``first`` and the first ``second`` entries, in one pass."""
    tree = merkle.Tree()
    for leaf in leaves(conn)(0, first):
        tree.append(leaf)
    head = tree.root()
    for leaf in leaves(conn)(first, second):
        tree.append(leaf)
    return head, tree.root()
