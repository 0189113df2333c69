"""Full verification of the ledger, from its database and from an export, beside raw SHA-256 over the same bytes,
measured in the same run.

    .venv/bin/python -m benchmarks.verify [N] [--no-database]

Writes N synthetic ledger entries (CloudEvents documents of this system's size, in canonical form) into a
ledger table of a database of its own (``SW_DATABASE_URL``'s server, dropped at the end) and into an export in
a temporary directory, then times, three times each:
  verify db  python -m services.audit.verify --full, without the stream: stream every entry from the
             database, hash it (leaf), the chain and the Merkle tree, check them and the signed
             checkpoints, that each stored event is canonical and that its search columns agree with it
  read db    the same rows read from the database with nothing checked (the floor of a verifier reading them)
  verify     python -m services.audit.offline verify-export --full: read entries.jsonl, hash every
             event (leaf), the chain and the Merkle tree, check them and the signed checkpoints
  raw      SHA-256 of each entry's canonical bytes, already in memory, one call per entry (the
           least any verifier must do), and SHA-256 of all the bytes as one stream (the bulk limit)
  hashes   the three SHA-256 a verification computes per entry (leaf, chain, tree node), alone:
           the ceiling of any verifier written in Python
and prints min / median / max and the ratio of each verification to raw (target ≥ 50 % of per-entry raw).
No broker is used; ``--no-database`` leaves the database out.
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
from services.audit import verify as ledger_verify
from services.audit.domain import GENESIS, Entry, canonical_form, chain_hash, leaf_hash
from services.audit.merkle import Tree
from services.audit.projections import CHECKPOINTS_DDL, LEDGER_DDL
from services.audit.queries import ledger_entries
from shared import store
from shared.settings import Settings, get_settings

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


def build(n: int, directory: Path) -> tuple[list[bytes], list[Entry], list[signing.Checkpoint]]:
    """Writes the export of n entries (checkpoints every 10,000 and at n); returns the events' bytes, the entries
    and the checkpoints."""
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
    return bodies, entries, checkpoints


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
        for _ in ledger_entries(conn):
            pass


def verify_database(url: str) -> None:
    """A full verification from the database, as the command runs it (the stream left out)."""
    with store.connect(url) as conn:
        verdict = ledger_verify.verify_from(conn, None, "not asked", KEY.public_key(), full=True)
    assert verdict.ok and verdict.first_bad_position is None, verdict


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
    """Builds the ledger and the export, times verification and raw SHA-256, prints the figures and the ratios."""
    numbers = [a for a in argv[1:] if not a.startswith("--")]
    n = int(numbers[0]) if numbers else 100_000
    settings, database = get_settings(), "--no-database" not in argv
    with tempfile.TemporaryDirectory(prefix="sw-verify-bench-") as tmp:
        directory = Path(tmp)
        bodies, entries, checkpoints = build(n, directory)
        url = load_database(settings, entries, checkpoints) if database else ""
        del entries
        size = sum(map(len, bodies))
        file_size = (directory / "entries.jsonl").stat().st_size
        print(f"{n:,} entries, {size / 1e6:.1f} MB of canonical events (mean {size / n:.0f} B), "
              f"entries.jsonl {file_size / 1e6:.1f} MB; {REPEAT} runs each")
        try:
            from_db = timed(lambda: verify_database(url)) if database else []
            read_db = timed(lambda: read_database(url)) if database else []
        finally:
            if database:
                store.drop_database(settings.database_url, f"{settings.database_prefix}bench_verify")
        full = timed(lambda: verify(directory))
        per_entry = timed(lambda: raw_per_entry(bodies))
        bulk = timed(lambda: raw_bulk(bodies))
        floor = timed(lambda: hashes_alone(bodies))
    raw = statistics.median(per_entry)
    if from_db:
        print(line("verify db --full", from_db, n, size))
        print(line("its rows read alone", read_db, n, size))
    print(line("verify --full", full, n, size))
    print(line("its hashes alone", floor, n, size))
    print(line("raw SHA-256/entry", per_entry, n, size))
    print(line("raw SHA-256 bulk", bulk, n, size))
    if from_db:
        print(f"database verification / raw per entry: {raw / statistics.median(from_db):.0%} (target >= 50%);  "
              f"its rows read alone / raw per entry: {raw / statistics.median(read_db):.0%}")
    print(f"export verification / raw per entry: {raw / statistics.median(full):.0%} (target >= 50%);  "
          f"/ raw bulk: {statistics.median(bulk) / statistics.median(full):.0%};  "
          f"its hashes alone / raw per entry: {raw / statistics.median(floor):.0%}")


if __name__ == "__main__":
    main(sys.argv)
