"""What the stations API answers: one model per representation, so clients know every field they get.

``<Thing>Public`` is an aggregate as the application answers it (with ``id`` and ``version``, the ETag); the read
models' answers are in ``rows``. Unknown fields are refused, so an answer can never carry a field its schema does not
declare.
"""

from __future__ import annotations

from datetime import date

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
