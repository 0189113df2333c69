"""Offline verification on files alone: a fresh export passes; each kind of tampering is caught and located."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from services.audit import export, offline, signing
from services.audit.domain import GENESIS, Entry, canonical_form, chain_hash, leaf_hash
from services.audit.merkle import Tree, consistency_proof, inclusion_proof

KEY = signing.private_key("", "offline test secret")
ORIGIN = "sw-audit/XX"


def ledger(n: int, edit: dict[int, bytes] | None = None) -> list[Entry]:
    """A ledger of ``n`` entries, hashed as the projection hashes them; ``edit`` replaces events (rehashing all)."""
    entries, previous = [], GENESIS
    for position in range(1, n + 1):
        body = (edit or {}).get(position) or canonical_form({"id": f"e-{position}", "data": {"n": position}})
        leaf = leaf_hash(body)
        previous = chain_hash(previous, leaf)
        entries.append(Entry(position, body, leaf, previous))
    return entries


def checkpoint_of(entries: list[Entry], size: int, key=KEY) -> signing.Checkpoint:
    """The signed checkpoint of the first ``size`` entries."""
    root = Tree().extend(e.leaf_hash for e in entries[:size]).root()
    time = f"2026-11-29T10:{size % 60:02d}:00Z"
    unsigned = signing.Checkpoint(ORIGIN, size, root, entries[size - 1].chain_hash, time)
    return signing.sign(unsigned, key)


def write(directory: Path, entries: list[Entry], sizes: list[int], signed_from: list[Entry] | None = None) -> Path:
    """An export of ``entries`` with checkpoints at ``sizes`` (signed over ``signed_from``, the true ledger)."""
    truth = signed_from or entries
    checkpoints = [checkpoint_of(truth, size) for size in sizes]
    export.write_export(directory, entries, checkpoints[-1], checkpoints[:-1], KEY.public_key())
    return directory


def test_a_fresh_export_verifies(tmp_path: Path, capsys) -> None:
    write(tmp_path, ledger(30), [10, 20, 25])
    assert offline.main(["verify-export", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "VERIFIED" in out and "3 signed checkpoint(s) match" in out
    assert "5 entries after it are chained but not yet covered by a signature" in out


def test_an_edited_event_is_named(tmp_path: Path, capsys) -> None:
    entries = ledger(30)
    entries[6] = Entry(7, entries[6].canonical.replace(b'"n":7', b'"n":8'), entries[6].leaf_hash, entries[6].chain_hash)
    write(tmp_path, entries, [25], signed_from=ledger(30))
    assert offline.main(["verify-export", str(tmp_path)]) == 1
    assert "entry 7: leaf hash does not match the event (the event was altered)" in capsys.readouterr().out


def test_a_rewrite_with_every_later_hash_recomputed_is_caught_by_the_signed_checkpoint(tmp_path: Path,
                                                                                         capsys) -> None:
    forged = ledger(30, edit={15: canonical_form({"id": "e-15", "data": {"n": 1500}})})
    write(tmp_path, forged, [10, 20, 25], signed_from=ledger(30))
    assert offline.main(["verify-export", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "entries 11..20: one of them was altered and every hash after it recomputed" in out
    assert "entries 1..10 still match the checkpoint signed there" in out


def test_a_removed_entry_and_a_short_export_are_named(tmp_path: Path, capsys) -> None:
    entries = ledger(30)
    write(tmp_path / "gap", [*entries[:11], *entries[12:]], [25])
    assert offline.main(["verify-export", str(tmp_path / "gap")]) == 1
    assert "entry 12 (line 12): position 13 found where 12 was expected" in capsys.readouterr().out
    write(tmp_path / "short", entries[:20], [25], signed_from=entries)
    assert offline.main(["verify-export", str(tmp_path / "short")]) == 1
    assert "ends at position 20, before the checkpoint's size 25" in capsys.readouterr().out


def test_an_altered_checkpoint_or_one_signed_by_another_key_fails(tmp_path: Path, capsys) -> None:
    write(tmp_path, ledger(30), [25])
    document = json.loads((tmp_path / "checkpoint.json").read_text())
    (tmp_path / "checkpoint.json").write_text(json.dumps({**document, "tree_size": 24}))
    assert offline.main(["verify-export", str(tmp_path)]) == 1
    assert "was altered" in capsys.readouterr().out
    other = signing.private_key("", "someone else")
    (tmp_path / "checkpoint.json").write_text(json.dumps(checkpoint_of(ledger(30), 25, other).to_json()))
    assert offline.main(["verify-export", str(tmp_path)]) == 1
    assert "not by the published key" in capsys.readouterr().out


def test_missing_or_malformed_files_are_unusable_not_a_verdict(tmp_path: Path, capsys) -> None:
    assert offline.main(["verify-export", str(tmp_path)]) == 2
    write(tmp_path, ledger(5), [5])
    (tmp_path / "checkpoint.json").write_text("{not json")
    assert offline.main(["verify-export", str(tmp_path)]) == 2
    assert "not JSON" in capsys.readouterr().err


def test_verification_resumes_from_the_last_verified_checkpoint(tmp_path: Path, capsys) -> None:
    state = tmp_path / "state.json"
    write(tmp_path / "monday", ledger(20), [20])
    assert offline.main(["verify-export", str(tmp_path / "monday"), "--state", str(state)]) == 0
    assert json.loads(state.read_text())["tree_size"] == 20
    capsys.readouterr()
    write(tmp_path / "tuesday", ledger(35), [20, 30])
    assert offline.main(["verify-export", str(tmp_path / "tuesday"), "--state", str(state)]) == 0
    assert "35 entries read, 15 hashed (resumed after the state at size 20)" in capsys.readouterr().out
    assert json.loads(state.read_text())["tree_size"] == 30


def test_a_resumed_verification_catches_a_rewrite_before_the_state_and_full_catches_an_edit(tmp_path: Path,
                                                                                            capsys) -> None:
    state = tmp_path / "state.json"
    write(tmp_path / "monday", ledger(20), [20])
    assert offline.main(["verify-export", str(tmp_path / "monday"), "--state", str(state)]) == 0
    forged = ledger(35, edit={5: canonical_form({"id": "e-5", "data": {"n": 500}})})
    write(tmp_path / "rewritten", forged, [30], signed_from=forged)  # even re-signed, it does not extend Monday's
    assert offline.main(["verify-export", str(tmp_path / "rewritten"), "--state", str(state)]) == 1
    assert "entry 20: chain hash differs from the one verified before" in capsys.readouterr().out
    entries = ledger(35)
    entries[4] = Entry(5, b'{"edited":true}', entries[4].leaf_hash, entries[4].chain_hash)
    write(tmp_path / "edited", entries, [30], signed_from=ledger(35))
    assert offline.main(["verify-export", str(tmp_path / "edited"), "--state", str(state)]) == 0  # not re-hashed
    assert offline.main(["verify-export", str(tmp_path / "edited"), "--state", str(state), "--full"]) == 1
    assert "entry 5: leaf hash does not match" in capsys.readouterr().out


def _proof_files(tmp_path: Path) -> tuple[list[Entry], Path]:
    entries = ledger(30)
    (tmp_path / "key.pem").write_text(signing.public_pem(KEY.public_key()))
    return entries, tmp_path / "key.pem"


def _leaves(entries: list[Entry]):
    return lambda start, end: [e.leaf_hash for e in entries[start:end]]


def test_an_inclusion_proof_file_verifies_and_fails_when_one_byte_changes(tmp_path: Path, capsys) -> None:
    entries, key = _proof_files(tmp_path)
    proof = {"position": 7, "leaf_index": 6, "tree_size": 25, "leaf_hash": entries[6].leaf_hash.hex(),
             "canonical": base64.b64encode(entries[6].canonical).decode(),
             "inclusion_path": [h.hex() for h in inclusion_proof(6, 25, _leaves(entries))],
             "checkpoint": checkpoint_of(entries, 25).to_json()}
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    assert offline.main(["verify-inclusion", str(path), "--key", str(key)]) == 0
    assert "entry 7 is in the ledger signed at size 25" in capsys.readouterr().out
    node = proof["inclusion_path"][1]
    for bad in ({"inclusion_path": [proof["inclusion_path"][0], ("0" if node[0] != "0" else "1") + node[1:],
                                    *proof["inclusion_path"][2:]]},
                {"canonical": base64.b64encode(entries[6].canonical.replace(b"7", b"8")).decode()},
                {"checkpoint": {**proof["checkpoint"], "root_hash": "00" + proof["checkpoint"]["root_hash"][2:]}}):
        path.write_text(json.dumps({**proof, **bad}))
        assert offline.main(["verify-inclusion", str(path), "--key", str(key)]) == 1


def test_a_consistency_proof_file_verifies_and_fails_when_one_byte_changes(tmp_path: Path, capsys) -> None:
    entries, key = _proof_files(tmp_path)
    (tmp_path / "old.json").write_text(json.dumps(checkpoint_of(entries, 11).to_json()))
    (tmp_path / "new.json").write_text(json.dumps(checkpoint_of(entries, 27).to_json()))
    proof = {"first": 11, "second": 27, "consistency_path": [h.hex() for h in consistency_proof(11, 27,
                                                                                                _leaves(entries))]}
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    args = ["verify-consistency", str(tmp_path / "old.json"), str(tmp_path / "new.json"), str(path), "--key", str(key)]
    assert offline.main(args) == 0
    assert "extends the ledger at size 11" in capsys.readouterr().out
    first = proof["consistency_path"][0]
    path.write_text(json.dumps({**proof, "consistency_path": ["f" + first[1:] if first[0] != "f" else "e" + first[1:],
                                                              *proof["consistency_path"][1:]]}))
    assert offline.main(args) == 1
    forged = ledger(27, edit={3: b'{"forged":1}'})
    (tmp_path / "new.json").write_text(json.dumps(checkpoint_of(forged, 27).to_json()))
    path.write_text(json.dumps({**proof, "consistency_path": [h.hex() for h in consistency_proof(11, 27,
                                                                                               _leaves(forged))]}))
    assert offline.main(args) == 1
    assert "does NOT extend the ledger at size 11" in capsys.readouterr().out


@pytest.mark.parametrize("lines", [10_000])
def test_a_large_export_verifies_and_its_state_keeps_only_the_right_edge(tmp_path: Path, lines: int) -> None:
    write(tmp_path, ledger(lines), [lines])
    outcome, state = offline.verify_export(tmp_path)
    assert outcome.ok and state is not None and len(state.frontier) == bin(lines).count("1")


def test_stored_bytes_that_are_not_one_line_of_json_travel_as_base64_and_still_verify(tmp_path: Path) -> None:
    entries = ledger(6, edit={2: b'{"a":\n1}', 3: b"\xff not json"})
    write(tmp_path, entries, [6])
    lines = (tmp_path / "entries.jsonl").read_bytes().splitlines()
    assert b'"event_base64":' in lines[1] and b'"event_base64":' in lines[2]
    assert lines[0].endswith(b',"event":' + entries[0].canonical + b"}")
    assert json.loads(lines[0])["event"] == json.loads(entries[0].canonical)
    outcome, _ = offline.verify_export(tmp_path)
    assert outcome.ok, outcome.lines


def test_a_line_not_in_the_export_format_is_named(tmp_path: Path, capsys) -> None:
    write(tmp_path, ledger(6), [6])
    lines = (tmp_path / "entries.jsonl").read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b'"position":4,', b'"position": 4,')
    (tmp_path / "entries.jsonl").write_bytes(b"".join(lines))
    assert offline.main(["verify-export", str(tmp_path)]) == 1
    assert "entry 4 (line 4): not an entry line of the export's format" in capsys.readouterr().out


def test_the_key_defaults_to_the_public_key_beside_the_proof(tmp_path: Path, capsys) -> None:
    entries = ledger(9)
    (tmp_path / "public_key.pem").write_text(signing.public_pem(KEY.public_key()))
    proof = {"position": 4, "tree_size": 9, "leaf_hash": entries[3].leaf_hash.hex(),
             "inclusion_path": [h.hex() for h in inclusion_proof(3, 9, _leaves(entries))],
             "checkpoint": checkpoint_of(entries, 9).to_json()}
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    assert offline.main(["verify-inclusion", str(tmp_path / "proof.json")]) == 0
    (tmp_path / "public_key.pem").unlink()
    assert offline.main(["verify-inclusion", str(tmp_path / "proof.json")]) == 2
    assert "public_key.pem" in capsys.readouterr().err
