"""``python -m services.audit.offline``: verify an export, an inclusion proof or two checkpoints from files alone.

Needs nothing but the files, the standard library and ``cryptography``; reads ``entries.jsonl`` one
line at a time, or on several processes a few blocks of lines at a time (constant memory, whatever the
ledger's size).

    verify-export DIR [--state FILE] [--full] [--jobs N]
    verify-inclusion PROOF.json [--key public_key.pem]
    verify-consistency OLD.json NEW.json PROOF.json [--key public_key.pem]

(the key defaults to public_key.pem in the proof's directory, as an export writes it)

Exit status: 0 verified; 1 verification failed (the first bad entry, or the failing check, is
printed); 2 the files cannot be used (missing, not JSON, wrong fields) — no verdict.

An auditor can copy this file with ``offline_blocks.py`` (the full check on several processes), ``merkle.py`` and
``signing.py``, and run them with the standard library and ``cryptography`` alone: they carry their own reading,
hashing, proof and signature checks.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.merkle import Tree, verify_consistency, verify_inclusion
from services.audit.offline_blocks import BLOCK, walk_blocks
from services.audit.signing import BadCheckpoint, Checkpoint, load_public_pem, signature_problem

VERIFIED, FAILED, UNUSABLE = 0, 1, 2
GENESIS = bytes(32)


class Unusable(Exception):
    """An input file cannot be used: no verdict."""


@dataclass
class Outcome:
    """A verdict and the lines that explain it."""

    ok: bool
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class State:
    """What an auditor verified last: a signed checkpoint's size, root and chain, and the tree's right edge there."""

    origin: str
    tree_size: int
    root_hash: bytes
    chain_hash: bytes
    frontier: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """The state file's document."""
        return {"origin": self.origin, "tree_size": self.tree_size, "root_hash": self.root_hash.hex(),
                "chain_hash": self.chain_hash.hex(), "frontier": [h.hex() for h in self.frontier]}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> State:
        """Reads a state file's document."""
        try:
            state = cls(document["origin"], int(document["tree_size"]), bytes.fromhex(document["root_hash"]),
                        bytes.fromhex(document["chain_hash"]), tuple(bytes.fromhex(h) for h in document["frontier"]))
            tree = Tree(state.tree_size, list(state.frontier))
        except (KeyError, TypeError, ValueError) as exc:
            raise Unusable(f"the state file is not a verification state: {exc}") from None
        if tree.root() != state.root_hash:
            raise Unusable("the state file's right edge does not give its root (the state was altered)")
        return state


# --- reading files -------------------------------------------------------------------------------

