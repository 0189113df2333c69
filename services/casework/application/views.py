"""What the casework application answers about beneficiaries: the facts (no personal data), the personal data
(only to readers allowed it, logged), and the access log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from services.casework.domain import Beneficiary


class DuplicateFlag(BaseModel):
    """Another beneficiary this one may be (flagged on registration, not refused)."""

    beneficiary_id: UUID
    reason: str = Field(description="same_id_number or similar_name_birth_village")


class BeneficiaryPublic(BaseModel):
    """服务对象: the facts of service, which every casework reader sees; never personal data."""

    id: UUID
    version: int
    beneficiary_id: UUID
    station_id: UUID
    township_code: str
    village_code: str
    household_ref: str | None
    household_size: int | None
    target_groups: list[str]
    registered_on: date
    child: bool = Field(description="under the guardian-consent age when registered")
    guardian_relation: str | None
    guardian_consented_on: date | None
    possible_duplicates: list[DuplicateFlag]
    erased_on: date | None
    merged_into: UUID | None = Field(description="the record this duplicate was merged into")
    merged_from: list[UUID] = Field(description="duplicate records merged into this one")


class GuardianData(BaseModel):
    """The guardian who consented."""

    name: str
    relation: str
    phone: str | None = None
    consented_on: date


class PersonalDataView(BaseModel):
    """A beneficiary's personal data, as read (the read is in the access log)."""

    beneficiary_id: UUID
    name: str
    national_id_number: str | None = None
    phone: str | None = None
    address: str = ""
    birth_date: date
    health_notes: str = ""
    guardian: GuardianData | None = None


class AccessLogEntry(BaseModel):
    """One read of personal data: who, when, which record, why."""

    beneficiary_id: UUID
    record: str = Field(description="what was read: personal_data, or case:<case id> for a case's notes")
    actor: str
    role: str
    organisation: str
    purpose: str
    correlation_id: str
    read_at: datetime


def beneficiary_view(beneficiary: Beneficiary) -> dict[str, Any]:
    """The facts of a beneficiary (what events publish, plus the version)."""
    return {
        "id": beneficiary.id, "version": beneficiary.version, "beneficiary_id": beneficiary.id,
        "station_id": beneficiary.station_id, "township_code": beneficiary.township_code,
        "village_code": beneficiary.village_code, "household_ref": beneficiary.household_ref,
        "household_size": beneficiary.household_size, "target_groups": list(beneficiary.target_groups),
        "registered_on": beneficiary.registered_on, "child": beneficiary.child,
        "guardian_relation": beneficiary.guardian_relation,
        "guardian_consented_on": beneficiary.guardian_consented_on,
        "possible_duplicates": beneficiary.possible_duplicates, "erased_on": beneficiary.erased_on,
        "merged_into": beneficiary.merged_into, "merged_from": list(beneficiary.merged_from),
    }


class AssessmentRecord(BaseModel):
    """评估: needs by domain, household economics, guardianship (notes sealed)."""

    on: date
    needs: list[str]
    household_income_fen: int | None
    household_size: int | None
    guardianship: str | None


class PlanRecord(BaseModel):
    """服务计划: how many goals (their text sealed) and when to review."""

    on: date
    goal_count: int
    review_by: date | None


class ServiceRecord(BaseModel):
    """A service given."""

    on: date
    domain: str
    service_type: str
    worker_id: str
    minutes: int


class ReviewRecord(BaseModel):
    """回顾."""

    on: date
    goals_met: int


class ClosureRecord(BaseModel):
    """结案."""

    on: date
    outcome: str


class ReopeningRecord(BaseModel):
    """重新开案."""

    on: date
    reassess: bool


class TransferRecord(BaseModel):
    """转介."""

    on: date
    from_worker_id: str
    from_station_id: str
    worker_id: str
    station_id: str


class CasePublic(BaseModel):
    """个案: the facts of a case — stage, steps, services — never its sealed notes or goals."""

    id: UUID
    version: int
    case_id: UUID
    beneficiary_id: UUID
    station_id: UUID
    worker_id: str
    stage: str = Field(description="intake, assessed, planned, in_service, reviewed or closed")
    opened_on: date
    guardianship_required: bool
    assessments: list[AssessmentRecord]
    plan: PlanRecord | None
    services: list[ServiceRecord]
    reviews: list[ReviewRecord]
    closures: list[ClosureRecord]
    reopenings: list[ReopeningRecord]
    transfers: list[TransferRecord]


class CaseNote(BaseModel):
    """A sealed note, goal list or finding of one step of a case, as read."""

    step: str
    on: date
    notes: str | None = None
    goals: list[str] | None = None


class CaseNotes(BaseModel):
    """A case's notes, as read (the read is in the access log)."""

    case_id: UUID
    beneficiary_id: UUID
    notes: list[CaseNote]
