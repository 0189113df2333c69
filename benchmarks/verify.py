"""Full verification of the ledger, from its database and from an export, beside raw SHA-256 over the same bytes,
measured in the same run.

    .venv/bin/python -m benchmarks.verify [N] [--no-database]

Writes N synthetic ledger entries (CloudEvents documents of this system's size, in canonical form) into a
ledger table of a database of its own (``SW_DATABASE_URL``'s server, dropped at the end) and into an export in
a temporary directory, then times, in five rounds (each round runs everything once, in turn, so that the ratios
compare runs made under the same load of the shared machine):
  raw SHA-256 verify bytes  the limit the target is read against: SHA-256 of every input a full verification
                 hands to SHA-256 — each leaf input (0x00 ‖ canonical), chain input (previous chain ‖ leaf, 64
                 bytes) and tree-node input (0x01 ‖ left ‖ right, 65 bytes) — already in memory, one call each,
                 nothing else
  raw SHA-256 per entry     SHA-256 of each entry's canonical bytes, one call per entry (the other limit)
  raw SHA-256 bulk          SHA-256 of all the canonical bytes as one stream
  verify export --jobs 1|2  python -m services.audit.offline verify-export --full --jobs 1 (one process) and
                 --jobs 2 (two worker processes checking blocks of lines, this one folding the tree): read
                 entries.jsonl, hash every event (leaf), the chain and the Merkle tree, check them and the
                 signed checkpoints
  verify db --full          python -m services.audit.verify --full, without the stream: stream every entry
                 from the database, hash it (leaf), the chain and the Merkle tree, check them and the signed
                 checkpoints, that each stored event is canonical and that its search columns agree with it
  its rows read alone       the same rows read from the database as the verifier reads them, nothing checked
and prints min / median / max, and each verification's ratio to both raw figures (which run on one core): the
median of the rounds' ratios, their range and the ratio of the fastest runs, of elapsed time and of CPU time —
this process's and its workers', which other processes' load disturbs less; for the database it leaves out
PostgreSQL's own work.
No broker is used; ``--no-database`` leaves the database out.
"""

from __future__ import annotations

import hashlib
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from services.audit import export, offline, signing
from services.audit import verify as ledger_verify
from services.audit.domain import GENESIS, Entry, canonical_form, chain_hash, leaf_hash
from services.audit.merkle import Tree, node_hash
from services.audit.projections import CHECKPOINTS_DDL, LEDGER_DDL
from services.audit.queries import copied_entries
from shared import store
from shared.settings import Settings, get_settings

REPEAT = 5
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


class Inputs(NamedTuple):
    """What the benchmark times: the events' bytes, and every input a full verification hands to SHA-256."""

    bodies: list[bytes]
    hashed: list[bytes]
    """Each leaf input (0x00 ‖ canonical), chain input (previous chain ‖ leaf) and tree-node input (0x01 ‖ left ‖
    right, every node the streaming tree computes, the checkpoints' roots too), in the order a verification
    hashes them."""


def build(n: int, directory: Path) -> tuple[Inputs, list[Entry], list[signing.Checkpoint]]:
    """Writes the export of n entries (checkpoints every 10,000 and at n); returns the bytes hashed, the entries
    and the checkpoints."""
    bodies, hashed, entries, checkpoints = [], [], [], []
    tree, previous = Tree(), GENESIS
    for position in range(1, n + 1):
        body = event(position)
        leaf = leaf_hash(body)
        hashed += [b"\x00" + body, previous + leaf]
        previous = chain_hash(previous, leaf)
        hashed += _node_inputs(tree, leaf)
        bodies.append(body)
        entries.append(Entry(position, body, leaf, previous))
        if position % 10_000 == 0 or position == n:
            hashed += _root_inputs(tree)
            unsigned = signing.Checkpoint("sw-audit/XX", position, tree.root(), previous, "2026-11-29T10:00:00Z")
            checkpoints.append(signing.sign(unsigned, KEY))
    export.write_export(directory, entries, checkpoints[-1], checkpoints[:-1], KEY.public_key())
    return Inputs(_compact(bodies), _compact(hashed)), entries, checkpoints