def read_json(path: Path) -> Any:
    """A JSON file, or ``Unusable``."""
    try:
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise Unusable(f"{path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise Unusable(f"{path}: not JSON ({exc})") from None


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file, or ``Unusable`` naming the bad field."""
    try:
        return Checkpoint.from_json(read_json(path))
    except BadCheckpoint as exc:
        raise Unusable(f"{path}: {exc}") from None


def read_key(path: Path) -> Ed25519PublicKey:
    """The published public key (PEM), or ``Unusable``."""
    try:
        return load_public_pem(path.read_bytes())
    except OSError as exc:
        raise Unusable(f"{path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise Unusable(f"{path}: not an Ed25519 public key in PEM ({exc})") from None


def _hashes(values: Any, name: str) -> list[bytes]:
    if not isinstance(values, list) or not all(isinstance(v, str) and len(v) == 64 for v in values):
        raise Unusable(f"{name}: a list of 64-digit hex hashes")
    try:
        return [bytes.fromhex(v) for v in values]
    except ValueError:
        raise Unusable(f"{name}: a list of 64-digit hex hashes") from None


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    for number, line in _lines(path):
        try:
            yield number, json.loads(line)
        except ValueError:
            yield number, None


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with path.open("rb", buffering=1 << 20) as lines:
            yield from enumerate(lines, start=1)
    except OSError as exc:
        raise Unusable(f"{path}: {exc.strerror or exc}") from None


# One line of entries.jsonl: the stored bytes follow "event": verbatim (or base64 in "event_base64").
_LINE = re.compile(rb'\{"position":([1-9][0-9]{0,18}),"leaf_hash":"([0-9a-f]{64})","chain_hash":"([0-9a-f]{64})",'
                   rb'"(event|event_base64)":')
_LEAF = hashlib.sha256(b"\x00")
_BETWEEN = b'","chain_hash":"'  # between an entry line's leaf hash and its chain hash


@dataclass(frozen=True)
class Line:
    """One parsed line of entries.jsonl."""

    position: int
    leaf_hash: bytes
    chain_hash: bytes
    match: re.Match[bytes]
    text: bytes

    def event(self) -> bytes | None:
        """The stored event bytes, exactly; None if the line does not end as the format says."""
        end = len(self.text) - (1 if self.text.endswith(b"\n") else 0)
        if self.text[end - 1:end] != b"}":
            return None
        value = self.text[self.match.end():end - 1]
        if self.match[4] == b"event":
            return value
        try:
            return base64.b64decode(value.strip(b'"'), validate=True) if value[:1] == value[-1:] == b'"' else None
        except binascii.Error:
            return None


def parse_line(text: bytes) -> Line | None:
    """A line of entries.jsonl, or None if it is not in the export's format."""
    match = _LINE.match(text)
    if match is None:
        return None
    return Line(int(match[1]), bytes.fromhex(match[2].decode()), bytes.fromhex(match[3].decode()), match, text)


# --- the export ----------------------------------------------------------------------------------

def verify_export(directory: Path, state: State | None = None, jobs: int = 1,
                  block: int = BLOCK) -> tuple[Outcome, State | None]:
    """Checks every entry's hashes, and the tree and chain at each signed checkpoint; resumes from ``state``.

    A full verification of an export larger than two blocks runs on ``jobs`` processes (``offline_blocks``)."""
    key = read_key(directory / "public_key.pem")
    checkpoint = read_checkpoint(directory / "checkpoint.json")
    if state is not None and (state.origin != checkpoint.origin or state.tree_size > checkpoint.tree_size):
        state = None  # another log, or a checkpoint older than the state: verify from the start
    try:
        walk = Walk(checkpoint, _checkpoints(directory / "checkpoints.jsonl", checkpoint, key), state)
        failure = _walk(walk, directory / "entries.jsonl", jobs if state is None else 1, block) or walk.finish()
    except _BadSignature as exc:
        return Outcome(False, [str(exc)]), None
    if failure:
        return Outcome(False, [failure, *walk.summary()]), None
    return Outcome(True, walk.summary()), walk.verified


def _walk(walk: Walk, path: Path, jobs: int, block: int) -> str:
    """Runs the walk over the file, on ``jobs`` processes if it is worth it."""
    try:
        if jobs > 1 and path.stat().st_size > 2 * block:
            return walk_blocks(walk, path, jobs, block)
        with path.open("rb", buffering=1 << 20) as lines:
            return walk.run(enumerate(lines, start=1))  # the file's own line iterator: no generator between
    except OSError as exc:
        raise Unusable(f"{path}: {exc.strerror or exc}") from None


class _BadSignature(Exception):
    """A checkpoint of the export is not signed by the published key."""


def _checkpoints(path: Path, last: Checkpoint, key: Ed25519PublicKey) -> Iterator[Checkpoint]:
    """The export's earlier checkpoints (smallest first, optional file), then ``checkpoint.json``; each signed."""
    if path.exists():
        for number, document in _json_lines(path):
            try:
                checkpoint = Checkpoint.from_json(document)
            except BadCheckpoint as exc:
                raise Unusable(f"{path} line {number}: {exc}") from None
            if checkpoint.tree_size < last.tree_size and checkpoint.origin == last.origin:
                yield _verified(checkpoint, key)
    yield _verified(last, key)


def _verified(checkpoint: Checkpoint, key: Ed25519PublicKey) -> Checkpoint:
    problem = signature_problem(checkpoint, key)
    if problem:
        raise _BadSignature(f"checkpoint at size {checkpoint.tree_size}: {problem}")
    return checkpoint


class Walk:
    """The streaming check of entries.jsonl against the signed checkpoints (which come smallest first)."""

    def __init__(self, checkpoint: Checkpoint, checkpoints: Iterator[Checkpoint], state: State | None) -> None:
        self.checkpoint = checkpoint
        self.start = state
        self.skip = state.tree_size if state else 0
        self.tree = Tree(state.tree_size, list(state.frontier)) if state else Tree()
        self.previous = state.chain_hash if state else GENESIS
        self.position = 0
        self.verified: State | None = None
        self.matched = 0  # the largest checkpoint size the entries were found to match
        self.checked = 0
        self.pending = checkpoints
        self.due: Checkpoint | None = None
        self._next_due()

    def _next_due(self) -> None:
        self.due = next((c for c in self.pending if c.tree_size >= max(self.skip, self.matched + 1)), None)

    def run(self, lines: Iterable[tuple[int, bytes]]) -> str:
        """Checks every line: the usual verbatim line in a tight loop, anything else (and checkpoints) by ``step``.

        The loop does what ``step`` does for a well-formed line, with the hashes compared in hex as
        written; whatever it does not expect goes to ``step``, which says what is wrong.
        """
        sha, hexlify, frontier, tree = hashlib.sha256, binascii.hexlify, self.tree.frontier, self.tree
        previous, position, stop, size = self.previous, self.position, self.next_stop(), tree.size
        for number, text in lines:
            position += 1
            head = b'{"position":%d,"leaf_hash":"' % position
            at = len(head)
            if (position >= stop or not text.startswith(head) or not text.endswith(b"}\n")
                    or text[at + 144:at + 154] != b'","event":'):
                self.previous, self.position, tree.size = previous, position - 1, size
                failure = self.step(number, parse_line(text))
                if failure:
                    return failure
                previous, position, stop, size = self.previous, self.position, self.next_stop(), tree.size
                continue
            leaf = sha(b"\x00" + text[at + 154:-2]).digest()
            chain = sha(previous + leaf).digest()
            if text[at:at + 144] != hexlify(leaf) + _BETWEEN + hexlify(chain):  # both hashes and what is between
                self.previous, self.position, tree.size = previous, position - 1, size
                return self.step(number, parse_line(text))  # names what does not match
            previous, node, merged = chain, leaf, size
            while merged & 1:  # Tree.append, inline
                node = sha(b"\x01" + frontier.pop() + node).digest()
                merged >>= 1
            frontier.append(node)
            size += 1
        self.previous, self.position, tree.size = previous, position, size
        return ""

    def next_stop(self) -> int:
        """The next position the tight loop leaves to ``step``: the resumed state's, or a checkpoint's."""
        if self.position < self.skip:
            return self.position + 1
        return self.due.tree_size if self.due is not None else 1 << 62

    def step(self, number: int, line: Line | None) -> str:
        """Checks one line; returns why it fails (empty if it holds)."""
        self.position += 1
        if line is None:
            return f"entry {self.position} (line {number}): not an entry line of the export's format"
        if line.position != self.position:
            return f"entry {self.position} (line {number}): position {line.position} found where " \
                   f"{self.position} was expected (an entry is missing, added or out of order)"
        if self.position < self.skip:
            return ""
        if self.position == self.skip:  # the last entry verified before: the export must agree with the state
            if line.chain_hash != self.previous:
                return f"entry {self.position}: chain hash differs from the one verified before (history was rewritten)"
            self.matched = self.skip
            return self.at_checkpoint() if self.due and self.position == self.due.tree_size else ""
        return self._hash(line)

    def _hash(self, line: Line) -> str:
        body = line.event()
        if body is None:
            return f"entry {self.position}: the line does not end as the export's format says"
        digest = _LEAF.copy()
        digest.update(body)
        leaf = digest.digest()
        if leaf != line.leaf_hash:
            return f"entry {self.position}: leaf hash does not match the event (the event was altered)"
        chain = hashlib.sha256(self.previous + leaf).digest()
        if chain != line.chain_hash:
            return f"entry {self.position}: chain hash does not follow from the previous entry (the chain was altered)"
        self.previous = chain
        self.tree.append(leaf)
        if self.due is not None and self.position == self.due.tree_size:
            return self.at_checkpoint()
        return ""

    def at_checkpoint(self) -> str:
        signed = self.due
        assert signed is not None
        if self.tree.root() != signed.root_hash or self.previous != signed.chain_hash:
            return (f"entries {self.matched + 1}..{signed.tree_size}: one of them was altered and every hash after "
                    f"it recomputed — entries 1..{signed.tree_size} no longer form the tree signed at size "
                    f"{signed.tree_size} ({signed.time})"
                    + (f", while entries 1..{self.matched} still match the checkpoint signed there" if self.matched
                       else ""))
        self.matched, self.checked = signed.tree_size, self.checked + 1
        if signed is self.checkpoint:
            self.verified = State(signed.origin, signed.tree_size, signed.root_hash, signed.chain_hash,
                                  tuple(self.tree.frontier))
        self._next_due()
        return ""

    def finish(self) -> str:
        """Whether the export reached the checkpoint."""
        if self.position < self.checkpoint.tree_size:
            return f"the export ends at position {self.position}, before the checkpoint's size " \
                   f"{self.checkpoint.tree_size} (entries were removed)"
        return ""

    def summary(self) -> list[str]:
        """What was checked."""
        hashed = max(self.position - self.skip, 0)
        lines = [f"{self.position} entries read, {hashed} hashed"
                 + (f" (resumed after the state at size {self.skip})" if self.skip else "")]
        if self.verified:
            lines.append(f"{self.checked} signed checkpoint(s) match; the latest: {self.checkpoint.origin} size "
                         f"{self.checkpoint.tree_size} ({self.checkpoint.time})")
            if self.position > self.checkpoint.tree_size:
                lines.append(f"{self.position - self.checkpoint.tree_size} entries after it are chained "
                             f"but not yet covered by a signature")
        return lines


def _hex(value: Any) -> bytes | None:
    try:
        return bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        return None


# --- proofs --------------------------------------------------------------------------------------

def check_inclusion(proof: dict[str, Any], key: Ed25519PublicKey) -> Outcome:
    """An inclusion proof (as served by ``GET /v1/ledger/{position}/proof``) against its signed checkpoint."""
    checkpoint = _signed(proof.get("checkpoint"), key, "checkpoint")
    if isinstance(checkpoint, str):
        return Outcome(False, [checkpoint])
    path = _hashes(proof.get("inclusion_path"), "inclusion_path")
    position, leaf = proof.get("position"), _hex(proof.get("leaf_hash"))
    if not isinstance(position, int) or leaf is None or len(leaf) != 32:
        raise Unusable("position and leaf_hash (64 hex digits) are required")
    if "canonical" in proof:
        body = base64.b64decode(str(proof["canonical"]))
        if hashlib.sha256(b"\x00" + body).digest() != leaf:
            return Outcome(False, [f"entry {position}: the event does not hash to leaf_hash (the event was altered)"])
    if not verify_inclusion(leaf, position - 1, checkpoint.tree_size, path, checkpoint.root_hash):
        return Outcome(False, [f"entry {position} is NOT proven in the tree of size {checkpoint.tree_size} signed "
                               f"at {checkpoint.time}: the path does not lead to the signed root"])
    return Outcome(True, [f"entry {position} is in the ledger signed at size {checkpoint.tree_size} "
                          f"({checkpoint.time})"])


def check_consistency(old: Checkpoint, new: Checkpoint, proof: dict[str, Any], key: Ed25519PublicKey) -> Outcome:
    """Whether the newer signed checkpoint extends the older one (RFC 9162 consistency)."""
    for name, checkpoint in (("old", old), ("new", new)):
        problem = signature_problem(checkpoint, key)
        if problem:
            return Outcome(False, [f"{name} checkpoint (size {checkpoint.tree_size}): {problem}"])
    if old.origin != new.origin:
        return Outcome(False, [f"the checkpoints are of different logs ({old.origin!r}, {new.origin!r})"])
    if (proof.get("first"), proof.get("second")) != (old.tree_size, new.tree_size):
        return Outcome(False, [f"the proof is from {proof.get('first')} to {proof.get('second')}, not from "
                               f"{old.tree_size} to {new.tree_size}"])
    path = _hashes(proof.get("consistency_path"), "consistency_path")
    if not verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, path):
        return Outcome(False, [f"the ledger at size {new.tree_size} does NOT extend the ledger at size "
                               f"{old.tree_size}: history before {old.tree_size} was rewritten (or the proof altered)"])
    return Outcome(True, [f"the ledger at size {new.tree_size} ({new.time}) extends the ledger at size "
                          f"{old.tree_size} ({old.time})"])


