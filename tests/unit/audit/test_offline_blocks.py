"""The full offline verification on several processes, in blocks of lines: the same verdict as line by line, the
same first bad entry named, whatever falls at a block's boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.audit import offline
from services.audit.domain import Entry, canonical_form
from services.audit.offline_blocks import check_block
from tests.unit.audit.test_offline import ledger, write

SIZE, SIZES = 40, [10, 20, 33]


def both(directory: Path, block: int) -> tuple[offline.Outcome, offline.Outcome]:
    """The verdict line by line, and on two processes with blocks of ``block`` bytes."""
    serial, _ = offline.verify_export(directory)
    parallel, _ = offline.verify_export(directory, jobs=2, block=block)
    return serial, parallel


# Blocks of one line, of two or three, and of seven (lines are ~210 bytes here): each export is more than two blocks
BLOCKS = [100, 450, 1500]


@pytest.mark.parametrize("block", BLOCKS)
def test_a_fresh_export_verifies_on_several_processes_with_the_same_summary(tmp_path: Path, block: int) -> None:
    write(tmp_path, ledger(SIZE), SIZES)
    serial, parallel = both(tmp_path, block)
    assert parallel.ok and parallel.lines == serial.lines
    assert "3 signed checkpoint(s) match" in parallel.lines[1]


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("position", [1, 3, 4, 10, 11, 20, 21, 34, 40])
def test_an_edited_event_is_named_exactly_wherever_it_falls(tmp_path: Path, block: int, position: int) -> None:
    entries = ledger(SIZE)
    edited = entries[position - 1]
    entries[position - 1] = Entry(position, edited.canonical.replace(b'"n":', b'"n":1'), edited.leaf_hash,
                                  edited.chain_hash)
    write(tmp_path, entries, SIZES, signed_from=ledger(SIZE))
    serial, parallel = both(tmp_path, block)
    assert not parallel.ok and parallel.lines == serial.lines
    assert parallel.lines[0] == f"entry {position}: leaf hash does not match the event (the event was altered)"


@pytest.mark.parametrize("block", BLOCKS)
def test_a_rewrite_with_every_later_hash_recomputed_is_located_by_the_checkpoints(tmp_path: Path, block: int) -> None:
    forged = ledger(SIZE, edit={15: canonical_form({"id": "e-15", "data": {"n": 1500}})})
    write(tmp_path, forged, SIZES, signed_from=ledger(SIZE))
    serial, parallel = both(tmp_path, block)
    assert not parallel.ok and parallel.lines == serial.lines
    assert parallel.lines[0].startswith("entries 11..20: one of them was altered and every hash after it recomputed")


@pytest.mark.parametrize("block", BLOCKS)
def test_a_removed_entry_a_foreign_line_and_a_short_export_are_named_as_line_by_line(tmp_path: Path,
                                                                                    block: int) -> None:
    entries = ledger(SIZE)
    write(tmp_path / "gap", [*entries[:11], *entries[12:]], SIZES)
    serial, parallel = both(tmp_path / "gap", block)
    assert parallel.lines == serial.lines and parallel.lines[0].startswith("entry 12 (line 12): position 13 found")
    write(tmp_path / "short", entries[:30], SIZES, signed_from=entries)
    serial, parallel = both(tmp_path / "short", block)
    assert not parallel.ok and parallel.lines == serial.lines and "ends at position 30" in parallel.lines[0]
    path = tmp_path / "gap" / "entries.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"position":6,', b'"position": 6,')
    path.write_bytes(b"".join(lines))
    serial, parallel = both(tmp_path / "gap", block)
    assert parallel.lines == serial.lines and parallel.lines[0].startswith("entry 6 (line 6): not an entry line")


@pytest.mark.parametrize("block", BLOCKS)
def test_unusual_lines_and_a_last_line_without_its_end_are_checked_line_by_line_and_verify(tmp_path: Path,
                                                                                           block: int) -> None:
    entries = ledger(SIZE, edit={2: b'{"a":\n1}', 17: b"\xff not json", 40: b'{"last":true}'})
    write(tmp_path, entries, SIZES)
    path = tmp_path / "entries.jsonl"
    path.write_bytes(path.read_bytes().removesuffix(b"\n"))
    serial, parallel = both(tmp_path, block)
    assert parallel.ok and parallel.lines == serial.lines


def test_an_export_smaller_than_two_blocks_is_verified_in_this_process(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, ledger(SIZE), SIZES)
    monkeypatch.setattr(offline, "walk_blocks", lambda *args: pytest.fail("no worker for a small export"))
    outcome, _ = offline.verify_export(tmp_path, jobs=2)
    assert outcome.ok


def test_a_worker_returns_the_hashes_of_the_lines_that_hold_up_to_the_first_that_does_not(tmp_path: Path) -> None:
    entries = ledger(6)
    write(tmp_path, entries, [6])
    lines = (tmp_path / "entries.jsonl").read_bytes().splitlines(keepends=True)
    assert check_block(b"".join(lines), 1, bytes(32)) == b"".join(e.leaf_hash + e.chain_hash for e in entries)
    assert check_block(b"".join(lines[2:]), 3, entries[1].chain_hash) == b"".join(
        e.leaf_hash + e.chain_hash for e in entries[2:])
    assert check_block(b"".join(lines[2:]), 3, entries[0].chain_hash) == b""  # another chain before it
    assert check_block(b"".join(lines[2:]), 3, None) == b"".join(  # the first chain as written, for the caller
        e.leaf_hash + e.chain_hash for e in entries[2:])
    lines[3] = lines[3].replace(b'"n":4', b'"n":5')
    assert check_block(b"".join(lines), 1, bytes(32)) == b"".join(e.leaf_hash + e.chain_hash for e in entries[:3])
