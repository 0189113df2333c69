"""Audit use cases over the ledger (no I/O of its own: entries, links, checkpoints and stream heads are handed in)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.domain import GENESIS, Entry, Link, Verdict, completeness, verdict, verify_chain
from services.audit.merkle import Tree
from services.audit.signing import Checkpoint, signature_problem
from shared.domain import Context, Role

LEDGER_READERS = (Role.AUDITOR, Role.CIVIL_AFFAIRS_ADMIN, Role.FINANCE)


def check_may_read_ledger(ctx: Context) -> None:
    """Auditors, the bureau and finance read the ledger."""
    ctx.require(*LEDGER_READERS)


@dataclass(frozen=True)
class Resume:
    """Where a verification resumes: the latest signed checkpoint, and the chain hash stored at its size now."""

    checkpoint: Checkpoint
    stored_chain: bytes | None


def verify(entries: Iterable[Entry], links: Iterable[Link], stream_heads: Mapping[str, int] | None,
           stream_problem: str = "", checkpoints: Iterable[Checkpoint] = (), key: Ed25519PublicKey | None = None,
           resume: Resume | None = None) -> Verdict:
    """Recomputes the chain (from ``resume`` if given), checks the signed checkpoints on the way, and checks
    every source is complete up to the stream's head.

    Full (no ``resume``): the entries must give each checkpoint's Merkle root and chain hash, so a rewrite
    whose later hashes were all recomputed is caught. Resumed: entries up to the checkpoint are not
    re-hashed; their stored chain hash at its size must still be the signed one. Read the stream heads
    *before* the ledger: events recorded in between then make a source's ledger head higher than its
    stream head, never a false gap.
    """
    whole = completeness(links, stream_heads, stream_problem)
    if resume is not None:
        problem = _resume_problem(resume, key)
        if problem:
            return replace(verdict(verify_chain(()), whole), ok=False, first_bad_position=1, reason=problem,
                           resumed_after=resume.checkpoint.tree_size)
        at = resume.checkpoint
        chain = verify_chain(entries, after=at.tree_size, previous=at.chain_hash)
        return replace(verdict(chain, whole), resumed_after=at.tree_size, checkpoints_matched=1)
    watch = _Watch(checkpoints, key)
    chain = verify_chain(watch.entries(entries))
    result = replace(verdict(chain, whole), checkpoints_matched=watch.matched)
    if watch.failure and (chain.ok or (chain.first_bad_position or 0) > watch.failed_at):
        return replace(result, ok=False, first_bad_position=watch.first_suspect, reason=watch.failure)
    return result


def _resume_problem(resume: Resume, key: Ed25519PublicKey | None) -> str:
    at = resume.checkpoint
    problem = signature_problem(at, key) if key is not None else ""
    if problem:
        return f"checkpoint at size {at.tree_size}: {problem}"
    if resume.stored_chain != at.chain_hash:
        return (f"the ledger's chain hash at position {at.tree_size} is not the one signed there ({at.time}): an "
                f"entry at or before {at.tree_size} was rewritten; a full verification narrows down where")
    return ""


class _Watch:
    """Grows the Merkle tree as entries pass to the chain check; compares each signed checkpoint on the way."""

    def __init__(self, checkpoints: Iterable[Checkpoint], key: Ed25519PublicKey | None) -> None:
        self.pending = iter(checkpoints)
        self.key = key
        self.due = next(self.pending, None)
        self.tree, self.chain = Tree(), GENESIS
        self.matched, self.matched_size = 0, 0
        self.failure, self.failed_at, self.first_suspect = "", 0, 0

    def entries(self, entries: Iterable[Entry]) -> Iterator[Entry]:
        """The entries, until one of them shows a checkpoint does not hold."""
        tree, frontier, sha = self.tree, self.tree.frontier, hashlib.sha256
        stop = self._stop()
        for entry in entries:
            node, size = entry[2], tree.size
            while size & 1:  # Tree.append, inline: once per entry
                node = sha(b"\x01" + frontier.pop() + node).digest()
                size >>= 1
            frontier.append(node)
            tree.size += 1
            if tree.size < stop:
                yield entry
                continue
            self.chain = entry.chain_hash
            while self.due is not None and self.due.tree_size <= tree.size:
                if not self._holds(self.due):
                    yield entry  # the chain check still sees it: a broken chain here is named first
                    return
                self.due = next(self.pending, None)
            stop = self._stop()
            yield entry

    def _stop(self) -> int | float:
        """The tree size at which the next checkpoint is due."""
        return self.due.tree_size if self.due is not None else math.inf

    def _holds(self, due: Checkpoint) -> bool:
        problem = signature_problem(due, self.key) if self.key is not None else ""
        if problem:
            self._fail(due, f"checkpoint at size {due.tree_size}: {problem}")
            return False
        if due.tree_size != self.tree.size:
            return True  # the entries skipped past it (a gap): the chain check names the missing entry
        if self.tree.root() != due.root_hash or self.chain != due.chain_hash:
            self._fail(due, f"entries {self.matched_size + 1}..{due.tree_size}: one of them was altered and every "
                            f"hash after it recomputed — they no longer form the tree signed at size "
                            f"{due.tree_size} ({due.time})")
            return False
        self.matched, self.matched_size = self.matched + 1, due.tree_size
        return True

    def _fail(self, due: Checkpoint, why: str) -> None:
        self.failure, self.failed_at, self.first_suspect = why, due.tree_size, self.matched_size + 1