def _signed(document: Any, key: Ed25519PublicKey, name: str) -> Checkpoint | str:
    if document is None:
        return f"{name}: no signed checkpoint at this tree size (ask for a proof at a checkpoint's size)"
    try:
        checkpoint = Checkpoint.from_json(document)
    except BadCheckpoint as exc:
        raise Unusable(f"{name}: {exc}") from None
    return signature_problem(checkpoint, key) or checkpoint


# --- command line --------------------------------------------------------------------------------

def _cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.audit.offline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("verify-export", help="check an export directory")
    export.add_argument("directory", type=Path)
    export.add_argument("--state", type=Path, help="resume from (and update) this verification state file")
    export.add_argument("--full", action="store_true", help="re-hash everything, ignoring the state")
    export.add_argument("--jobs", type=int, default=1,
                        help=f"worker processes for a full verification of an export over two blocks (default 1; "
                             f"worth it only with idle cores: this machine has {_cpus()})")
    inclusion = commands.add_parser("verify-inclusion", help="check an inclusion proof")
    inclusion.add_argument("proof", type=Path)
    inclusion.add_argument("--key", type=Path, help="the public key (PEM); default: public_key.pem beside the proof")
    consistency = commands.add_parser("verify-consistency", help="check that a newer checkpoint extends an older")
    for name in ("old", "new", "proof"):
        consistency.add_argument(name, type=Path)
    consistency.add_argument("--key", type=Path, help="the public key (PEM); default: public_key.pem beside the proof")
    return parser


