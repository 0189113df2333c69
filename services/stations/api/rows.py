"""What the stations read models answer: ``<Thing>Row`` is one item of a list, plus the county's status on a date."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from .representations import LedgerFiguresPublic, Representation


class BatchProgress(Representation):
    batch: int
    deadline: date
    target: int
    planned: int
    opened: int
    operating: int = Field(description="open on the date with at least the minimum staff")
    below_minimum_townships: list[str] = Field(description="open on the date with fewer than the minimum staff")
    by_status: dict[str, int]
    opened_townships: list[str]
    late_townships: list[str] = Field(description="deadline passed on the date and not opened by then")
    deadline_passed: bool
    behind_schedule: bool


class CountyStatusPublic(Representation):
    """Per batch on a date: target, deadline, stations opened by then, behind schedule or not."""

    county_code: str
    as_of: date
    batches: list[BatchProgress]
    target: int
    opened: int
    operating: int
    below_minimum: int
    late_townships: list[str]


class WorkerAtStation(Representation):
    worker_id: str
    name: str
    since: date


class SupervisorAtStation(Representation):
    supervisor_id: str
    name: str
    since: date


class LatestLedger(Representation):
    ledger_id: str
    year: int
    quarter: int
    status: str
    late: bool
    submitted_on: date
    reviewed_on: date | None


class SupervisionSessionAtStation(Representation):
    supervisor_id: str
    name: str
    held_on: date
    hours: float
    below_minimum_hours: bool


class StationSupervision(Representation):
    """A station's supervision (督导) in a month, from the casework service's sessions."""

    month: str = Field(description="YYYY-MM")
    sessions: int
    hours: float = Field(description="hours of supervision held at the station that month")
    short_sessions: int = Field(description="sessions shorter than minimum_hours")
    minimum_hours: float = Field(description="each session's minimum length (SW_SUPERVISION_MIN_HOURS)")
    supervised: bool = Field(description="at least one session that month (the plan: every station monthly)")
    meets_minimum_hours: bool = Field(description="supervised that month, and no session below minimum_hours")
    last_session: SupervisionSessionAtStation | None = Field(description="the latest session ever held there")


class StationStatusRow(Representation):
    """One station in the station-status view."""

    station_id: str
    county_code: str
    township_code: str
    township_name: str
    batch: int
    deadline: date
    status: str
    minimum_staffing: int
    headcount: int
    staffing_as_of: date | None
    site_provided_on: date | None
    contract_id: str | None
    organisation_id: str | None
    organisation_name: str | None
    contractor_assigned_on: date | None
    opened_on: date | None
    suspended_on: date | None
    closed_on: date | None
    version: int
    updated_at: datetime
    workers: list[WorkerAtStation]
    workers_assigned: int
    supervisors: list[SupervisorAtStation]
    supervisor: SupervisorAtStation | None
    open_rectification_items: int
    latest_ledger: LatestLedger | None
    villages_covered: list[str]
    understaffed: bool
    late: bool = Field(description="its batch's deadline has passed and it has not opened")
    supervision: StationSupervision


class RectificationItemRow(Representation):
    evaluation_id: str
    item_id: str
    description: str
    due_on: date
    closed_on: date | None


class CoverageRow(Representation):
    village_code: str
    village_name: str
    start_on: date
    end_on: date | None


class StatusSince(Representation):
    since: date | None
    status: str


class StationStatusDetail(StationStatusRow):
    """One station in the view, with its rectification items, village coverage and dated status history."""

    rectification_items: list[RectificationItemRow]
    coverage: list[CoverageRow]
    history: list[StatusSince]


class ContractRow(Representation):
    """One contract in the register."""

    contract_id: str
    contract_number: str
    organisation_id: str
    organisation_name: str
    station_ids: list[str]
    period_start: date
    period_end: date
    amount_fen: int
    supervision_fen: int
    budget_year: int
    signed_on: date
    status: str
    disbursed_fen: int
    disbursements: int
    amendments: int
    terminated_on: date | None
    version: int


class LedgerRow(Representation):
    """One ledger in the list."""

    ledger_id: str
    station_id: str
    township_code: str
    contract_id: str
    organisation_id: str
    year: int
    quarter: int
    due_on: date
    submitted_on: date
    late: bool
    status: str
    figures: LedgerFiguresPublic
    reasons: list[str]
    reviewed_on: date | None
    version: int


class DisclosureRow(Representation):
    """One disclosure in the register (without its content)."""

    disclosure_id: str
    organisation_id: str
    contract_id: str
    station_id: str | None
    kind: str
    title: str
    disclosed_on: date


class EvaluationRow(Representation):
    """One evaluation in the list."""

    evaluation_id: str
    station_id: str
    township_code: str
    evaluator_organisation: str
    evaluated_on: date
    score: int
    items: int
    open_items: int
    version: int


class MisuseReportRow(Representation):
    """One misuse report in the list (without its description)."""

    report_id: str
    station_id: str
    township_code: str
    worker_id: str
    observed_on: date
    status: str
    resolved_on: date | None
    version: int
