"""What the workforce application answers: each resource's representation, as a typed model and its builder.

Every representation carries ``id`` and ``version`` (the ETag); ``worker_id`` / ``organisation_id`` /
``supervisor_id`` / ``baseline_id`` repeat the id under the name lists and events use. The national id number and
phone are masked unless revealed to a role that needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from services.workforce.domain import (
    Policy,
    ServiceOrganisation,
    SocialWorker,
    WorkforceBaseline,
    mask_national_id,
    mask_phone,
)


class EducationRecord(BaseModel):
    """学历."""

    level: str
    major: str
    school: str


class CertificateRecord(BaseModel):
    """社会工作者职业水平证书."""

    level: str
    obtained_on: date
    number: str


class TitleRecord(BaseModel):
    """职称."""

    title: str
    awarded_on: date


class LabourContractRecord(BaseModel):
    """劳动合同: ``ends_on`` null is open-ended; ``ended_on`` is set once it ended."""

    starts_on: date
    ends_on: date | None
    renewals: int
    ended_on: date | None = None
    end_reason: str | None = None


class AssignmentRecord(BaseModel):
    """A period at one station (``until`` null: still there)."""

    station_id: str
    from_: date = Field(alias="from", serialization_alias="from")
    until: date | None


class PayLine(BaseModel):
    """One month's gross pay, flagged when below the minimum wage."""

    period: str
    gross_fen: int
    paid_on: date
    below_minimum_wage: bool


class PersonnelFileRecord(BaseModel):
    """人事档案: where the file is kept."""

    held_at: str
    lodged_on: date


class TrainingRecord(BaseModel):
    """培训: a completed course."""

    course: str
    hours: int
    completed_on: date


class PartyStatusRecord(BaseModel):
    """政治面貌 as far as the plan cares."""

    status: str
    effective_on: date


class DisputeRecord(BaseModel):
    """劳动争议: open until ``resolved_on`` is set."""

    dispute_id: str
    summary: str
    opened_on: date
    outcome: str | None = None
    resolved_on: date | None = None


class LeftRecord(BaseModel):
    """离职."""

    left_on: date
    reason: str


class SupervisionRecord(BaseModel):
    """督导: since when, and the stations supervised now."""

    since: date
    stations: list[str]


class WorkerPublic(BaseModel):
    """A social worker's record (社工), personal data masked unless ``personal_data_revealed``."""

    id: str
    version: int
    worker_id: str
    name: str
    national_id_number: str
    phone: str
    personal_data_revealed: bool
    employer_id: str
    hired_on: date
    education: list[EducationRecord]
    certificates: list[CertificateRecord]
    titles: list[TitleRecord]
    labour_contract: LabourContractRecord | None
    labour_contracts: list[LabourContractRecord]
    station_id: str | None
    assignments: list[AssignmentRecord]
    pay: list[PayLine]
    insurance: dict[str, date] = Field(description="insurance item → enrolled on")
    personnel_file: PersonnelFileRecord | None
    training: list[TrainingRecord] | None = Field(
        default=None, description="the courses, on GET /v1/workers/{id}; command answers carry `training_hours` and "
                                  "`training_count` only (null)")
    training_hours: int = Field(description="the hours of every course completed")
    training_count: int = Field(description="the courses completed")
    party_status: PartyStatusRecord | None
    disputes: list[DisputeRecord]
    left: LeftRecord | None
    supervisor: SupervisionRecord | None


class OrganisationPublic(BaseModel):
    """A social work service organisation (社工服务机构), the contracts and stations it holds (no personal data)."""

    id: str
    version: int
    organisation_id: str
    name: str
    unified_social_credit_code: str
    registered_in_county: bool
    registration_place: str
    registered_on: date
    party_organisation: dict[str, date] | None = Field(description="``set_up_on``, once set up")
    contracts: dict[str, list[str]] = Field(description="contract id → station ids")
    stations: list[str]


class PlanWarning(BaseModel):
    """Something the plan expects that is not met (the change was still accepted)."""

    code: str
    message: str
    data: dict[str, int]


class SupervisorPublic(BaseModel):
    """A supervisor's stations now, against the plan's range."""

    id: str
    version: int
    supervisor_id: str
    name: str
    supervisor_since: date
    stations: list[str]
    count: int
    minimum: int
    maximum: int
    status: str = Field(description="below_minimum or within_range")
    warnings: list[PlanWarning]


class YearlyFigures(BaseModel):
    """A later year's official counts."""

    year: int
    certified_social_workers: int
    professionals: int


class BaselinePublic(BaseModel):
    """The county's workforce baseline (基数) and the yearly figures recorded since."""

    id: str
    version: int
    baseline_id: str
    county_code: str
    year: int
    certified_social_workers: int
    professionals: int
    yearly: list[YearlyFigures]