def _compact(values: list[bytes]) -> list[bytes]:
    """The same values as new objects allocated one after the other: the raw figures hash inputs laid out in memory
    in the order they are hashed, as a reader's buffer would hold them (not scattered among the build's objects)."""
    joined, out, at = b"".join(values), [], 0
    for value in values:
        out.append(joined[at:at + len(value)])
        at += len(value)
    return out


def _node_inputs(tree: Tree, leaf: bytes) -> list[bytes]:
    """The tree-node inputs appending ``leaf`` hashes (``Tree.append``), appending it."""
    inputs, node, size = [], leaf, tree.size
    merged = (size ^ (size + 1)).bit_length() - 1  # the trailing 1 bits of the size: the subtrees it closes
    for left in reversed(tree.frontier[len(tree.frontier) - merged:]):
        inputs.append(b"\x01" + left + node)
        node = node_hash(left, node)
    tree.append(leaf)
    assert tree.frontier[-1] == node
    return inputs


def _root_inputs(tree: Tree) -> list[bytes]:
    """The tree-node inputs of the tree head (``Tree.root``)."""
    inputs, root = [], tree.frontier[-1]
    for left in reversed(tree.frontier[:-1]):
        inputs.append(b"\x01" + left + root)
        root = node_hash(left, root)
    return inputs


def load_database(settings: Settings, entries: list[Entry], checkpoints: list[signing.Checkpoint]) -> str:
    """A database of its own holding the entries in a ledger table and the checkpoints; its URL."""
    name = f"{settings.database_prefix}bench_verify"
    store.drop_database(settings.database_url, name)
    store.ensure_database(settings.database_url, name)
    url = store.url_for(settings.database_url, name)
    with store.connect(url) as conn:
        for statement in (*LEDGER_DDL, *CHECKPOINTS_DDL):
            conn.execute(statement)
        with conn.cursor().copy("COPY ledger (position, event_id, source, type, subject, event_time, canonical, "
                                "leaf_hash, chain_hash) FROM STDIN") as copy:
            for entry in entries:
                copy.write_row((entry.position, f"stations-{entry.position}", "/sw/stations",
                                "sw.stations.contract.disbursed.v1",
                                f"5b8f1c1e-7d4f-4d8e-9a31-{entry.position:012d}", "2022-03-01T08:00:00Z",
                                entry.canonical, entry.leaf_hash, entry.chain_hash))
        for c in checkpoints:
            conn.execute("INSERT INTO checkpoints (tree_size, origin, root_hash, chain_hash, time, key_id, signature, "
                         "event_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                         (c.tree_size, c.origin, c.root_hash, c.chain_hash, c.time, c.key_id, c.signature,
                          f"checkpoint-{c.tree_size}"))
        conn.execute("ANALYZE ledger")
    return url


def read_database(url: str) -> None:
    """The entries read from the database as the verifier reads them, with nothing checked: its floor."""
    with store.connect(url) as conn:
        for _ in copied_entries(conn):
            pass


def verify_database(url: str) -> None:
    """A full verification from the database, as the command runs it (the stream left out)."""
    with store.connect(url) as conn:
        verdict = ledger_verify.verify_from(conn, None, "not asked", KEY.public_key(), full=True)
    assert verdict.ok and verdict.first_bad_position is None, verdict


def raw_per_entry(bodies: list[bytes]) -> None:
    """SHA-256 of each body, one call each."""
    sha = hashlib.sha256
    for body in bodies:
        sha(body).digest()


def raw_hashed(hashed: list[bytes]) -> None:
    """SHA-256 of each input a verification hashes (leaf, chain, tree node), one call each, nothing else."""
    sha = hashlib.sha256
    for data in hashed:
        sha(data).digest()


def raw_bulk(bodies: list[bytes]) -> None:
    """SHA-256 of every body as one stream."""
    digest = hashlib.sha256()
    for body in bodies:
        digest.update(body)
    digest.digest()