def run(args: argparse.Namespace) -> Outcome:
    """Runs one command; raises ``Unusable`` when the files cannot be used."""
    if args.command == "verify-inclusion":
        proof = read_json(args.proof)
        if not isinstance(proof, dict):
            raise Unusable(f"{args.proof}: not a JSON object")
        return check_inclusion(proof, read_key(args.key or args.proof.parent / "public_key.pem"))
    if args.command == "verify-consistency":
        proof = read_json(args.proof)
        if not isinstance(proof, dict):
            raise Unusable(f"{args.proof}: not a JSON object")
        key = read_key(args.key or args.proof.parent / "public_key.pem")
        return check_consistency(read_checkpoint(args.old), read_checkpoint(args.new), proof, key)
    state = None
    if args.state is not None and args.state.exists() and not args.full:
        state = State.from_json(read_json(args.state))
    outcome, verified = verify_export(args.directory, state, max(args.jobs, 1))
    if verified is not None and args.state is not None:
        args.state.write_text(json.dumps(verified.to_json(), indent=1) + "\n")
    return outcome


def main(argv: list[str] | None = None) -> int:
    """Prints the verdict; exit 0 verified, 1 failed, 2 unusable input."""
    args = _parser().parse_args(argv)
    try:
        outcome = run(args)
    except Unusable as exc:
        print(f"cannot verify: {exc}", file=sys.stderr)
        return UNUSABLE
    print(("VERIFIED" if outcome.ok else "FAILED") + "\n" + "\n".join(f"  {line}" for line in outcome.lines))
    return VERIFIED if outcome.ok else FAILED


if __name__ == "__main__":
    sys.exit(main())
