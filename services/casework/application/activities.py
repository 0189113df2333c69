"""Commands on group and community activities (with professional content) and community social organisations."""

from __future__ import annotations

from typing import Any, Unpack
from uuid import UUID

from pydantic import Field

from services.casework.application.base import WORKER, CaseworkBase, ChangeOptions
from services.casework.application.fields import Choice, Participants
from services.casework.domain import (
    Activity,
    ActivityKind,
    CommunityOrganisation,
    CommunityOrganisationKind,
    check_professional_content,
    choice,
)
from shared.application import Command, Outcome
from shared.domain import Context, Invalid
from shared.fields import Code, Count, Day, Name, ShortText, Text


class RecordActivity(Command):
    """A group work session or community activity: goal and method are its professional content."""

    kind: Choice
    station_id: UUID
    worker_id: UUID | None = None
    held_on: Day
    title: Name
    goal: Text = ""
    method: Text = ""
    participants: Participants
    beneficiary_ids: list[UUID] = Field(default_factory=list, max_length=200)
    volunteers: Count = 0
    outcome: Text = ""


class RecordActivityOutcome(Command):
    """The activity's outcome (成效)."""

    outcome: Text


class FosterOrganisation(Command):
    """A community social organisation fostered by the station."""

    name: Name
    kind: Choice
    station_id: UUID
    village_code: Code
    fostered_on: Day
    members: Count
    note: ShortText = ""


def activity_view(activity: Activity) -> dict[str, Any]:
    """An activity as recorded."""
    return {"id": activity.id, "version": activity.version, "activity_id": activity.id, "kind": activity.kind,
            "station_id": activity.station_id, "worker_id": activity.worker_id, "held_on": activity.held_on,
            "title": activity.title, "goal": activity.goal, "method": activity.method,
            "participants": activity.participants, "beneficiary_ids": activity.beneficiary_ids,
            "volunteers": activity.volunteers, "outcome": activity.outcome}


def organisation_view(organisation: CommunityOrganisation) -> dict[str, Any]:
    """A community social organisation as fostered."""
    return {"id": organisation.id, "version": organisation.version, "organisation_id": organisation.id,
            "name": organisation.name, "kind": organisation.kind, "station_id": organisation.station_id,
            "village_code": organisation.village_code, "fostered_on": organisation.fostered_on,
            "members": organisation.members}


class ActivityCommands(CaseworkBase):
    """Who may: the bureau; a social worker or contractor for the station."""

    def record_activity(self, ctx: Context, command: RecordActivity,
                        idempotency_key: str | None = None) -> dict[str, Any]:
        """小组工作/社区活动: records an activity; one without a goal or a method is refused."""
        self.check_station(ctx, command.station_id, command.held_on)

        def handler() -> Outcome:
            kind = choice("kind", ActivityKind, command.kind).value
            check_professional_content(command.goal, command.method)
            if len(command.beneficiary_ids) > command.participants:
                raise Invalid("participants", "fewer participants than the beneficiaries named")
            worker = ctx.actor if ctx.has_role(WORKER) else str(command.worker_id or ctx.actor)
            activity = Activity(
                kind=kind, station_id=str(command.station_id), worker_id=worker, held_on=command.held_on,
                title=command.title, goal=command.goal.strip(), method=command.method.strip(),
                participants=command.participants, beneficiary_ids=tuple(str(b) for b in command.beneficiary_ids),
                volunteers=command.volunteers, outcome=command.outcome.strip(), ctx=ctx)
            return Outcome(result=activity_view(activity), changed=[activity])

        return self.execute(ctx, command, handler, idempotency_key)

    def record_activity_outcome(self, ctx: Context, activity_id: UUID, command: RecordActivityOutcome,
                                **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """成效: records what the activity achieved."""

        def act(activity: Activity) -> None:
            self.check_station(ctx, activity.station_id, activity.held_on)
            if not command.outcome.strip():
                raise Invalid("outcome", "say what the activity achieved")
            activity.record_outcome(command.outcome.strip(), ctx=ctx)

        return self.on_aggregate(ctx, Activity, activity_id, command, act, activity_view, **options)

    def foster_organisation(self, ctx: Context, command: FosterOrganisation,
                            idempotency_key: str | None = None) -> dict[str, Any]:
        """培育社区社会组织: records an organisation fostered, of one of the plan's six kinds."""
        self.check_station(ctx, command.station_id, command.fostered_on)

        def handler() -> Outcome:
            kind = choice("kind", CommunityOrganisationKind, command.kind).value
            organisation = CommunityOrganisation(
                name=command.name, kind=kind, station_id=str(command.station_id), village_code=command.village_code,
                fostered_on=command.fostered_on, members=command.members, ctx=ctx)
            return Outcome(result=organisation_view(organisation), changed=[organisation])

        return self.execute(ctx, command, handler, idempotency_key)
