"""Audit use cases over the ledger (no I/O of its own: entries, links and stream heads are handed in)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.audit.domain import Entry, Link, Verdict, completeness, verdict, verify_chain
from shared.domain import Context, Role

LEDGER_READERS = (Role.AUDITOR, Role.CIVIL_AFFAIRS_ADMIN, Role.FINANCE)


def check_may_read_ledger(ctx: Context) -> None:
    """Auditors, the bureau and finance read the ledger."""
    ctx.require(*LEDGER_READERS)


def verify(entries: Iterable[Entry], links: Iterable[Link], stream_heads: Mapping[str, int] | None,
           stream_problem: str = "") -> Verdict:
    """Recomputes the whole chain and checks every source is complete up to the stream's head.

    Read the stream heads *before* the ledger: events recorded in between then make a source's
    ledger head higher than its stream head, never a false gap.
    """
    return verdict(verify_chain(entries), completeness(links, stream_heads, stream_problem))
