"""What the stations application answers: each aggregate as a plain JSON-ready dict."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from services.stations.domain import (
    CountyPlan,
    ExternalEvaluation,
    MisuseReport,
    PublicDisclosure,
    QuarterlyLedger,
    ServiceContract,
    Station,
)


def plain(value: Any) -> Any:
    """JSON-friendly copy: dates as ISO strings, ids as strings, tuples as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def plan_view(plan: CountyPlan) -> dict[str, Any]:
    """The answer showing a plan."""
    townships = [{**t, "villages": plan.villages_of(code)} for code, t in sorted(plan.townships.items())]
    return plain(
        {
            "id": plan.id,
            "version": plan.version,
            "county_code": plan.county_code,
            "county_name": plan.county_name,
            "period_start_year": plan.period_start_year,
            "period_end_year": plan.period_end_year,
            "batches": [{"batch": b, "deadline": d} for b, d in sorted(plan.batches.items())],
            "townships": townships,
            "total_population": sum(t["population"] for t in plan.townships.values()),
        }
    )

def station_view(station: Station) -> dict[str, Any]:
    """The answer showing a station."""
    return plain(
        {
            "id": station.id,
            "version": station.version,
            "county_code": station.county_code,
            "township_code": station.township_code,
            "township_name": station.township_name,
            "batch": station.batch,
            "deadline": station.deadline,
            "status": station.status,
            "site": station.site,
            "contract_id": station.contract_id,
            "organisation_id": station.organisation_id,
            "organisation_name": station.organisation_name,
            "contractor_assigned_on": station.contractor_assigned_on,
            "headcount": station.headcount,
            "minimum_staffing": station.minimum_staffing,
            "staffing_as_of": station.staffing_as_of,
            "last_source_seq": station.last_source_seq,
            "understaffed": station.status == "opened" and not station.is_staffed,
            "opened_on": station.opened_on,
            "suspended_on": station.suspended_on,
            "suspension_reason": station.suspension_reason,
            "closed_on": station.closed_on,
            "closure_reason": station.closure_reason,
            "coverage": station.coverage,
            "villages_covered": sorted(c["village_code"] for c in station.coverage if c["end"] is None),
            "transitions": station.transitions,
        }
    )

def contract_view(contract: ServiceContract) -> dict[str, Any]:
    """The answer showing a contract."""
    return plain(
        {
            "id": contract.id,
            "version": contract.version,
            "contract_number": contract.contract_number,
            "organisation_id": contract.organisation_id,
            "organisation_name": contract.organisation_name,
            "station_ids": contract.station_ids,
            "period_start": contract.period_start,
            "period_end": contract.period_end,
            "amount_fen": contract.amount_fen,
            "supervision_fen": contract.supervision_fen,
            "budget_year": contract.budget_year,
            "budget_line": contract.budget_line,
            "payment_schedule": contract.payment_schedule,
            "signed_on": contract.signed_on,
            "status": contract.status,
            "disbursements": contract.disbursements,
            "disbursed_fen": contract.disbursed_fen,
            "remaining_fen": contract.amount_fen - contract.disbursed_fen,
            "amendments": contract.amendments,
            "terminated_on": contract.terminated_on,
            "termination_reason": contract.termination_reason,
        }
    )

def ledger_view(ledger: QuarterlyLedger) -> dict[str, Any]:
    """The answer showing a ledger."""
    return plain(
        {
            "id": ledger.id,
            "version": ledger.version,
            "station_id": ledger.station_id,
            "contract_id": ledger.contract_id,
            "organisation_id": ledger.organisation_id,
            "year": ledger.year,
            "quarter": ledger.quarter,
            "due_on": ledger.due_on,
            "submitted_on": ledger.submitted_on,
            "late": ledger.late,
            "status": ledger.status,
            "figures": ledger.figures,
            "reviews": ledger.reviews,
            "accepted_on": ledger.accepted_on,
        }
    )

def disclosure_view(disclosure: PublicDisclosure) -> dict[str, Any]:
    """The answer showing a disclosure."""
    return plain(
        {
            "id": disclosure.id,
            "version": disclosure.version,
            "organisation_id": disclosure.organisation_id,
            "contract_id": disclosure.contract_id,
            "station_id": disclosure.station_id,
            "kind": disclosure.kind,
            "title": disclosure.title,
            "content": disclosure.content,
            "disclosed_on": disclosure.disclosed_on,
        }
    )

def evaluation_view(evaluation: ExternalEvaluation) -> dict[str, Any]:
    """The answer showing a evaluation."""
    return plain(
        {
            "id": evaluation.id,
            "version": evaluation.version,
            "station_id": evaluation.station_id,
            "evaluator_organisation": evaluation.evaluator_organisation,
            "evaluated_on": evaluation.evaluated_on,
            "score": evaluation.score,
            "findings": evaluation.findings,
            "rectification_items": list(evaluation.items.values()),
            "open_items": evaluation.open_items,
        }
    )

def misuse_view(report: MisuseReport) -> dict[str, Any]:
    """The answer showing a misuse."""
    return plain(
        {
            "id": report.id,
            "version": report.version,
            "station_id": report.station_id,
            "township_code": report.township_code,
            "worker_id": report.worker_id,
            "description": report.description,
            "observed_on": report.observed_on,
            "reported_by": report.reported_by,
            "status": report.status,
            "resolution": report.resolution,
            "resolved_on": report.resolved_on,
        }
    )
