"""Finance views and the departments' exports over HTTP, from the ledger (readers: finance, auditors, the bureau).

Each row lists ``positions``: the audit ledger entries it sums (``GET /v1/ledger?after=<p - 1>&limit=1``
shows entry ``p`` with its hashes).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from services.audit import finance
from services.audit.facts_store import with_facts
from services.audit.findings_api import as_out, findings_as_of, visible
from services.audit.tables import TABLES, WRITERS, cell, within
from shared.domain import Context, Invalid, Role, county_today
from shared.fields import Day
from shared.http import QUERY_PROBLEMS, CurrentContext
from shared.service import ReadDb, runtime_of

FINANCE_READERS = (Role.FINANCE, Role.AUDITOR, Role.CIVIL_AFFAIRS_ADMIN)
From = Annotated[Day | None, Query(alias="from", description="first business date, YYYY-MM-DD")]
To = Annotated[Day | None, Query(alias="to", description="last business date, YYYY-MM-DD")]


class ContractRow(BaseModel):
    """合同台账: one contract's amount, supervision funds, disbursed and remaining (fen)."""

    contract_id: str
    contract_number: str
    organisation_id: str
    organisation_name: str
    budget_year: int
    budget_line: str
    signed_on: date
    period_start: date
    period_end: date
    terminated_on: date | None
    stations: int
    amount_fen: int
    supervision_fen: int
    disbursed_fen: int
    remaining_fen: int
    positions: list[int]


class DisbursementRow(BaseModel):
    """拨付明细: one payment under a contract."""

    contract_id: str
    contract_number: str
    organisation_name: str
    budget_year: int
    budget_line: str
    paid_on: date
    reference: str
    amount_fen: int
    positions: list[int]


class SupervisionRow(BaseModel):
    """督导经费: a contract's supervision funds beside the supervision sessions held at its stations in its period."""

    contract_id: str
    contract_number: str
    organisation_name: str
    budget_year: int
    supervision_fen: int
    stations: int
    sessions: int
    hours: float
    positions: list[int]


class PayrollRow(BaseModel):
    """工资表: an organisation's pay for one month."""

    organisation_id: str
    organisation_name: str
    month: str
    workers_paid: int
    gross_fen: int
    below_minimum_wage: int
    positions: list[int]


class BudgetRow(BaseModel):
    """Budget vs spent for one budget year: contracted, its supervision funds, disbursed, reported by ledgers."""

    budget_year: int
    contracts: int
    budget_fen: int
    supervision_fen: int
    disbursed_fen: int
    remaining_fen: int
    reported_spending_fen: int
    positions: list[int]


class ContractRows(BaseModel):
    """合同台账."""

    items: list[ContractRow]


class DisbursementRows(BaseModel):
    """拨付明细."""

    items: list[DisbursementRow]


class SupervisionRows(BaseModel):
    """督导经费."""

    items: list[SupervisionRow]


class PayrollRows(BaseModel):
    """工资表."""

    items: list[PayrollRow]


class BudgetRows(BaseModel):
    """Budget vs spent, per budget year."""

    items: list[BudgetRow]


router = APIRouter(prefix="/v1", tags=["finance"])


def _reader(ctx: Context) -> None:
    ctx.require(*FINANCE_READERS)


