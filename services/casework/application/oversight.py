"""Commands of supervision sessions (督导), verification tasks (核查) and satisfaction surveys (满意度调查)."""

from __future__ import annotations

from typing import Annotated, Any, Unpack
from uuid import UUID

from services.casework.application.base import ADMIN, SUPERVISOR, WORKER, CaseworkBase, ChangeOptions
from services.casework.application.fields import Choice
from services.casework.domain import (
    Beneficiary,
    SatisfactionSurvey,
    SupervisionSession,
    TargetGroup,
    VerificationKind,
    VerificationResult,
    VerificationTask,
    choice,
)
from shared.application import Command, Outcome
from shared.domain import Context, Invalid, RuleViolated
from shared.fields import Day, Hours, RequiredText, Score, items

GROUP_OF_KIND = {VerificationKind.ORPHAN_ALLOWANCE: TargetGroup.ORPHAN,
                 VerificationKind.UNSUPPORTED_CHILD_ALLOWANCE: TargetGroup.UNSUPPORTED_CHILD}


class HoldSupervision(Command):
    """A supervision session at a station (a supervisor's token names the supervisor)."""

    station_id: UUID
    held_on: Day
    hours: Hours
    content: RequiredText
    supervisor_id: UUID | None = None


class AssignVerification(Command):
    """A verification the bureau asks of a station's worker."""

    kind: Choice
    station_id: UUID
    worker_id: UUID
    beneficiary_id: UUID | None = None
    assigned_on: Day
    due_on: Day | None = None


class CompleteVerification(Command):
    """The verification was done, with its result."""

    done_on: Day
    result: Choice


class AspectScore(Command):
    """One aspect's score."""

    aspect: Choice
    score: Score


class RecordSurvey(Command):
    """满意度调查: scores per aspect."""

    station_id: UUID
    beneficiary_id: UUID | None = None
    surveyed_on: Day
    scores: Annotated[list[AspectScore], items(1, 20)]


def session_view(session: SupervisionSession) -> dict[str, Any]:
    """A supervision session as recorded."""
    return {"id": session.id, "version": session.version, "session_id": session.id,
            "supervisor_id": session.supervisor_id, "station_id": session.station_id, "held_on": session.held_on,
            "hours": session.hours, "content": session.content, "minimum_hours": session.minimum_hours,
            "below_minimum_hours": session.below_minimum_hours}


def verification_view(task: VerificationTask) -> dict[str, Any]:
    """A verification task."""
    return {"id": task.id, "version": task.version, "task_id": task.id, "kind": task.kind,
            "station_id": task.station_id, "beneficiary_id": task.beneficiary_id, "worker_id": task.worker_id,
            "assigned_on": task.assigned_on, "due_on": task.due_on, "done_on": task.done_on, "result": task.result}


def survey_view(survey: SatisfactionSurvey) -> dict[str, Any]:
    """A satisfaction survey."""
    return {"id": survey.id, "version": survey.version, "survey_id": survey.id, "station_id": survey.station_id,
            "beneficiary_id": survey.beneficiary_id, "surveyed_on": survey.surveyed_on, "scores": survey.scores,
            "overall": survey.overall}


class OversightCommands(CaseworkBase):
    """Who may: a supervisor for stations it supervises; the bureau assigns verifications, the station does them."""

    def hold_supervision(self, ctx: Context, command: HoldSupervision,
                         idempotency_key: str | None = None) -> dict[str, Any]:
        """督导: records a session by the station's supervisor (known from workforce events) on that day."""
        ctx.require(SUPERVISOR, ADMIN)
        supervisor = ctx.actor if ctx.has_role(SUPERVISOR) else str(command.supervisor_id or "")
        if not supervisor:
            raise Invalid("supervisor_id", "name the supervisor who held the session")

        def handler() -> Outcome:
            if not self.directory.supervises(supervisor, str(command.station_id), command.held_on):
                raise RuleViolated("casework.supervision.not_stations_supervisor",
                                   f"{supervisor} does not supervise station {command.station_id} on "
                                   f"{command.held_on.isoformat()}")
            minimum = self.policy.supervision_min_hours
            session = SupervisionSession(
                supervisor_id=supervisor, station_id=str(command.station_id), held_on=command.held_on,
                hours=command.hours, content=command.content, minimum_hours=minimum,
                below_minimum_hours=command.hours < minimum, ctx=ctx)
            return Outcome(result=session_view(session), changed=[session])

        return self.execute(ctx, command, handler, idempotency_key)

    def assign_verification(self, ctx: Context, command: AssignVerification,
                            idempotency_key: str | None = None) -> dict[str, Any]:
        """核查: the bureau assigns a verification to a worker of the station."""
        ctx.require(ADMIN)

        def handler() -> Outcome:
            kind = choice("kind", VerificationKind, command.kind)
            if command.due_on is not None and command.due_on < command.assigned_on:
                raise Invalid("due_on", "the due date must not precede the assignment")
            if str(command.station_id) not in self.directory.worker_stations(str(command.worker_id),
                                                                             command.assigned_on):
                raise RuleViolated("casework.verification.worker_not_at_station",
                                   f"worker {command.worker_id} is not assigned to station {command.station_id}")
            if command.beneficiary_id is not None:
                self._check_group(kind, self.load(Beneficiary, command.beneficiary_id))
            task = VerificationTask(
                kind=kind.value, station_id=str(command.station_id),
                beneficiary_id=str(command.beneficiary_id) if command.beneficiary_id else None,
                worker_id=str(command.worker_id), assigned_on=command.assigned_on, due_on=command.due_on, ctx=ctx)
            return Outcome(result=verification_view(task), changed=[task])

        return self.execute(ctx, command, handler, idempotency_key)

    def complete_verification(self, ctx: Context, task_id: UUID, command: CompleteVerification,
                              **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records that a verification was done and what it found."""

        def act(task: VerificationTask) -> None:
            self.check_station(ctx, task.station_id, command.done_on)
            if ctx.has_role(WORKER) and ctx.actor != task.worker_id:
                raise Invalid("worker", "the verification is another worker's")
            task.complete(command.done_on, choice("result", VerificationResult, command.result).value, ctx=ctx)

        return self.on_aggregate(ctx, VerificationTask, task_id, command, act, verification_view, **options)

    def record_survey(self, ctx: Context, command: RecordSurvey, idempotency_key: str | None = None) -> dict[str, Any]:
        """满意度调查: records a survey's scores and their mean."""
        self.check_station(ctx, command.station_id, command.surveyed_on)

        def handler() -> Outcome:
            aspects = [s.aspect for s in command.scores]
            if len(set(aspects)) != len(aspects):
                raise Invalid("scores", "each aspect is scored once")
            overall = round(sum(s.score for s in command.scores) / len(command.scores), 2)
            survey = SatisfactionSurvey(
                station_id=str(command.station_id),
                beneficiary_id=str(command.beneficiary_id) if command.beneficiary_id else None,
                surveyed_on=command.surveyed_on, scores=tuple(s.model_dump() for s in command.scores),
                overall=overall, ctx=ctx)
            return Outcome(result=survey_view(survey), changed=[survey])

        return self.execute(ctx, command, handler, idempotency_key)

    @staticmethod
    def _check_group(kind: VerificationKind, beneficiary: Beneficiary) -> None:
        group = GROUP_OF_KIND.get(kind)
        if group is not None and group.value not in beneficiary.target_groups:
            raise RuleViolated("casework.verification.not_in_group",
                               f"a {kind.value} verification is for a beneficiary in the {group.value} group")
