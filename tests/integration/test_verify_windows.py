"""Verification from the database reads the ledger through COPY a window of positions at a time, with the signed
checkpoints read between windows: on the real server, it still checks every entry and every checkpoint, across
window boundaries, and names the first bad entry exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.audit import signing
from services.audit.domain import GENESIS, Entry, canonical_form, chain_hash, leaf_hash
from services.audit.merkle import Tree
from services.audit.projections import CHECKPOINTS_DDL, LEDGER_DDL
from services.audit.verify import verify_from
from shared import store
from shared.settings import Settings

KEY = signing.private_key("", "windows test secret")
SIZE, CHECKPOINTS = 23, (5, 10, 16, 20)


def document(position: int, note: str = "") -> dict:
    """An event as the services publish it (its search members included)."""
    return {"specversion": "1.0", "id": f"e-{position}", "source": "/sw/sprockets", "type": "sw.sprockets.turned.v1",
            "subject": f"s-{position}", "time": f"2022-01-01T08:{position:02d}:00Z", "sequence": position,
            "prevsequence": position - 1, "data": {"turns": position, "note": note}}


def ledger(edit: dict[int, dict] | None = None) -> list[Entry]:
    """SIZE entries hashed as the projection hashes them; ``edit`` replaces documents, every later hash recomputed."""
    entries, previous = [], GENESIS
    for position in range(1, SIZE + 1):
        body = canonical_form((edit or {}).get(position) or document(position))
        leaf = leaf_hash(body)
        previous = chain_hash(previous, leaf)
        entries.append(Entry(position, body, leaf, previous))
    return entries


def signed(entries: list[Entry]) -> list[signing.Checkpoint]:
    """The checkpoints at CHECKPOINTS over these entries."""
    made = []
    for size in CHECKPOINTS:
        root = Tree().extend(e.leaf_hash for e in entries[:size]).root()
        unsigned = signing.Checkpoint("sw-audit/XX", size, root, entries[size - 1].chain_hash, "2026-11-29T10:00:00Z")
        made.append(signing.sign(unsigned, KEY))
    return made


@pytest.fixture
def url(iso: Settings) -> Iterator[str]:
    """A database of this test's own holding a ledger table and a checkpoints table."""
    name = iso.database_name("audit")
    store.ensure_database(iso.database_url, name)
    url = store.url_for(iso.database_url, name)
    with store.connect(url) as conn:
        for statement in (*LEDGER_DDL, *CHECKPOINTS_DDL):
            conn.execute(statement)
    yield url
    store.drop_database(iso.database_url, name)


def load(url: str, entries: list[Entry], checkpoints: list[signing.Checkpoint]) -> None:
    """Writes the entries and the checkpoints as the projections would."""
    with store.connect(url) as conn:
        for entry in entries:
            doc = document(entry.position)
            conn.execute("INSERT INTO ledger (position, event_id, source, type, subject, event_time, canonical, "
                         "leaf_hash, chain_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (entry.position, doc["id"], doc["source"], doc["type"], doc["subject"], doc["time"],
                          entry.canonical, entry.leaf_hash, entry.chain_hash))
        for c in checkpoints:
            conn.execute("INSERT INTO checkpoints (tree_size, origin, root_hash, chain_hash, time, key_id, signature, "
                         "event_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                         (c.tree_size, c.origin, c.root_hash, c.chain_hash, c.time, c.key_id, c.signature,
                          f"checkpoint-{c.tree_size}"))


def verdict(url: str, window: int, full: bool = True):
    with store.connect(url) as conn:
        return verify_from(conn, None, "not asked", KEY.public_key(), full, window)


@pytest.mark.parametrize("window", [1, 4, 5, 100])  # one entry a window; boundaries inside and at checkpoints; one
def test_every_entry_and_every_checkpoint_is_checked_across_windows(url: str, window: int) -> None:
    entries = ledger()
    load(url, entries, signed(entries))
    result = verdict(url, window)
    assert result.ok and result.checked == SIZE and result.checkpoints_matched == len(CHECKPOINTS)
    assert result.head == entries[-1].chain_hash.hex()
    resumed = verdict(url, window, full=False)
    assert resumed.ok and resumed.resumed_after == 20 and resumed.checked == 3


@pytest.mark.parametrize("window", [4, 100])
def test_a_rewrite_with_every_later_hash_recomputed_is_located_by_the_signed_checkpoints(url: str, window: int) -> None:
    truth = ledger()
    load(url, ledger(edit={12: document(12, note="rewritten")}), signed(truth))
    result = verdict(url, window)
    assert not result.ok and result.first_bad_position == 11
    assert "entries 11..16: one of them was altered and every hash after it recomputed" in result.reason
    assert result.checkpoints_matched == 2


@pytest.mark.parametrize("window", [4, 8, 100])  # the edited entry first in a window, last in one, in the only one
def test_an_edited_event_at_a_window_boundary_is_named(url: str, window: int) -> None:
    entries = ledger()
    load(url, entries, signed(entries))
    with store.connect(url) as conn, conn.transaction():
        conn.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete")
        conn.execute("UPDATE ledger SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), "
                     "'\"turns\":9', '\"turns\":90'), 'UTF8') WHERE position = 9")
        conn.execute("UPDATE ledger SET subject = 'someone-else' WHERE position = 13")
        conn.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_or_delete")
    result = verdict(url, window)
    assert not result.ok and result.first_bad_position == 9 and "leaf hash does not match" in result.reason
    with store.connect(url) as conn, conn.transaction():
        conn.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete")
        conn.execute("UPDATE ledger SET canonical = %s WHERE position = 9", (entries[8].canonical,))
        conn.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_or_delete")
    result = verdict(url, window)
    assert not result.ok and result.first_bad_position == 13 and "column subject" in result.reason


def test_a_deleted_entry_is_named_and_an_empty_ledger_verifies(url: str) -> None:
    assert verdict(url, 4).ok and verdict(url, 4).checked == 0
    entries = ledger()
    load(url, entries[:7] + entries[8:], signed(entries))
    result = verdict(url, 4)
    assert not result.ok and result.first_bad_position == 9 and "8 was expected" in result.reason
