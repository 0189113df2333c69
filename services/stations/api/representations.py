"""What the stations API answers: one model per representation, so clients know every field they get.

``<Thing>Public`` is an aggregate as the application answers it (with ``id`` and ``version``, the ETag);
``<Thing>Row`` is one item of a read model's list. Unknown fields are refused, so an answer can never carry a field
its schema does not declare.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Representation(BaseModel):
    """Base of every answer: exactly the declared fields."""

    model_config = ConfigDict(extra="forbid")


# --- county plan ----------------------------------------------------------------------------------------------


class BatchDeadlinePublic(Representation):
    batch: int
    deadline: date


class PopulationFigure(Representation):
    population: int
    effective_on: date


class VillagePublic(Representation):
    code: str
    name: str
    kind: str


class TownshipPublic(Representation):
    code: str
    name: str
    kind: str
    batch: int
    population: int
    population_history: list[PopulationFigure]
    villages: list[VillagePublic]


class CountyPlanPublic(Representation):
    """The county's plan (行动方案)."""

    id: str
    version: int
    county_code: str
    county_name: str
    period_start_year: int
    period_end_year: int
    batches: list[BatchDeadlinePublic]
    townships: list[TownshipPublic]
    total_population: int


class BatchProgress(Representation):
    batch: int
    deadline: date
    target: int
    planned: int
    opened: int
    operating: int
    by_status: dict[str, int]
    opened_townships: list[str]
    deadline_passed: bool
    behind_schedule: bool


class CountyStatusPublic(Representation):
    """Per batch on a date: target, deadline, stations opened by then, behind schedule or not."""

    county_code: str
    as_of: date
    batches: list[BatchProgress]
    target: int
    opened: int


# --- stations -------------------------------------------------------------------------------------------------


class SitePublic(Representation):
    office_area_m2: float
    facilities: list[str]
    provided_on: date


class CoveragePeriod(Representation):
    village_code: str
    village_name: str
    start: date
    end: date | None


class Transition(Representation):
    event: str
    on: date
    status: str
    actor: str


class StationPublic(Representation):
    """A station (社工站) as its events left it."""

    id: str
    version: int
    county_code: str
    township_code: str
    township_name: str
    batch: int
    deadline: date
    status: str
    site: SitePublic | None
    contract_id: str | None
    organisation_id: str | None
    organisation_name: str | None
    contractor_assigned_on: date | None
    headcount: int
    minimum_staffing: int
    staffing_as_of: date | None
    last_source_seq: int | None
    understaffed: bool
    opened_on: date | None
    suspended_on: date | None
    suspension_reason: str | None
    closed_on: date | None
    closure_reason: str | None
    coverage: list[CoveragePeriod]
    villages_covered: list[str]
    transitions: list[Transition]


class StaffingRecorded(StationPublic):
    """The station after a headcount was recorded; ``applied`` is false for a source sequence already applied."""

    applied: bool


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


# --- service contracts ----------------------------------------------------------------------------------------


class InstalmentPublic(Representation):
    due_on: date
    amount_fen: int


class DisbursementPublic(Representation):
    amount_fen: int
    paid_on: date
    reference: str


class AmendmentPublic(Representation):
    amended_on: date
    reason: str
    previous_amount_fen: int
    amount_fen: int
    previous_period_end: date
    period_end: date
    stations_added: list[str]
    stations_removed: list[str]


class ContractPublic(Representation):
    """A purchase-of-service contract with its payments and amendments."""

    id: str
    version: int
    contract_number: str
    organisation_id: str
    organisation_name: str
    station_ids: list[str]
    period_start: date
    period_end: date
    amount_fen: int
    supervision_fen: int
    budget_year: int
    budget_line: str
    payment_schedule: list[InstalmentPublic]
    signed_on: date
    status: str
    disbursements: list[DisbursementPublic]
    disbursed_fen: int
    remaining_fen: int
    amendments: list[AmendmentPublic]
    terminated_on: date | None
    termination_reason: str | None


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


# --- quarterly ledgers ----------------------------------------------------------------------------------------


class LedgerFiguresPublic(Representation):
    services_delivered: int
    people_served: int
    activities: int
    staffing: int
    spending_fen: int


class ReviewPublic(Representation):
    outcome: str
    on: date
    reasons: list[str]


class LedgerPublic(Representation):
    """A quarterly ledger (台账) with its review history."""

    id: str
    version: int
    station_id: str
    contract_id: str
    organisation_id: str
    year: int
    quarter: int
    due_on: date
    submitted_on: date
    late: bool
    status: str
    figures: LedgerFiguresPublic
    reviews: list[ReviewPublic]
    accepted_on: date | None


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


# --- disclosures, evaluations, misuse reports -----------------------------------------------------------------


class DisclosurePublic(Representation):
    """A public disclosure (信息公开) with its content."""

    id: str
    version: int
    organisation_id: str
    contract_id: str
    station_id: str | None
    kind: str
    title: str
    content: str
    disclosed_on: date


class DisclosureRow(Representation):
    """One disclosure in the register (without its content)."""

    disclosure_id: str
    organisation_id: str
    contract_id: str
    station_id: str | None
    kind: str
    title: str
    disclosed_on: date


class RectificationItemPublic(Representation):
    item_id: str
    description: str
    due_on: date
    closed_on: date | None
    evidence: str | None


class EvaluationPublic(Representation):
    """An external evaluation (第三方评估) with its rectification items."""

    id: str
    version: int
    station_id: str
    evaluator_organisation: str
    evaluated_on: date
    score: int
    findings: list[str]
    rectification_items: list[RectificationItemPublic]
    open_items: int


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


class Reporter(Representation):
    actor: str
    role: str
    organisation: str


class MisuseReportPublic(Representation):
    """A misuse report with its description and resolution."""

    id: str
    version: int
    station_id: str
    township_code: str
    worker_id: str
    description: str
    observed_on: date
    reported_by: Reporter
    status: str
    resolution: str | None
    resolved_on: date | None


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
