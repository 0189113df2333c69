"""Valid terms of a service contract, for the stations unit tests."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID


def contract_terms(station_ids: list[UUID], number: str = "XXMZ-2021-001", **changes: Any) -> dict[str, Any]:
    """Valid terms of a contract with org-1 covering ``station_ids``."""
    terms: dict[str, Any] = {
        "contract_number": number,
        "organisation_id": "org-1",
        "organisation_name": "XX县阳光社会工作服务中心",
        "station_ids": station_ids,
        "period_start": date(2021, 4, 1),
        "period_end": date(2022, 3, 31),
        "amount_fen": 30_000_000,
        "supervision_fen": 3_000_000,
        "budget_year": 2021,
        "budget_line": "2080299 其他民政管理事务支出",
        "payment_schedule": [
            {"due_on": date(2021, 4, 15), "amount_fen": 15_000_000},
            {"due_on": date(2021, 10, 15), "amount_fen": 15_000_000},
        ],
        "signed_on": date(2021, 3, 20),
    }
    terms.update(changes)
    return terms
