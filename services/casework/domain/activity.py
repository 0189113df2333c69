"""小组工作 / 社区活动 and 社区社会组织: group and community activities, which must have professional content (专业内涵:
a goal and a method), and the community social organisations a station fosters."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, RuleViolated


def check_professional_content(goal: str, method: str) -> None:
    """The plan forbids activities without professional content: a goal and a method are required."""
    missing = [name for name, text in (("goal", goal), ("method", method)) if not text.strip()]
    if missing:
        raise RuleViolated("casework.activity.no_professional_content",
                           f"an activity without professional content is not recorded: no {' or '.join(missing)}",
                           missing=missing)


class Activity(Aggregate):
    """A group work session or community activity at a station."""

    @event("Recorded")
    def __init__(self, kind: str, station_id: str, worker_id: str, held_on: date, title: str, goal: str,
                 method: str, participants: int, beneficiary_ids: tuple[str, ...], volunteers: int, outcome: str,
                 ctx: Context) -> None:
        self.kind = kind
        self.station_id = station_id
        self.worker_id = worker_id
        self.held_on = held_on
        self.title = title
        self.goal = goal
        self.method = method
        self.participants = participants
        self.beneficiary_ids = list(beneficiary_ids)
        self.volunteers = volunteers
        self.outcome = outcome

    def record_outcome(self, outcome: str, ctx: Context) -> None:
        """The activity's outcome (成效), once."""
        if self.outcome:
            raise RuleViolated("casework.activity.outcome_recorded", "the activity's outcome is already recorded")
        self._outcome_recorded(outcome=outcome, ctx=ctx)

    @event("OutcomeRecorded")
    def _outcome_recorded(self, outcome: str, ctx: Context) -> None:
        self.outcome = outcome


class CommunityOrganisation(Aggregate):
    """社区社会组织 fostered by a station, of one of the plan's six kinds."""

    @event("Fostered")
    def __init__(self, name: str, kind: str, station_id: str, village_code: str, fostered_on: date, members: int,
                 ctx: Context) -> None:
        self.name = name
        self.kind = kind
        self.station_id = station_id
        self.village_code = village_code
        self.fostered_on = fostered_on
        self.members = members
