"""``python -m services.audit.verify [--json] [--full]``: verify the ledger from its database and the stream.

By default it resumes from the latest signed checkpoint: the chain hash stored at its size must still
be the signed one, and only the entries after it are hashed. ``--full`` re-hashes every entry and checks
that the entries give every signed checkpoint's Merkle root and chain hash (a rewrite whose later
hashes were all recomputed fails there).

Prints the verdict (``--json``: the same document as ``GET /v1/ledger/verify``) and exits with
0  the chain holds and the ledger is complete (every source up to its last sequence on the stream);
1  the chain is broken or an entry is not what was recorded (the first bad position is printed);
2  the chain holds but the ledger is incomplete (the missing ranges are printed), or the stream
   did not answer so completeness is unknown;
3  the ledger's database could not be read (no verdict).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict

import nats.errors
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit import application, proofs, signing
from services.audit.domain import Entry, Verdict
from services.audit.queries import copied_entries, ledger_links, stream_heads
from shared import stream
from shared.settings import Settings, get_settings
from shared.store import connect, service_url

OK, BROKEN, INCOMPLETE, UNREADABLE = 0, 1, 2, 3


async def _stream_heads(settings: Settings) -> tuple[dict[str, int] | None, str]:
    try:
        nc = await asyncio.wait_for(stream.connect(settings, "audit-verify"), 10)
    except (TimeoutError, nats.errors.Error, OSError) as exc:
        return None, f"cannot connect to NATS: {type(exc).__name__}: {exc}"
    try:
        return await stream_heads(nc.jetstream(), settings)
    finally:
        await nc.close()


def run(settings: Settings, full: bool = False) -> Verdict:
    """The verdict on the ledger of this deployment (stream heads read first)."""
    heads, why = asyncio.run(_stream_heads(settings))
    key = signing.configured_key(settings).public_key()
    with connect(service_url(settings, "audit")) as conn:
        return verify_from(conn, heads, why, key, full)


def verify_from(conn: psycopg.Connection, heads: dict[str, int] | None, why: str, key: Ed25519PublicKey,
                full: bool, window: int = 100_000) -> Verdict:
    """The verdict from one connection: resumed from the latest checkpoint, or ``full``; the entries are read
    ``window`` positions at a time (``Windows``)."""
    resume = None if full else proofs.resume_point(conn)
    read = Windows(conn, resume.checkpoint.tree_size if resume else 0, window)
    return application.verify(read.entries(), ledger_links(conn), heads, why,
                              checkpoints=() if resume else read.checkpoints(), key=key, resume=resume)


class Windows:
    """The entries after ``after`` to the ledger's head, read through ``COPY`` a window of positions at a time, and
    the signed checkpoints, read between windows (a ``COPY`` holds the connection).

    Before each window every checkpoint up to its end, and the first after it, are buffered, so a checkpoint is at
    hand whenever the verifier asks for the next one; the buffer holds at most a window's checkpoints and a page,
    so memory stays constant whatever the ledger's size.
    """

    def __init__(self, conn: psycopg.Connection, after: int = 0, window: int = 100_000) -> None:
        self.conn, self.after, self.window = conn, after, window
        self.buffer: deque[signing.Checkpoint] = deque()
        self.fetched = 0  # every checkpoint up to this size is buffered or was handed out
        present = conn.execute("SELECT to_regclass('checkpoints') IS NOT NULL AS present").fetchone()
        self.exhausted = not (present and present["present"])
        self.reading = False

    def entries(self) -> Iterator[Entry]:
        """The entries in position order, window by window."""
        head, start = proofs.ledger_head(self.conn), self.after
        while start < head:
            end = min(start + self.window, head)
            self._buffer(end)
            self.reading = True
            yield from copied_entries(self.conn, after=start, upto=end)
            self.reading = False
            start = end

    def checkpoints(self) -> Iterator[signing.Checkpoint]:
        """Every signed checkpoint, smallest first."""
        while True:
            if not self.buffer and not self.reading:
                self._buffer(self.fetched)
            if not self.buffer:
                return
            yield self.buffer.popleft()

    def _buffer(self, upto: int) -> None:
        """Buffers the checkpoints up to ``upto`` and the first after it (if any)."""
        while not self.exhausted and self.fetched <= upto:
            page = proofs.checkpoints(self.conn, self.fetched, 1000)
            self.buffer.extend(page)
            self.fetched = page[-1].tree_size if page else self.fetched
            self.exhausted = len(page) < 1000


def report(verdict: Verdict) -> str:
    """The verdict in a few lines for a person."""
    if verdict.ok:
        lines = [f"chain OK: {verdict.checked} entries, head {verdict.head}"]
        if verdict.resumed_after is not None:
            lines[0] += f" (after the checkpoint at {verdict.resumed_after}, whose chain hash still holds)"
        elif verdict.checkpoints_matched:
            lines.append(f"{verdict.checkpoints_matched} signed checkpoint(s) match the entries")
    else:
        lines = [f"chain BROKEN at position {verdict.first_bad_position}: {verdict.reason} "
                 f"({verdict.checked} entries before it verified)"]
    lines.append("ledger COMPLETE" if verdict.complete else f"ledger INCOMPLETE: {verdict.completeness_reason}")
    for gap in verdict.missing:
        upto = f"before {gap.missing_before}" if gap.missing_before is not None else f"up to {gap.stream_head}"
        lines.append(f"  {gap.source}: missing after {gap.missing_after}, {upto} ({gap.detail})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Prints the verdict; the exit status says ok and complete (0), broken (1), incomplete (2), unreadable (3)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        verdict = run(get_settings(), full="--full" in args)
    except psycopg.Error as exc:
        print(f"cannot read the ledger: {type(exc).__name__}: {exc}".strip(), file=sys.stderr)
        return UNREADABLE
    print(json.dumps(asdict(verdict), ensure_ascii=False, indent=2) if "--json" in args else report(verdict))
    if not verdict.ok:
        return BROKEN
    return OK if verdict.complete else INCOMPLETE


if __name__ == "__main__":
    sys.exit(main())
