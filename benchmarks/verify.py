"""Full offline verification of a ledger export beside raw SHA-256 over the same bytes, measured in the same run.

    .venv/bin/python -m benchmarks.verify [N]

Writes an export of N synthetic ledger entries (CloudEvents documents of this system's size, in
canonical form) to a temporary directory, then times, three times each:
  verify   python -m services.audit.offline verify-export --full: read entries.jsonl, hash every
           event (leaf), the chain and the Merkle tree, check them and the signed checkpoints
  raw      SHA-256 of each entry's canonical bytes, already in memory, one call per entry (the
           least any verifier must do), and SHA-256 of all the bytes as one stream (the bulk limit)
  hashes   the three SHA-256 a verification computes per entry (leaf, chain, tree node), alone:
           the ceiling of any verifier written in Python
and prints min / median / max and the ratio of verification to raw (target ≥ 50 % of per-entry raw).
No database or broker is used.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from services.audit import export, offline, signing
from services.audit.domain import GENESIS, Entry, canonical_form, chain_hash, leaf_hash
from services.audit.merkle import Tree

REPEAT = 3
KEY = signing.private_key("", "benchmark")


def event(position: int) -> bytes:
    """A canonical event document of the size the services publish."""
    return canonical_form({
        "specversion": "1.0", "id": f"stations-{position}", "source": "/sw/stations",
        "type": "sw.stations.contract.disbursed.v1", "subject": f"5b8f1c1e-7d4f-4d8e-9a31-{position:012d}",
        "time": "2022-03-01T08:00:00Z", "datacontenttype": "application/json",
        "data": {"contract_id": f"5b8f1c1e-7d4f-4d8e-9a31-{position:012d}", "amount_fen": 1_250_000 + position,
                 "disbursed_on": "2022-03-01", "instalment": 2, "budget_year": 2022,
                 "note": "第二期拨付：按季度台账验收结果拨付服务经费"},
        "sequence": position, "prevsequence": position - 1, "aggregateid": f"agg-{position}",
        "aggregateversion": 3, "actor": "finance-clerk-07", "role": "finance", "organisation": "county-finance",
        "correlationid": f"corr-{position:08d}", "causationid": f"cause-{position:08d}",
    })


def build(n: int, directory: Path) -> list[bytes]:
    """Writes the export of n entries (checkpoints every 10,000 and at n); returns the events' bytes."""
    bodies, entries, checkpoints = [], [], []
    tree, previous = Tree(), GENESIS
    for position in range(1, n + 1):
        body = event(position)
        leaf = leaf_hash(body)
        previous = chain_hash(previous, leaf)
        tree.append(leaf)
        bodies.append(body)
        entries.append(Entry(position, body, leaf, previous))
        if position % 10_000 == 0 or position == n:
            unsigned = signing.Checkpoint("sw-audit/XX", position, tree.root(), previous, "2026-11-29T10:00:00Z")
            checkpoints.append(signing.sign(unsigned, KEY))
    export.write_export(directory, entries, checkpoints[-1], checkpoints[:-1], KEY.public_key())
    return bodies


def timed(run: Callable[[], object]) -> list[float]:
    """Seconds of each of REPEAT runs."""
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def raw_per_entry(bodies: list[bytes]) -> None:
    """SHA-256 of each body."""
    sha = hashlib.sha256
    for body in bodies:
        sha(body).digest()


def raw_bulk(bodies: list[bytes]) -> None:
    """SHA-256 of every body as one stream."""
    digest = hashlib.sha256()
    for body in bodies:
        digest.update(body)
    digest.digest()


def hashes_alone(bodies: list[bytes]) -> None:
    """The hashing a full verification does (leaf, chain, tree nodes), with nothing read or compared."""
    sha, previous, frontier = hashlib.sha256, GENESIS, []
    for size, body in enumerate(bodies):
        leaf = sha(b"\x00" + body).digest()
        previous = sha(previous + leaf).digest()
        node, bits = leaf, size
        while bits & 1:
            node = sha(b"\x01" + frontier.pop() + node).digest()
            bits >>= 1
        frontier.append(node)


def verify(directory: Path) -> None:
    """A full verification, as the command runs it."""
    outcome, _ = offline.verify_export(directory)
    assert outcome.ok, outcome.lines


def line(name: str, times: list[float], n: int, size: int) -> str:
    """min / median / max as MB/s and entries/s."""
    best, median, worst = min(times), statistics.median(times), max(times)
    return (f"{name:<16} MB/s min {size / worst / 1e6:7.1f}  median {size / median / 1e6:7.1f}  max "
            f"{size / best / 1e6:7.1f}   entries/s median {n / median:>10,.0f}")


def main(argv: list[str]) -> None:
    """Builds the export, times verification and raw SHA-256, prints the figures and the ratios."""
    n = int(argv[1]) if len(argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="sw-verify-bench-") as tmp:
        directory = Path(tmp)
        bodies = build(n, directory)
        size = sum(map(len, bodies))
        file_size = (directory / "entries.jsonl").stat().st_size
        print(f"{n:,} entries, {size / 1e6:.1f} MB of canonical events (mean {size / n:.0f} B), "
              f"entries.jsonl {file_size / 1e6:.1f} MB; {REPEAT} runs each")
        full = timed(lambda: verify(directory))
        per_entry = timed(lambda: raw_per_entry(bodies))
        bulk = timed(lambda: raw_bulk(bodies))
        floor = timed(lambda: hashes_alone(bodies))
    print(line("verify --full", full, n, size))
    print(line("its hashes alone", floor, n, size))
    print(line("raw SHA-256/entry", per_entry, n, size))
    print(line("raw SHA-256 bulk", bulk, n, size))
    print(f"verification / raw per entry: {statistics.median(per_entry) / statistics.median(full):.0%} "
          f"(target >= 50%);  / raw bulk: {statistics.median(bulk) / statistics.median(full):.0%};  "
          f"its hashes alone / raw per entry: {statistics.median(per_entry) / statistics.median(floor):.0%}")


if __name__ == "__main__":
    main(sys.argv)
