"""Signed checkpoints as the audit service's own events: the aggregate, and signing one after verifying the ledger.

A checkpoint is signed only after the entries since the previous checkpoint were verified (stored
bytes hash to their leaf, the chain follows, the bytes are canonical, the search columns agree), so
each checkpoint extends a verified one: verification resumes from the last checkpoint instead of
re-hashing all history. The tree's right edge at each checkpoint is kept in the stored event (not
published: departments need only the signed fields) so the next one starts from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from services.audit import signing
from services.audit.domain import GENESIS, Entry, entry_problem
from services.audit.merkle import Tree
from shared.application import ServiceApplication
from shared.domain import Conflict, Context, Role

CHECKPOINT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:audit:checkpoint")
CHECKPOINT_MAKERS = (Role.AUDITOR, Role.CIVIL_AFFAIRS_ADMIN)


class Checkpoint(Aggregate):
    """The signed state of the ledger at one size; one aggregate per (origin, size)."""

    @event("Signed")
    def __init__(self, origin: str, tree_size: int, root_hash: str, chain_hash: str, time: str, key_id: str,
                 signature: str, frontier: tuple[str, ...], ctx: Context) -> None:
        self.origin = origin
        self.tree_size = tree_size
        self.root_hash = root_hash
        self.chain_hash = chain_hash
        self.time = time
        self.key_id = key_id
        self.signature = signature
        self.frontier = tuple(frontier)

    @classmethod
    def create_id(cls, origin: str, tree_size: int, **_: Any) -> UUID:
        """One checkpoint per size: two makers signing the same size conflict, and the first one stands."""
        return cls.id_for(origin, tree_size)

    @staticmethod
    def id_for(origin: str, tree_size: int) -> UUID:
        """The id of the checkpoint of ``origin`` at ``tree_size``."""
        return uuid5(CHECKPOINT_NAMESPACE, f"{origin}\n{tree_size}")

    def signed(self) -> signing.Checkpoint:
        """The signed checkpoint."""
        return signing.Checkpoint.from_json({
            "origin": self.origin, "tree_size": self.tree_size, "root_hash": self.root_hash,
            "chain_hash": self.chain_hash, "time": self.time, "key_id": self.key_id, "signature": self.signature})

    def tree(self) -> Tree:
        """The Merkle tree's right edge at this size, to grow the next checkpoint from."""
        return Tree(self.tree_size, [bytes.fromhex(h) for h in self.frontier])


class LedgerBroken(Conflict):
    """The ledger does not verify since the last checkpoint: nothing is signed."""

    title = "Ledger does not verify"


@dataclass(frozen=True)
class Grown:
    """The verified tree after the entries since the previous checkpoint."""

    tree: Tree
    chain: bytes


def grow(previous: Checkpoint | None, entries: Iterable[Entry]) -> Grown:
    """Verifies the entries after ``previous`` (in position order) and extends its tree; raises ``LedgerBroken``."""
    tree = previous.tree() if previous else Tree()
    chain = bytes.fromhex(previous.chain_hash) if previous else GENESIS
    if previous is not None and tree.root().hex() != previous.root_hash:
        raise LedgerBroken(f"the stored right edge of checkpoint {previous.tree_size} does not give its signed root")
    for entry in entries:
        problem = entry_problem(entry, chain, tree.size + 1)
        if problem:
            raise LedgerBroken(f"entry {entry.position}: {problem}; no checkpoint is signed over it",
                               first_bad_position=entry.position)
        tree.append(entry.leaf_hash)
        chain = entry.chain_hash
    return Grown(tree, chain)


class AuditLog(ServiceApplication):
    """The audit service's own event store: the checkpoints it signs."""

    def __init__(self, env: dict[str, str], key: Ed25519PrivateKey, origin: str) -> None:
        super().__init__(env=env)
        self.key = key
        self.origin = origin

    def checkpoint(self, tree_size: int) -> Checkpoint | None:
        """The checkpoint at ``tree_size``, if one was signed."""
        try:
            found = self.repository.get(Checkpoint.id_for(self.origin, tree_size))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Checkpoint) else None

    def sign(self, ctx: Context, previous: Checkpoint | None, entries: Iterable[Entry]) -> tuple[Checkpoint, bool]:
        """Verifies the entries after ``previous``, then signs and stores the checkpoint at the new size.

        Returns the checkpoint at the ledger's head and whether it was made now (False: it existed already).
        """
        grown = grow(previous, entries)
        if grown.tree.size == 0:
            raise LedgerBroken("the ledger is empty: there is nothing to sign")
        if previous is not None and grown.tree.size == previous.tree_size:
            return previous, False
        existing = self.checkpoint(grown.tree.size)
        if existing is not None:
            return existing, False
        unsigned = signing.Checkpoint(self.origin, grown.tree.size, grown.tree.root(), grown.chain, signing.now())
        signed = signing.sign(unsigned, self.key).to_json()
        checkpoint = Checkpoint(**signed, ctx=ctx, frontier=tuple(h.hex() for h in grown.tree.frontier))
        try:
            self.save(checkpoint)
        except IntegrityError:
            return self.checkpoint(grown.tree.size) or checkpoint, False  # signed at the same moment elsewhere
        return checkpoint, True
