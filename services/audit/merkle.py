"""The ledger's Merkle tree (RFC 9162 §2.1) as pure functions: tree heads, inclusion and consistency proofs.

leaf       = the ledger's ``leaf_hash`` = SHA-256(0x00 || canonical event)
node       = SHA-256(0x01 || left || right)
MTH({})    = SHA-256("") ; MTH({d0}) = leaf(d0)
MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n

``Tree`` computes MTH while leaves stream past, holding only the right edge: the roots of the
complete subtrees the leaves so far form (one per bit set in the size, largest first), so memory
is O(log n) whatever the size. The proof builders read leaves through a callback (``leaves(start,
end)``, 0-based, end excluded) and touch each leaf of the tree once. Leaf *indexes* here are
0-based; ledger *positions* are 1-based (index = position − 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
Leaves = Callable[[int, int], Iterable[bytes]]


class ProofError(ValueError):
    """A proof was asked for sizes or an index the tree does not have."""


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


_sha256 = hashlib.sha256


def frontier_sizes(size: int) -> list[int]:
    """The sizes of the complete subtrees on the right edge of a tree of ``size`` leaves, largest first."""
    return [1 << bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]


@dataclass
class Tree:
    """A Merkle tree grown leaf by leaf in constant memory: ``frontier`` holds the right edge's subtree roots."""

    size: int = 0
    frontier: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.frontier) != len(frontier_sizes(self.size)):
            raise ValueError(f"a tree of {self.size} leaves has {len(frontier_sizes(self.size))} right-edge "
                             f"subtrees, not {len(self.frontier)}")

    def append(self, leaf: bytes) -> None:
        """Adds the next leaf hash; merges the complete subtrees it closes."""
        node, size, frontier = leaf, self.size, self.frontier
        while size & 1:  # each trailing 1 bit of the old size is a subtree of the new leaf's size: merge
            node = _sha256(b"\x01" + frontier.pop() + node).digest()  # node_hash, inline: once per leaf
            size >>= 1
        frontier.append(node)
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> Tree:
        """Adds leaf hashes in order; returns the tree."""
        for leaf in leaves:
            self.append(leaf)
        return self

    def root(self) -> bytes:
        """MTH of the leaves so far."""
        if not self.frontier:
            return EMPTY_ROOT
        root = self.frontier[-1]
        for left in reversed(self.frontier[:-1]):
            root = node_hash(left, root)
        return root

    def copy(self) -> Tree:
        """An independent tree with the same leaves."""
        return Tree(self.size, list(self.frontier))


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf hashes."""
    return Tree().extend(leaves).root()


def _mth(leaves: Leaves, start: int, end: int) -> bytes:
    return root_of(leaves(start, end))


# --- inclusion (RFC 9162 §2.1.3) ------------------------------------------------------------------

def inclusion_proof(index: int, size: int, leaves: Leaves) -> list[bytes]:
    """PATH(index, D[size]): the sibling subtree roots from the leaf up to the root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    return _path(index, 0, size, leaves)


def _path(m: int, start: int, end: int, leaves: Leaves) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return [*_path(m, start, start + k, leaves), _mth(leaves, start + k, end)]
    return [*_path(m - k, start + k, end, leaves), _mth(leaves, start, start + k)]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether ``path`` proves ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root``."""
    return root_from_inclusion(leaf, index, size, path) == root


def root_from_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root a path leads to (RFC 9162 §2.1.3.2 steps 1–5), or None when it does not fit the index and size."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


# --- consistency (RFC 9162 §2.1.4) ----------------------------------------------------------------

def consistency_proof(first: int, second: int, leaves: Leaves) -> list[bytes]:
    """PROOF(first, D[second]): what proves the tree of ``first`` leaves is a prefix of the one of ``second``."""
    if not 1 <= first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves (need 1 <= first <= second)")
    if first == second:
        return []
    return _subproof(first, 0, second, True, leaves)


def _subproof(m: int, start: int, end: int, whole: bool, leaves: Leaves) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [_mth(leaves, start, end)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof(m, start, start + k, whole, leaves), _mth(leaves, start + k, end)]
    return [*_subproof(m - k, start + k, end, False, leaves), _mth(leaves, start, start + k)]


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether ``proof`` shows the tree (first, first_root) is a prefix of (second, second_root)."""
    if not 1 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
