"""``python -m services.audit.verify``: recompute the ledger's hash chain from the database."""

from __future__ import annotations

import sys

from services.audit.domain import verify_chain
from services.audit.projections import ledger_entries
from shared.settings import get_settings
from shared.store import connect, service_url


def main() -> int:
    """Prints the verdict; exits 1 if the chain is broken."""
    settings = get_settings()
    with connect(service_url(settings, "audit")) as conn:
        verdict = verify_chain(ledger_entries(conn))
    if verdict.ok:
        print(f"ledger OK: {verdict.checked} entries, head {verdict.head}")
        return 0
    print(f"ledger BROKEN at position {verdict.first_bad_position}: {verdict.reason} "
          f"({verdict.checked} entries before it verified)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
