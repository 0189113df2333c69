"""What the history routes answer: the bounds of a replay, then the thing as the ledger shows it within them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class Bounds(BaseModel):
    """What a history answer covers: ledger entries up to ``at_position`` recorded by ``as_of`` (either may be
    open), folded for facts dated on or before ``as_of_date``; ``through_position`` is the last entry covered."""

    model_config = ConfigDict(extra="forbid")

    at_position: int | None
    as_of: datetime | None
    as_of_date: date | None
    through_position: int


class Answer(BaseModel):
    """Base of the history answers: the bounds, then the thing; ``positions`` are the entries that made it."""

    model_config = ConfigDict(extra="forbid")

    bounds: Bounds
    positions: list[int]


class Site(BaseModel):
    office_area_m2: float
    facilities: list[str]
    provided_on: date


class Coverage(BaseModel):
    village_code: str
    village_name: str
    start: date
    end: date | None


class Transition(BaseModel):
    event: str
    on: date
    status: str


class StationHistory(Answer):
    """A station (社工站) as the ledger shows it at the bounds (the stations service's fields, without actors)."""

    id: str
    county_code: str
    township_code: str
    township_name: str
    batch: int
    deadline: date
    status: str
    site: Site | None
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
    coverage: list[Coverage]
    villages_covered: list[str]
    transitions: list[Transition]


class Instalment(BaseModel):
    due_on: date
    amount_fen: int


class Disbursement(BaseModel):
    amount_fen: int
    paid_on: date
    reference: str


class Amendment(BaseModel):
    amended_on: date
    reason: str
    previous_amount_fen: int
    amount_fen: int
    previous_period_end: date
    period_end: date
    stations_added: list[str]
    stations_removed: list[str]


class ContractHistory(Answer):
    """A purchase-of-service contract at the bounds: terms, payments, amendments, status."""

    id: str
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
    payment_schedule: list[Instalment]
    signed_on: date
    status: str
    disbursements: list[Disbursement]
    disbursed_fen: int
    remaining_fen: int
    amendments: list[Amendment]
    terminated_on: date | None
    termination_reason: str | None


class Certificate(BaseModel):
    level: str
    obtained_on: date


class Title(BaseModel):
    title: str
    awarded_on: date


class LabourContract(BaseModel):
    starts_on: date
    ends_on: date | None
    ended_on: date | None


class WorkerHistory(Answer):
    """A worker's employment record at the bounds; the name masked (张**), no id number or phone."""

    id: str
    name: str
    employer_id: str
    hired_on: date
    status: str
    station_id: str | None
    certificates: list[Certificate]
    titles: list[Title]
    labour_contract: LabourContract | None
    insurance: list[str]
    months_paid: list[str]
    supervisor: bool
    supervised_stations: list[str]
    left_on: date | None


class BatchProgress(BaseModel):
    batch: int
    deadline: date
    target: int
    planned: int
    opened: int
    operating: int
    below_minimum_townships: list[str]
    by_status: dict[str, int]
    opened_townships: list[str]
    late_townships: list[str]
    deadline_passed: bool
    behind_schedule: bool


class BatchStatus(BaseModel):
    batch: int
    status: str = Field(description="met (every township of the batch opened), at_risk (its deadline passed "
                                    "before that) or on_track (its deadline is still ahead)")


class PlanProgressHistory(Answer):
    """The plan's progress on ``as_of`` (business date) as the ledger shows it at the bounds."""

    county_code: str
    as_of: date
    status: str = Field(description="met (every batch met), at_risk (a batch at risk) or on_track")
    batch_status: list[BatchStatus]
    batches: list[BatchProgress]
    target: int
    opened: int
    operating: int
    below_minimum: int
    late_townships: list[str]


class YearFigures(BaseModel):
    year: int
    certified_social_workers: int
    professionals: int


class BaselineFigures(BaseModel):
    year: int
    certified_social_workers: int
    professionals: int


class TargetFigure(BaseModel):
    """One of the plan's workforce targets on the date, as the workforce service's ``GET /v1/targets`` says it."""

    target: str
    value: float | int | None
    threshold: float | int
    status: str = Field(description="met, on_track or at_risk")
    deadline: date


class TargetsHistory(Answer):
    """The workforce figures on ``as_of`` (business date) as recorded at the bounds, and each target's status."""

    county_code: str
    as_of: date
    baseline: BaselineFigures | None
    yearly: list[YearFigures]
    population: int
    townships: int
    registered_organisations: int
    certified_on_roster: int
    targets: list[TargetFigure]
