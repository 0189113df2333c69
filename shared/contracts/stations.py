"""Event contracts of the stations service (社工站): county plan, stations, contracts, ledgers, oversight.

Field names equal the domain events' attribute names; the aggregate's id travels in the envelope's
``subject``. Misuse reports publish no free-text description (it may name people), only ids and dates.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import Contract, contract

SERVICE = "stations"


class _Part(BaseModel):
    """Base of nested payload parts."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class BatchDeadline(_Part):
    """A construction batch and the date its stations must be built by."""

    batch: int
    deadline: date


class VillageEntry(_Part):
    """A village (村) or community (社区) of a township."""

    code: str
    name: str
    kind: str


class TownshipEntry(_Part):
    """A township (乡/镇) of the county plan."""

    code: str
    name: str
    kind: str
    population: int
    population_as_of: date
    batch: int
    villages: list[VillageEntry]


class Instalment(_Part):
    """One payment of a contract's payment schedule."""

    due_on: date
    amount_fen: int


class RectificationItem(_Part):
    """An item an evaluation requires to be rectified (整改), by a date."""

    item_id: str
    description: str
    due_on: date


# --- county plan ---------------------------------------------------------------------------------


@contract(SERVICE, "county_plan", "established")
class CountyPlanEstablished(Contract):
    """A county's action plan (行动方案) was established."""

    county_code: str
    county_name: str
    period_start_year: int
    period_end_year: int
    batches: list[BatchDeadline]
    townships: list[TownshipEntry]


@contract(SERVICE, "county_plan", "township_added")
class TownshipAdded(Contract):
    """A township was added to the county plan (e.g. after an administrative re-division)."""

    county_code: str
    township: TownshipEntry


@contract(SERVICE, "county_plan", "township_population_amended")
class TownshipPopulationAmended(Contract):
    """A township's household-registered population (户籍人口) changed from a date."""

    township_code: str
    population: int
    previous_population: int
    effective_on: date


@contract(SERVICE, "county_plan", "village_added")
class VillageAdded(Contract):
    """A village or community was added to a township."""

    township_code: str
    village_code: str
    village_name: str
    village_kind: str


# --- station -------------------------------------------------------------------------------------


@contract(SERVICE, "station", "planned")
class StationPlanned(Contract):
    """A township's station was planned in a batch with a deadline."""

    county_code: str
    township_code: str
    township_name: str
    batch: int
    deadline: date
    minimum_staffing: int


@contract(SERVICE, "station", "site_provided")
class StationSiteProvided(Contract):
    """The township provided office space and facilities."""

    office_area_m2: float
    facilities: list[str]
    provided_on: date


@contract(SERVICE, "station", "contractor_assigned")
class StationContractorAssigned(Contract):
    """A signed service contract made an organisation the station's contractor."""

    contract_id: UUID
    organisation_id: str
    organisation_name: str
    assigned_on: date


@contract(SERVICE, "station", "contractor_released")
class StationContractorReleased(Contract):
    """The station's contract stopped covering it (amended or terminated)."""

    contract_id: UUID
    reason: str
    released_on: date


@contract(SERVICE, "station", "staffing_recorded")
class StationStaffingRecorded(Contract):
    """The workforce service's headcount for the station was applied."""

    headcount: int
    as_of: date
    source_seq: int
    minimum_staffing: int
    below_minimum: bool


@contract(SERVICE, "station", "opened")
class StationOpened(Contract):
    """The station started operating."""

    opened_on: date


@contract(SERVICE, "station", "suspended")
class StationSuspended(Contract):
    """The station stopped operating for a while."""

    reason: str
    suspended_on: date


@contract(SERVICE, "station", "reopened")
class StationReopened(Contract):
    """A suspended station operates again."""

    reopened_on: date


@contract(SERVICE, "station", "closed")
class StationClosed(Contract):
    """The station closed for good."""

    reason: str
    closed_on: date


@contract(SERVICE, "station", "village_coverage_started")
class StationVillageCoverageStarted(Contract):
    """The station started serving a village or community."""

    village_code: str
    village_name: str
    start: date


