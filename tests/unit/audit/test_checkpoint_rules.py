"""Signing checkpoints over a verified ledger, and verifying the ledger against its signed checkpoints."""

from __future__ import annotations

import pytest

from services.audit import application, signing
from services.audit.checkpoints import AuditLog, LedgerBroken
from services.audit.domain import GENESIS, Entry, canonical_form, chain_hash, leaf_hash
from services.audit.merkle import root_of
from shared.domain import SYSTEM

KEY = signing.private_key("", "checkpoint rules")


def ledger(n: int, edit: dict[int, dict] | None = None) -> list[Entry]:
    """Entries as the projection writes them (columns left out); ``edit`` replaces documents, rehashing all."""
    entries, previous = [], GENESIS
    for position in range(1, n + 1):
        body = canonical_form((edit or {}).get(position) or {"id": f"e-{position}", "n": position})
        leaf = leaf_hash(body)
        previous = chain_hash(previous, leaf)
        entries.append(Entry(position, body, leaf, previous))
    return entries


@pytest.fixture
def log() -> AuditLog:
    """The audit application on the in-memory event store."""
    return AuditLog(env={}, key=KEY, origin="sw-audit/XX")


def test_a_checkpoint_signs_the_root_and_chain_of_the_verified_ledger(log: AuditLog) -> None:
    entries = ledger(7)
    checkpoint, made_now = log.sign(SYSTEM, None, entries)
    made = checkpoint.signed()
    assert made_now
    assert (made.tree_size, made.root_hash, made.chain_hash) == (7, root_of(e.leaf_hash for e in entries),
                                                                 entries[-1].chain_hash)
    assert signing.signature_problem(made, KEY.public_key()) == ""
    assert log.checkpoint(7) is not None and log.checkpoint(7).signed() == made


def test_the_next_checkpoint_grows_from_the_previous_one_without_rehashing(log: AuditLog) -> None:
    entries = ledger(20)
    first, _ = log.sign(SYSTEM, None, entries[:7])
    second = log.sign(SYSTEM, first, entries[7:])[0].signed()
    assert (second.tree_size, second.root_hash) == (20, root_of(e.leaf_hash for e in entries))
    again, made_now = log.sign(SYSTEM, log.checkpoint(20), [])
    assert again.signed() == second and not made_now  # nothing new: the same checkpoint


def test_nothing_is_signed_over_an_entry_that_does_not_verify(log: AuditLog) -> None:
    entries = ledger(10)
    first, _ = log.sign(SYSTEM, None, entries[:5])
    altered = [*entries[5:7], entries[7]._replace(canonical=b'{"id":"e-8","n":800}'), *entries[8:]]
    with pytest.raises(LedgerBroken, match="entry 8: leaf hash does not match"):
        log.sign(SYSTEM, first, altered)
    with pytest.raises(LedgerBroken, match="empty"):
        log.sign(SYSTEM, None, [])
    assert log.checkpoint(10) is None


def _checkpoints(entries: list[Entry], sizes: list[int]) -> list[signing.Checkpoint]:
    return [signing.sign(signing.Checkpoint("sw-audit/XX", size, root_of(e.leaf_hash for e in entries[:size]),
                                            entries[size - 1].chain_hash, "2026-11-29T10:00:00Z"), KEY)
            for size in sizes]


def test_a_full_verification_matches_every_checkpoint() -> None:
    entries = ledger(30)
    verdict = application.verify(entries, [], {}, checkpoints=_checkpoints(entries, [5, 16, 30]),
                                 key=KEY.public_key())
    assert verdict.ok and verdict.checked == 30 and verdict.checkpoints_matched == 3


def test_a_full_verification_catches_a_rewrite_with_every_later_hash_recomputed() -> None:
    truth = ledger(30)
    forged = ledger(30, edit={12: {"id": "e-12", "n": 1200}})
    verdict = application.verify(forged, [], {}, checkpoints=_checkpoints(truth, [5, 16, 30]), key=KEY.public_key())
    assert (verdict.ok, verdict.first_bad_position, verdict.checkpoints_matched) == (False, 6, 1)
    assert verdict.reason.startswith("entries 6..16: one of them was altered and every hash after it recomputed")


def test_a_checkpoint_signed_by_another_key_fails_the_verification() -> None:
    entries = ledger(10)
    other = signing.private_key("", "someone else").public_key()
    verdict = application.verify(entries, [], {}, checkpoints=_checkpoints(entries, [4]), key=other)
    assert not verdict.ok and "not by the published key" in verdict.reason


def test_a_resumed_verification_hashes_only_the_entries_after_the_checkpoint() -> None:
    entries = ledger(30)
    at = _checkpoints(entries, [20])[0]
    verdict = application.verify(entries[20:], [], {}, key=KEY.public_key(),
                                 resume=application.Resume(at, entries[19].chain_hash))
    assert verdict.ok and verdict.checked == 10 and verdict.resumed_after == 20
    broken = [*entries[20:25], entries[25]._replace(chain_hash=bytes(32)), *entries[26:]]
    verdict = application.verify(broken, [], {}, key=KEY.public_key(),
                                 resume=application.Resume(at, entries[19].chain_hash))
    assert (verdict.ok, verdict.first_bad_position) == (False, 26)


def test_a_resumed_verification_catches_a_rewrite_before_the_checkpoint_by_its_stored_chain_hash() -> None:
    truth, forged = ledger(30), ledger(30, edit={3: {"id": "e-3", "n": 300}})
    at = _checkpoints(truth, [20])[0]
    verdict = application.verify(forged[20:], [], {}, key=KEY.public_key(),
                                 resume=application.Resume(at, forged[19].chain_hash))
    assert not verdict.ok and "an entry at or before 20 was rewritten" in verdict.reason
