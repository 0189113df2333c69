"""What the casework application answers about activities, organisations, supervision, verifications, surveys."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel


class ActivityPublic(BaseModel):
    """A group or community activity."""

    id: UUID
    version: int
    activity_id: UUID
    kind: str
    station_id: UUID
    worker_id: str
    held_on: date
    title: str
    goal: str
    method: str
    participants: int
    beneficiary_ids: list[UUID]
    volunteers: int
    outcome: str


class CommunityOrganisationPublic(BaseModel):
    """A community social organisation fostered."""

    id: UUID
    version: int
    organisation_id: UUID
    name: str
    kind: str
    station_id: UUID
    village_code: str
    fostered_on: date
    members: int


class SupervisionSessionPublic(BaseModel):
    """A supervision session."""

    id: UUID
    version: int
    session_id: UUID
    supervisor_id: str
    station_id: UUID
    held_on: date
    hours: float
    content: str
    minimum_hours: float
    below_minimum_hours: bool


class VerificationPublic(BaseModel):
    """A verification task."""

    id: UUID
    version: int
    task_id: UUID
    kind: str
    station_id: UUID
    beneficiary_id: UUID | None
    worker_id: str
    assigned_on: date
    due_on: date | None
    done_on: date | None
    result: str | None


class AspectScorePublic(BaseModel):
    """One aspect's score."""

    aspect: str
    score: float


class SurveyPublic(BaseModel):
    """A satisfaction survey."""

    id: UUID
    version: int
    survey_id: UUID
    station_id: UUID
    beneficiary_id: UUID | None
    surveyed_on: date
    scores: list[AspectScorePublic]
    overall: float