@contract(SERVICE, "station", "village_coverage_ended")
class StationVillageCoverageEnded(Contract):
    """The station stopped serving a village or community."""

    village_code: str
    end: date


# --- service contract ----------------------------------------------------------------------------


@contract(SERVICE, "service_contract", "signed")
class ServiceContractSigned(Contract):
    """The bureau and a contractor signed a purchase-of-service agreement (政府购买服务协议)."""

    contract_number: str
    organisation_id: str
    organisation_name: str
    station_ids: list[UUID]
    period_start: date
    period_end: date
    amount_fen: int
    supervision_fen: int
    budget_year: int
    budget_line: str
    payment_schedule: list[Instalment]
    signed_on: date


@contract(SERVICE, "service_contract", "disbursed")
class ServiceContractDisbursed(Contract):
    """A payment was made under the contract."""

    amount_fen: int
    paid_on: date
    reference: str
    disbursed_total_fen: int


@contract(SERVICE, "service_contract", "amended")
class ServiceContractAmended(Contract):
    """The contract's terms changed; the fields carry the terms after the amendment."""

    amount_fen: int
    supervision_fen: int
    period_end: date
    station_ids: list[UUID]
    payment_schedule: list[Instalment]
    stations_added: list[UUID]
    stations_removed: list[UUID]
    reason: str
    amended_on: date


@contract(SERVICE, "service_contract", "terminated")
class ServiceContractTerminated(Contract):
    """The contract was ended early."""

    reason: str
    terminated_on: date


# --- quarterly ledger ----------------------------------------------------------------------------


@contract(SERVICE, "quarterly_ledger", "submitted")
class QuarterlyLedgerSubmitted(Contract):
    """A contractor submitted a station's quarterly ledger (台账)."""

    station_id: UUID
    contract_id: UUID
    organisation_id: str
    year: int
    quarter: int
    due_on: date
    services_delivered: int
    people_served: int
    activities: int
    staffing: int
    spending_fen: int
    submitted_on: date
    late: bool


@contract(SERVICE, "quarterly_ledger", "accepted")
class QuarterlyLedgerAccepted(Contract):
    """The bureau accepted the ledger."""

    accepted_on: date


@contract(SERVICE, "quarterly_ledger", "returned_for_rectification")
class QuarterlyLedgerReturnedForRectification(Contract):
    """The bureau returned the ledger for rectification (整改)."""

    reasons: list[str]
    returned_on: date


@contract(SERVICE, "quarterly_ledger", "resubmitted")
class QuarterlyLedgerResubmitted(Contract):
    """The contractor resubmitted a returned ledger."""

    services_delivered: int
    people_served: int
    activities: int
    staffing: int
    spending_fen: int
    submitted_on: date
    late: bool


# --- disclosure, evaluation, misuse --------------------------------------------------------------


@contract(SERVICE, "public_disclosure", "published")
class PublicDisclosurePublished(Contract):
    """A contractor published information (信息公开)."""

    organisation_id: str
    contract_id: UUID
    station_id: UUID | None = None
    kind: str
    title: str
    content: str
    disclosed_on: date


@contract(SERVICE, "external_evaluation", "recorded")
class ExternalEvaluationRecorded(Contract):
    """An evaluator recorded a station's third-party evaluation (第三方评估)."""

    station_id: UUID
    evaluator_organisation: str
    evaluated_on: date
    score: int
    findings: list[str]
    rectification_items: list[RectificationItem]


@contract(SERVICE, "external_evaluation", "rectification_item_closed")
class ExternalEvaluationRectificationItemClosed(Contract):
    """A rectification item was closed with evidence."""

    item_id: str
    evidence: str
    closed_on: date


@contract(SERVICE, "misuse_report", "opened")
class MisuseReportOpened(Contract):
    """A station social worker was reported as used for township staff work."""

    station_id: UUID
    township_code: str
    worker_id: str
    observed_on: date


@contract(SERVICE, "misuse_report", "resolved")
class MisuseReportResolved(Contract):
    """A misuse report was resolved."""

    resolution: str
    resolved_on: date
