"""The Merkle tree, inclusion and consistency proofs against RFC 9162 and hand-computed trees."""

from __future__ import annotations

import hashlib

import pytest

from services.audit.domain import leaf_hash
from services.audit.merkle import (
    EMPTY_ROOT,
    ProofError,
    Tree,
    consistency_proof,
    inclusion_proof,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference test vectors: eight leaf inputs and the root of each prefix.
CT_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(f"event {i}".encode()) for i in range(41)]


def leaves_of(hashes: list[bytes]):
    """The proof builders' callback over an in-memory list."""
    return lambda start, end: hashes[start:end]


def mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written as the definition, recursively, to check the streaming tree against."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def flipped(value: bytes, at: int = 0) -> bytes:
    """The value with one byte changed."""
    return value[:at] + bytes([value[at] ^ 0x01]) + value[at + 1:]


def test_the_tree_gives_the_certificate_transparency_reference_roots() -> None:
    leaves = [leaf_hash(bytes.fromhex(data)) for data in CT_INPUTS]
    assert [root_of(leaves[:n]).hex() for n in range(1, 9)] == CT_ROOTS


def test_small_trees_hash_as_computed_by_hand() -> None:
    a, b, c, d, e = LEAVES[:5]
    assert root_of([]) == hashlib.sha256(b"").digest()
    assert root_of([a]) == a
    assert root_of([a, b]) == hashlib.sha256(b"\x01" + a + b).digest()
    assert root_of([a, b, c]) == node_hash(node_hash(a, b), c)
    assert root_of([a, b, c, d, e]) == node_hash(node_hash(node_hash(a, b), node_hash(c, d)), e)


def test_the_streaming_tree_keeps_only_its_right_edge_and_matches_the_definition() -> None:
    tree = Tree()
    for n, leaf in enumerate(LEAVES, start=1):
        tree.append(leaf)
        assert tree.root() == mth(LEAVES[:n])
        assert len(tree.frontier) == bin(n).count("1")


def test_a_tree_resumes_from_its_stored_right_edge() -> None:
    stored = Tree().extend(LEAVES[:13])
    resumed = Tree(stored.size, list(stored.frontier)).extend(LEAVES[13:])
    assert resumed.root() == root_of(LEAVES)
    with pytest.raises(ValueError, match="right-edge"):
        Tree(13, stored.frontier[:-1])


def test_an_inclusion_path_is_the_rfc_path_for_a_hand_computed_tree() -> None:
    a, b, c, d, e = LEAVES[:5]
    assert inclusion_proof(2, 5, leaves_of(LEAVES)) == [d, node_hash(a, b), e]
    assert inclusion_proof(4, 5, leaves_of(LEAVES)) == [node_hash(node_hash(a, b), node_hash(c, d))]


def test_a_consistency_proof_is_the_rfc_proof_for_a_hand_computed_tree() -> None:
    a, b, c, d, e = LEAVES[:5]
    assert consistency_proof(3, 5, leaves_of(LEAVES)) == [c, d, node_hash(a, b), e]
    assert consistency_proof(4, 5, leaves_of(LEAVES)) == [e]
    assert consistency_proof(5, 5, leaves_of(LEAVES)) == []


@pytest.mark.parametrize("size", range(1, 41))
def test_every_inclusion_proof_verifies_and_one_changed_byte_fails_it(size: int) -> None:
    root = root_of(LEAVES[:size])
    for index in range(size):
        path = inclusion_proof(index, size, leaves_of(LEAVES))
        leaf = LEAVES[index]
        assert verify_inclusion(leaf, index, size, path, root)
        assert not verify_inclusion(flipped(leaf), index, size, path, root)
        assert not verify_inclusion(leaf, index, size, path, flipped(root, 31))
        for i in range(len(path)):
            assert not verify_inclusion(leaf, index, size, [*path[:i], flipped(path[i], 7), *path[i + 1:]], root)
        if size > 1:
            assert not verify_inclusion(leaf, (index + 1) % size, size, path, root)
            assert not verify_inclusion(leaf, index, size, path[:-1], root)


@pytest.mark.parametrize("second", range(1, 41))
def test_every_consistency_proof_verifies_and_one_changed_byte_fails_it(second: int) -> None:
    second_root = root_of(LEAVES[:second])
    for first in range(1, second + 1):
        first_root = root_of(LEAVES[:first])
        proof = consistency_proof(first, second, leaves_of(LEAVES))
        assert verify_consistency(first, second, first_root, second_root, proof)
        assert not verify_consistency(first, second, flipped(first_root), second_root, proof)
        assert not verify_consistency(first, second, first_root, flipped(second_root, 31), proof)
        for i in range(len(proof)):
            bad = [*proof[:i], flipped(proof[i], 5), *proof[i + 1:]]
            assert not verify_consistency(first, second, first_root, second_root, bad)
        if first < second:
            assert not verify_consistency(first, second, first_root, second_root, proof[:-1])
            assert not verify_consistency(first, second, first_root, second_root, [*proof, proof[0]])


def test_a_rewritten_prefix_has_no_consistency_with_the_tree_it_replaced() -> None:
    forged = [*LEAVES[:6], flipped(LEAVES[6]), *LEAVES[7:20]]
    proof = consistency_proof(10, 20, leaves_of(forged))
    assert not verify_consistency(10, 20, root_of(LEAVES[:10]), root_of(forged), proof)


def test_proofs_for_sizes_or_indexes_outside_the_tree_are_refused() -> None:
    with pytest.raises(ProofError):
        inclusion_proof(5, 5, leaves_of(LEAVES))
    with pytest.raises(ProofError):
        consistency_proof(0, 5, leaves_of(LEAVES))
    with pytest.raises(ProofError):
        consistency_proof(6, 5, leaves_of(LEAVES))
    assert not verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_consistency(0, 3, EMPTY_ROOT, root_of(LEAVES[:3]), [])
