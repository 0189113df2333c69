"""The stations service's commands, each written once: the request body, checked at the input boundary.

Every field uses a type of ``shared.fields`` (or one of the few stations-specific types below), so whatever a
command carries can be stored, published and canonicalised by the audit ledger: I-JSON numbers, strict types,
bounded strings and lists, dates within the programme's window. No framework is imported here.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BeforeValidator, Field, StrictInt, StringConstraints

from shared.application import Command
from shared.fields import (
    Area,
    Code,
    Count,
    Day,
    Fen,
    Name,
    Population,
    PositiveFen,
    RequiredText,
    SequenceNumber,
    ShortText,
    Year,
    items,
)

# --- stations-specific field types ----------------------------------------------------------------------------

TownshipCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_]{0,31}$"),
                         Field(description="a township's code in the county plan, e.g. T01")]
VillageCode = Annotated[Code, Field(description="a village's or community's code, e.g. T01-03")]
BatchNumber = Annotated[StrictInt, Field(ge=1, le=9, description="the plan's batch (批次) a township is built in")]
Quarter = Annotated[StrictInt, Field(ge=1, le=4, description="a calendar quarter")]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
"""A number or reference given by people: a contract number, a payment reference, an organisation id."""
AggregateId = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, UUID) else v),
                        StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
                        Field(description="the id of a station, contract or worker")]
WholeScore = Annotated[StrictInt, Field(ge=0, le=100, description="an evaluation score out of 100")]
Document = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
"""A disclosed document's text: a report may run to several pages."""
Facility = Annotated[ShortText, Field(min_length=1)]
SiteArea = Annotated[Area, Field(gt=0, description="office space in square metres")]
TownshipKindName = Literal["town", "township"]
VillageKindName = Literal["village", "community"]
DisclosureKindName = Literal["qualifications", "project_experience", "project_facts", "annual_financial_report",
                             "progress"]

# --- county plan ----------------------------------------------------------------------------------------------


class BatchDeadline(Command):
    """One batch of the plan and the date its stations must be open by."""

    batch: BatchNumber
    deadline: Day


class VillageEntry(Command):
    """A village or community (村/社区) of a township."""

    code: VillageCode
    name: Name
    kind: VillageKindName


class AddTownship(Command):
    """A township of the plan (or added to it), in one of its batches."""

    code: TownshipCode
    name: Name
    kind: TownshipKindName = Field(description="town 镇 or township 乡")
    population: Population = Field(description="household-registered population 户籍人口")
    population_as_of: Day | None = None
    batch: BatchNumber
    villages: Annotated[list[VillageEntry], items()] = Field(default_factory=list)


class EstablishCountyPlan(Command):
    """The county's action plan (行动方案): its period, batches and townships."""

    county_name: Name
    period_start_year: Year
    period_end_year: Year
    batches: Annotated[list[BatchDeadline], items(1, 9)]
    townships: Annotated[list[AddTownship], items(1)]


class AmendTownshipPopulation(Command):
    """A township's new household-registered population (户籍人口) from a date."""

    population: Population = Field(description="household-registered population 户籍人口")
    effective_on: Day


class AddVillage(Command):
    """A village or community added to a township of the plan."""

    village_code: VillageCode
    name: Name
    kind: VillageKindName


# --- stations -------------------------------------------------------------------------------------------------


class PlanStation(Command):
    """The station of a township, planned."""

    township_code: TownshipCode


class ProvideSite(Command):
    """The township's office space and facilities for its station."""

    office_area_m2: SiteArea
    facilities: Annotated[list[Facility], items(1, 50)]
    on: Day


class RecordStaffing(Command):
    """A workforce headcount recorded by hand (idempotent on ``source_seq``)."""

    headcount: Count
    as_of: Day
    source_seq: SequenceNumber = Field(description="sequence of the workforce event this records")


class Dated(Command):
    """A command that only says when."""

    on: Day


class Reasoned(Command):
    """A command that says why and when."""

    reason: RequiredText
    on: Day


class OpenStation(Dated):
    """A sited, contracted and staffed station opens."""


class SuspendStation(Reasoned):
    """An open station is suspended, saying why."""


class ReopenStation(Dated):
    """A suspended station reopens."""


