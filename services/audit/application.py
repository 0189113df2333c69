"""Audit use cases over the ledger (no I/O of its own: entries are handed in)."""

from __future__ import annotations

from collections.abc import Iterable

from services.audit.domain import Entry, Verdict, verify_chain
from shared.domain import Context, Role

LEDGER_READERS = (Role.AUDITOR, Role.CIVIL_AFFAIRS_ADMIN, Role.FINANCE)


def check_may_read_ledger(ctx: Context) -> None:
    """Auditors, the bureau and finance read the ledger."""
    ctx.require(*LEDGER_READERS)


def verify(ctx: Context, entries: Iterable[Entry]) -> Verdict:
    """Recomputes the whole chain for a permitted reader."""
    check_may_read_ledger(ctx)
    return verify_chain(entries)
