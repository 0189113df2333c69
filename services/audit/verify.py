"""``python -m services.audit.verify [--json]``: verify the ledger from its database and the stream.

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
from dataclasses import asdict

import nats.errors
import psycopg

from services.audit import application
from services.audit.domain import Verdict
from services.audit.queries import ledger_entries, ledger_links, stream_heads
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


def run(settings: Settings) -> Verdict:
    """The verdict on the ledger of this deployment (stream heads read first)."""
    heads, why = asyncio.run(_stream_heads(settings))
    with connect(service_url(settings, "audit")) as conn:
        return application.verify(ledger_entries(conn), ledger_links(conn), heads, why)


def report(verdict: Verdict) -> str:
    """The verdict in a few lines for a person."""
    if verdict.ok:
        lines = [f"chain OK: {verdict.checked} entries, head {verdict.head}"]
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
        verdict = run(get_settings())
    except psycopg.Error as exc:
        print(f"cannot read the ledger: {type(exc).__name__}: {exc}".strip(), file=sys.stderr)
        return UNREADABLE
    print(json.dumps(asdict(verdict), ensure_ascii=False, indent=2) if "--json" in args else report(verdict))
    if not verdict.ok:
        return BROKEN
    return OK if verdict.complete else INCOMPLETE


if __name__ == "__main__":
    sys.exit(main())