class CloseStation(Reasoned):
    """A station closes for good, saying why."""


class CoverVillage(Command):
    """The station starts serving one of its township's villages."""

    village_code: VillageCode
    start: Day


class EndVillageCoverage(Command):
    """The station stops serving a village."""

    end: Day


# --- service contracts ----------------------------------------------------------------------------------------


class Instalment(Command):
    """One payment of a contract's schedule."""

    due_on: Day
    amount_fen: PositiveFen


class SignContract(Command):
    """A purchase-of-service contract (政府购买服务合同)."""

    contract_number: Reference
    organisation_id: Reference = Field(description="the workforce organisation id or its 统一社会信用代码")
    organisation_name: Name
    station_ids: Annotated[list[AggregateId], items(1)]
    period_start: Day
    period_end: Day
    amount_fen: PositiveFen = Field(description="contract amount in fen")
    supervision_fen: Fen = Field(description="part of the amount for professional supervision (督导)")
    budget_year: Year
    budget_line: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    payment_schedule: Annotated[list[Instalment], items(1, 60)]
    signed_on: Day


class Disburse(Command):
    """A payment (拨付) under a contract."""

    amount_fen: PositiveFen
    paid_on: Day
    reference: Reference = Field(description="the payment's reference (拨付凭证号)")


class TerminateContract(Reasoned):
    """A contract ends early; its stations are released."""


class AmendContract(Command):
    """New terms of a contract; only the terms given change."""

    reason: RequiredText
    amended_on: Day
    amount_fen: PositiveFen | None = None
    supervision_fen: Fen | None = None
    period_end: Day | None = None
    station_ids: Annotated[list[AggregateId], items(1)] | None = None
    payment_schedule: Annotated[list[Instalment], items(1, 60)] | None = None


# --- quarterly ledgers ----------------------------------------------------------------------------------------


class LedgerFigures(Command):
    """A quarter's figures (台账), as submitted or resubmitted."""

    services_delivered: Count
    people_served: Count
    activities: Count
    staffing: Count
    spending_fen: Fen
    submitted_on: Day

    def figures(self) -> dict[str, int]:
        """The quarter's figures alone."""
        return self.model_dump(include=set(FIGURES))


FIGURES = ("services_delivered", "people_served", "activities", "staffing", "spending_fen")


class ResubmitLedger(LedgerFigures):
    """A returned ledger's corrected figures."""


class SubmitLedger(LedgerFigures):
    """A station's quarterly ledger, submitted by its contractor."""

    year: Year
    quarter: Quarter


class AcceptLedger(Dated):
    """The bureau accepts a submitted ledger."""


class ReturnLedger(Command):
    """A ledger returned for rectification (整改), with reasons."""

    reasons: Annotated[list[RequiredText], items(1, 50)]
    on: Day


# --- disclosures, evaluations, misuse reports -----------------------------------------------------------------


class PublishDisclosure(Command):
    """Information a contractor makes public (信息公开)."""

    contract_id: AggregateId
    station_id: AggregateId | None = None
    kind: DisclosureKindName
    title: Annotated[ShortText, Field(min_length=1)]
    content: Document
    disclosed_on: Day


class RectificationItemEntry(Command):
    """An item an evaluation asks the station to rectify (整改事项)."""

    item_id: Code | None = None
    description: RequiredText
    due_on: Day


class RecordEvaluation(Command):
    """A station's external evaluation (第三方评估)."""

    station_id: AggregateId
    evaluated_on: Day
    score: WholeScore
    findings: Annotated[list[RequiredText], items(0, 50)] = Field(default_factory=list)
    rectification_items: Annotated[list[RectificationItemEntry], items(0, 50)] = Field(default_factory=list)


class CloseRectificationItem(Command):
    """A rectification item closed with the evidence that it was rectified."""

    evidence: RequiredText
    closed_on: Day


class ReportMisuse(Command):
    """A station social worker reported as put to work as township staff."""

    station_id: AggregateId
    worker_id: AggregateId
    description: RequiredText
    observed_on: Day


class ResolveMisuseReport(Command):
    """How a misuse report was resolved."""

    resolution: RequiredText
    on: Day
