"""What the stations unit tests share besides fixtures: the actors, valid contract terms, the field a refusal names."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from shared.domain import Context, Invalid

ADMIN = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-civil-affairs")
SYSTEM = Context(actor="workforce-consumer", role="system", organisation="county")
TOWNSHIP_T01 = Context(actor="t01-clerk", role="township", organisation="T01", townships=("T01",))
CONTRACTOR = Context(actor="org-1-manager", role="contractor", organisation="org-1")
OTHER_CONTRACTOR = Context(actor="org-2-manager", role="contractor", organisation="org-2")
EVALUATOR = Context(actor="eval-1", role="evaluator", organisation="eval-org")
WORKER = Context(actor="sw-7", role="social_worker", organisation="org-1")
AUDITOR = Context(actor="aud-1", role="auditor", organisation="audit")


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


def field_of(error: BaseException) -> str:
    """The field a refusal names: the domain's ``Invalid.field`` or the first field of a command's validation."""
    if isinstance(error, ValidationError):
        return str(error.errors()[0]["loc"][0])
    assert isinstance(error, Invalid), error
    return error.field