class WorkerFound(BaseModel):
    """The worker a national id number belongs to."""

    id: str
    version: int
    worker_id: str


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dated(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _iso(v) if isinstance(v, date) else v for k, v in item.items()} for item in items]


def worker_view(worker: SocialWorker, reveal: bool,
                courses: Iterable[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON-friendly record of a worker; personal data masked unless ``reveal``; ``training`` lists ``courses``
    when given (read from the worker's events for ``GET``), else is None (command answers: the totals only)."""
    contract = worker.labour_contract
    return {
        "id": str(worker.id),
        "version": worker.version,
        "worker_id": str(worker.id),
        "name": worker.name,
        "national_id_number": worker.national_id_number if reveal else mask_national_id(worker.national_id_number),
        "phone": worker.phone if reveal else mask_phone(worker.phone),
        "personal_data_revealed": reveal,
        "employer_id": str(worker.employer_id),
        "hired_on": worker.hired_on.isoformat(),
        "education": list(worker.education),
        "certificates": _dated(worker.certificates.values()),
        "titles": _dated(worker.titles),
        "labour_contract": _dated([contract])[0] if contract else None,
        "labour_contracts": _dated(worker.labour_contracts),
        "station_id": worker.station_id,
        "assignments": _dated(worker.assignments),
        "pay": _dated(worker.pay[p] for p in sorted(worker.pay)),
        "insurance": {item: on.isoformat() for item, on in worker.insurance.items()},
        "personnel_file": _dated([worker.personnel_file])[0] if worker.personnel_file else None,
        "training": _dated(courses) if courses is not None else None,
        "training_hours": worker.training_hours,
        "training_count": worker.training_count,
        "party_status": _dated([worker.party_status])[0] if worker.party_status else None,
        "disputes": _dated(worker.disputes.values()),
        "left": {"left_on": worker.left_on.isoformat(), "reason": worker.left_reason} if worker.left_on else None,
        "supervisor": (
            {"since": worker.supervisor_since.isoformat(), "stations": list(worker.supervised_stations)}
            if worker.supervisor_since else None
        ),
    }


def masked_worker(worker: SocialWorker) -> dict[str, Any]:
    """The record of a worker with personal data masked and no list of courses (what every command answers)."""
    return worker_view(worker, False)


def organisation_view(organisation: ServiceOrganisation) -> dict[str, Any]:
    """An organisation's record, with the contracts and stations it holds."""
    party = organisation.party_organisation_set_up_on
    return {
        "id": str(organisation.id),
        "version": organisation.version,
        "organisation_id": str(organisation.id),
        "name": organisation.name,
        "unified_social_credit_code": organisation.unified_social_credit_code,
        "registered_in_county": organisation.registered_in_county,
        "registration_place": organisation.registration_place,
        "registered_on": organisation.registered_on.isoformat(),
        "party_organisation": {"set_up_on": party.isoformat()} if party else None,
        "contracts": {cid: list(ids) for cid, ids in organisation.contracts.items()},
        "stations": sorted({s for ids in organisation.contracts.values() for s in ids}),
    }


def supervisor_view(worker: SocialWorker, policy: Policy) -> dict[str, Any]:
    """A supervisor's stations against the policy's 5–8, with a warning below the minimum."""
    assert worker.supervisor_since is not None
    count = len(worker.supervised_stations)
    low, high = policy.supervisor_min_stations, policy.supervisor_max_stations
    warnings = [{
        "code": "workforce.supervisor.below_minimum",
        "message": f"{worker.name} supervises {count} stations: the plan expects at least {low}",
        "data": {"count": count, "minimum": low},
    }] if count < low else []
    return {
        "id": str(worker.id),
        "version": worker.version,
        "supervisor_id": str(worker.id),
        "name": worker.name,
        "supervisor_since": worker.supervisor_since.isoformat(),
        "stations": list(worker.supervised_stations),
        "count": count,
        "minimum": low,
        "maximum": high,
        "status": "below_minimum" if count < low else "within_range",
        "warnings": warnings,
    }


def baseline_view(baseline: WorkforceBaseline) -> dict[str, Any]:
    """The county's baseline and yearly figures (the shape ``assess_targets`` takes)."""
    return {
        "id": str(baseline.id),
        "version": baseline.version,
        "baseline_id": str(baseline.id),
        "county_code": baseline.county_code,
        "year": baseline.year,
        "certified_social_workers": baseline.certified_social_workers,
        "professionals": baseline.professionals,
        "yearly": [{"year": int(y), **figures} for y, figures in sorted(baseline.yearly.items())],
    }
