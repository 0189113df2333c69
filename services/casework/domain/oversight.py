"""督导 and 核查: supervision sessions by a station's supervisor, verification tasks done for the bureau, and
satisfaction surveys (满意度调查)."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, RuleViolated


class SupervisionSession(Aggregate):
    """A supervision session: supervisor, station, date, hours, content (the content stays in the service)."""

    @event("Held")
    def __init__(self, supervisor_id: str, station_id: str, held_on: date, hours: float, content: str,
                 minimum_hours: float, below_minimum_hours: bool, ctx: Context) -> None:
        self.supervisor_id = supervisor_id
        self.station_id = station_id
        self.held_on = held_on
        self.hours = hours
        self.content = content
        self.minimum_hours = minimum_hours
        self.below_minimum_hours = below_minimum_hours


class VerificationTask(Aggregate):
    """A verification (核查) assigned to a station's worker, done once with its result."""

    @event("Assigned")
    def __init__(self, kind: str, station_id: str, beneficiary_id: str | None, worker_id: str, assigned_on: date,
                 due_on: date | None, ctx: Context) -> None:
        self.kind = kind
        self.station_id = station_id
        self.beneficiary_id = beneficiary_id
        self.worker_id = worker_id
        self.assigned_on = assigned_on
        self.due_on = due_on
        self.done_on: date | None = None
        self.result: str | None = None

    def complete(self, done_on: date, result: str, ctx: Context) -> None:
        """The verification was done, with its result."""
        if self.done_on is not None:
            raise RuleViolated("casework.verification.already_done",
                               f"this verification was done on {self.done_on.isoformat()}")
        if done_on < self.assigned_on:
            raise RuleViolated("casework.verification.done_before_assigned",
                               "a verification is done after it is assigned")
        self._done(done_on=done_on, result=result, late=self.due_on is not None and done_on > self.due_on, ctx=ctx)

    @event("Done")
    def _done(self, done_on: date, result: str, late: bool, ctx: Context) -> None:
        self.done_on = done_on
        self.result = result


class SatisfactionSurvey(Aggregate):
    """满意度调查: scores out of 100 per aspect, and their mean."""

    @event("Recorded")
    def __init__(self, station_id: str, beneficiary_id: str | None, surveyed_on: date,
                 scores: tuple[dict[str, object], ...], overall: float, ctx: Context) -> None:
        self.station_id = station_id
        self.beneficiary_id = beneficiary_id
        self.surveyed_on = surveyed_on
        self.scores = [dict(s) for s in scores]
        self.overall = overall