@router.get("/finance/contracts", response_model=ContractRows, responses=QUERY_PROBLEMS)
def finance_contracts(ctx: CurrentContext, db: ReadDb,
                      budget_year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> dict[str, Any]:
    """Per contract: amount, supervision funds, disbursed, remaining; optionally of one budget year."""
    _reader(ctx)
    rows = with_facts(db, finance.contracts)
    return {"items": [r for r in rows if budget_year is None or r["budget_year"] == budget_year]}


@router.get("/finance/supervision", response_model=SupervisionRows, responses=QUERY_PROBLEMS)
def finance_supervision(ctx: CurrentContext, db: ReadDb,
                        budget_year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> dict[str, Any]:
    """Per contract: its supervision funds, and the sessions and hours held at its stations in its period."""
    _reader(ctx)
    rows = with_facts(db, finance.supervision)
    return {"items": [r for r in rows if budget_year is None or r["budget_year"] == budget_year]}


@router.get("/finance/disbursements", response_model=DisbursementRows, responses=QUERY_PROBLEMS)
def finance_disbursements(ctx: CurrentContext, db: ReadDb, start: From = None, end: To = None) -> dict[str, Any]:
    """Every disbursement, by date."""
    _reader(ctx)
    return {"items": within(TABLES["disbursements"], with_facts(db, finance.disbursements), start, end)}


@router.get("/finance/payroll", response_model=PayrollRows, responses=QUERY_PROBLEMS)
def finance_payroll(request: Request, ctx: CurrentContext, db: ReadDb, start: From = None,
                    end: To = None) -> dict[str, Any]:
    """Payroll totals per organisation per month."""
    _reader(ctx)
    minimum = runtime_of(request).settings.minimum_wage_fen
    rows = with_facts(db, lambda facts: finance.payroll(facts, minimum))
    return {"items": within(TABLES["payroll"], rows, start, end)}


@router.get("/finance/budget", response_model=BudgetRows, responses=QUERY_PROBLEMS)
def finance_budget(ctx: CurrentContext, db: ReadDb) -> dict[str, Any]:
    """Budget vs spent per budget year, supervision funds included."""
    _reader(ctx)
    return {"items": with_facts(db, finance.budget)}


def export_rows(name: str, request: Request, ctx: Context, db: Any, start: date | None,
                end: date | None) -> list[dict[str, Any]]:
    """The rows of one export, in its date range."""
    settings = runtime_of(request).settings
    if name == "findings":
        rows = [as_out(f) for f in visible(ctx, findings_as_of(db, settings, end))]
    else:
        _reader(ctx)
        views = {"contracts": finance.contracts, "disbursements": finance.disbursements,
                 "payroll": lambda facts: finance.payroll(facts, settings.minimum_wage_fen),
                 "social-insurance": finance.insurance,
                 "roster": lambda facts: finance.roster(facts, end or county_today())}
        rows = with_facts(db, views[name])
    return within(TABLES[name], rows, start, end)


class ExportPreview(BaseModel):
    """An export's table as JSON (asked for with ``Accept: application/json``): title, headers, rows as cells."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


def _export_route(name: str, fmt: str) -> None:
    write, media = WRITERS[fmt]
    table = TABLES[name]
    file_media = media.split(";")[0]

    @router.get(f"/exports/{name}.{fmt}", response_model=ExportPreview, responses={
        **QUERY_PROBLEMS, 200: {"description": f"{table.title} as {fmt.upper()} (or JSON when asked for)",
                                "content": {file_media: {"schema": {"type": "string", "format": "binary"}}}}},
        name=f"export_{name}_{fmt}".replace("-", "_"))
    def export(request: Request, ctx: CurrentContext, db: ReadDb, start: From = None, end: To = None) -> Any:
        if start and end and start > end:
            raise Invalid("from", f"from {start} is after to {end}")
        rows = export_rows(name, request, ctx, db, start, end)
        if _wants_json(request.headers.get("accept", ""), file_media):
            return {"name": name, "title": table.title, "headers": [h for _, h in table.columns],
                    "rows": [[cell(k, r.get(k)) for k, _ in table.columns] for r in rows]}
        return Response(write(table, rows), media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})

    export.__doc__ = f"{table.title}: {fmt.upper()} with Chinese headers; rows dated from..to."


def _wants_json(accept: str, file_media: str) -> bool:
    """JSON only when the client asks for it and not for the file's own type."""
    return "application/json" in accept and file_media not in accept


for _name in TABLES:
    for _fmt in WRITERS:
        _export_route(_name, _fmt)