def verify(directory: Path, jobs: int) -> None:
    """A full verification of the export, as the command runs it with ``--jobs``."""
    outcome, _ = offline.verify_export(directory, jobs=jobs)
    assert outcome.ok, outcome.lines


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (the export's workers, joined when it ends)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Times(NamedTuple):
    """Each run's seconds per round: elapsed, and the CPU time of this process and its workers."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]


def rounds(runs: dict[str, Callable[[], object]]) -> Times:
    """REPEAT rounds, each timing every run once in turn (so a ratio compares runs made under the same load of the
    shared machine)."""
    times = Times({name: [] for name in runs}, {name: [] for name in runs})
    for _ in range(REPEAT):
        for name, run in runs.items():
            started, cpu = time.perf_counter(), _cpu()
            run()
            times.wall[name].append(time.perf_counter() - started)
            times.cpu[name].append(_cpu() - cpu)
    return times


def line(name: str, times: list[float], n: int, size: int) -> str:
    """min / median / max as MB/s of events and entries/s."""
    best, median, worst = min(times), statistics.median(times), max(times)
    return (f"{name:<24} MB/s min {size / worst / 1e6:7.1f}  median {size / median / 1e6:7.1f}  max "
            f"{size / best / 1e6:7.1f}   entries/s median {n / median:>10,.0f}")


def ratio(times: dict[str, list[float]], name: str, limit: str) -> str:
    """The median over the rounds of (the limit's time / the run's time) in the same round, and their range."""
    ratios = sorted(a / b for a, b in zip(times[limit], times[name], strict=True))
    best = min(times[limit]) / min(times[name])
    return f"{statistics.median(ratios):4.0%} ({ratios[0]:.0%}..{ratios[-1]:.0%}, best {best:.0%})"


def report(times: Times, n: int, size: int) -> None:
    """Prints the figures and each verification's ratios to both raw limits, elapsed and CPU."""
    for name, seconds in times.wall.items():
        print(line(name, seconds, n, size))
    print("ratio to raw SHA-256 over the bytes a verification hashes (the target: >= 50%) | to raw one call per "
          "entry;\n  median of the rounds (range, best: of the fastest runs), elapsed time, then CPU time (this "
          "process and its workers):")
    for name in (EXPORT_1, EXPORT_2, "verify db --full", "its rows read alone"):
        if name in times.wall:
            print(f"  {name:<21} elapsed {ratio(times.wall, name, VERIFY_BYTES)} | "
                  f"{ratio(times.wall, name, PER_ENTRY)};  CPU {ratio(times.cpu, name, VERIFY_BYTES)} | "
                  f"{ratio(times.cpu, name, PER_ENTRY)}")


VERIFY_BYTES, PER_ENTRY = "raw SHA-256 verify bytes", "raw SHA-256 per entry"
EXPORT_1, EXPORT_2 = "verify export --jobs 1", "verify export --jobs 2"


def main(argv: list[str]) -> None:
    """Builds the ledger and the export, times verification and raw SHA-256, prints the figures and the ratios."""
    numbers = [a for a in argv[1:] if not a.startswith("--")]
    n = int(numbers[0]) if numbers else 100_000
    settings, database = get_settings(), "--no-database" not in argv
    with tempfile.TemporaryDirectory(prefix="sw-verify-bench-") as tmp:
        directory = Path(tmp)
        inputs, entries, checkpoints = build(n, directory)
        url = load_database(settings, entries, checkpoints) if database else ""
        del entries
        size = sum(map(len, inputs.bodies))
        file_size = (directory / "entries.jsonl").stat().st_size
        print(f"{n:,} entries, {size / 1e6:.1f} MB of canonical events (mean {size / n:.0f} B), entries.jsonl "
              f"{file_size / 1e6:.1f} MB; a verification hashes {len(inputs.hashed):,} inputs "
              f"({len(inputs.hashed) / n:.2f} per entry, {sum(map(len, inputs.hashed)) / 1e6:.1f} MB); "
              f"{REPEAT} rounds")
        runs: dict[str, Callable[[], object]] = {
            VERIFY_BYTES: lambda: raw_hashed(inputs.hashed),
            PER_ENTRY: lambda: raw_per_entry(inputs.bodies),
            "raw SHA-256 bulk": lambda: raw_bulk(inputs.bodies),
            EXPORT_1: lambda: verify(directory, 1),
            EXPORT_2: lambda: verify(directory, 2),
        }
        if database:
            runs["verify db --full"] = lambda: verify_database(url)
            runs["its rows read alone"] = lambda: read_database(url)
        try:
            times = rounds(runs)
        finally:
            if database:
                store.drop_database(settings.database_url, f"{settings.database_prefix}bench_verify")
    report(times, n, size)


if __name__ == "__main__":
    main(sys.argv)
