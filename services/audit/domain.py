"""The ledger's hash chain (pure functions).

leaf_hash  = SHA-256(0x00 || JCS(event))            -- RFC 9162 leaf hash over RFC 8785 JSON
chain_hash = SHA-256(previous chain_hash || leaf_hash), with 32 zero bytes before the first entry
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import rfc8785

GENESIS = bytes(32)


def leaf_hash(canonical_event: bytes) -> bytes:
    """RFC 9162 leaf hash of one canonical event."""
    return hashlib.sha256(b"\x00" + canonical_event).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    """The chain value committing to every entry up to this one."""
    return hashlib.sha256(previous + leaf).digest()


@dataclass(frozen=True)
class Entry:
    """One stored ledger row, as the verifier sees it."""

    position: int
    canonical: bytes
    leaf_hash: bytes
    chain_hash: bytes


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying the chain."""

    ok: bool
    checked: int
    head: str
    first_bad_position: int | None = None
    reason: str = ""


def verify_chain(entries: Iterable[Entry]) -> Verdict:
    """Recomputes every hash in order; names the first entry that does not match."""
    previous, checked = GENESIS, 0
    for entry in entries:
        problem = _entry_problem(entry, previous, checked + 1)
        if problem:
            return Verdict(False, checked, previous.hex(), entry.position, problem)
        previous, checked = entry.chain_hash, checked + 1
    return Verdict(True, checked, previous.hex())


def _entry_problem(entry: Entry, previous: bytes, expected_position: int) -> str:
    if entry.position != expected_position:
        return f"position {entry.position} found where {expected_position} was expected (an entry is missing)"
    try:
        document = json.loads(entry.canonical)
    except ValueError:
        return "the stored event is not JSON"
    if rfc8785.dumps(document) != entry.canonical:
        return "the stored event is not in canonical (RFC 8785) form"
    if leaf_hash(entry.canonical) != entry.leaf_hash:
        return "leaf hash does not match the stored event (the event was altered)"
    if chain_hash(previous, entry.leaf_hash) != entry.chain_hash:
        return "chain hash does not follow from the previous entry (the chain was altered)"
    return ""
