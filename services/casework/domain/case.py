"""个案: the case aggregate, after the national casework standard (MZ/T 094-2017).

intake (受理) → assessment (评估: needs, household economic assessment, guardianship for children) → service plan
with goals (服务计划) → services recorded (服务) → review (评估/回顾) → closure with outcome (结案); a closed case may
be reopened (back to services under its plan, or to a new assessment); open cases move to another worker or station.
Free text about the person (notes, goals, findings) arrives sealed with the beneficiary's key.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, Invalid, RuleViolated

STAGES = ("intake", "assessed", "planned", "in_service", "reviewed", "closed")


class Case(Aggregate):
    """个案: one beneficiary's case at a station, with its responsible worker."""

    @event("Opened")
    def __init__(self, beneficiary_id: str, station_id: str, worker_id: str, opened_on: date,
                 guardianship_required: bool, sealed: str | None, ctx: Context) -> None:
        self.beneficiary_id = beneficiary_id
        self.station_id = station_id
        self.worker_id = worker_id
        self.opened_on = opened_on
        self.guardianship_required = guardianship_required
        self.stage = "intake"
        self.assessments: list[dict[str, Any]] = []
        self.plan: dict[str, Any] | None = None
        self.services: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.closures: list[dict[str, Any]] = []
        self.reopenings: list[dict[str, Any]] = []
        self.transfers: list[dict[str, Any]] = []
        self.sealed: list[dict[str, Any]] = []
        self._keep("intake", opened_on, sealed)

    @property
    def last_day(self) -> date:
        """The latest date recorded on the case: nothing later may be dated before it."""
        days = [self.opened_on, *(d[k] for d in (*self.assessments, *self.services, *self.reviews,
                                                   *self.closures, *self.reopenings, *self.transfers)
                                    for k in ("on",))]
        if self.plan:
            days.append(self.plan["on"])
        return max(days)

    def _check(self, on: date, *stages: str, rule: str, detail: str) -> None:
        if self.stage == "closed" and "closed" not in stages:
            raise RuleViolated("casework.case.closed", "the case is closed: reopen it first")
        if self.stage not in stages:
            raise RuleViolated(rule, f"{detail} (the case is at {self.stage})")
        if on < self.last_day:
            raise RuleViolated("casework.case.before_last_step",
                               f"{on.isoformat()} is before the case's last step on {self.last_day.isoformat()}")

    def assess(self, on: date, needs: tuple[str, ...], household_income_fen: int | None, household_size: int | None,
               guardianship: str | None, sealed: str | None, ctx: Context) -> None:
        """需求评估: the needs (by service domain), the household's economics and, for a child, its guardianship."""
        self._check(on, "intake", "assessed", rule="casework.case.assessment_after_plan",
                    detail="an assessment comes before the service plan or after reopening")
        if self.guardianship_required and guardianship is None:
            raise RuleViolated("casework.case.guardianship_assessment_required",
                               "a child's case is assessed for guardianship (监护评估)")
        if not needs:
            raise Invalid("needs", "an assessment names at least one need")
        self._assessed(on=on, needs=needs, household_income_fen=household_income_fen,
                       household_size=household_size, guardianship=guardianship, sealed=sealed, ctx=ctx)

    @event("Assessed")
    def _assessed(self, on: date, needs: tuple[str, ...], household_income_fen: int | None,
                  household_size: int | None, guardianship: str | None, sealed: str | None, ctx: Context) -> None:
        self.assessments.append({"on": on, "needs": list(needs), "household_income_fen": household_income_fen,
                                 "household_size": household_size, "guardianship": guardianship})
        self.stage = "assessed"
        self._keep("assessment", on, sealed)

    def make_plan(self, on: date, goal_count: int, review_by: date | None, sealed: str, ctx: Context) -> None:
        """服务计划: the plan with its goals (sealed; their number is a fact)."""
        self._check(on, "assessed", rule="casework.case.not_assessed", detail="a plan follows an assessment")
        if review_by is not None and review_by < on:
            raise Invalid("review_by", "the review date must not precede the plan")
        self._planned(on=on, goal_count=goal_count, review_by=review_by, sealed=sealed, ctx=ctx)

    @event("Planned")
    def _planned(self, on: date, goal_count: int, review_by: date | None, sealed: str, ctx: Context) -> None:
        self.plan = {"on": on, "goal_count": goal_count, "review_by": review_by}
        self.stage = "planned"
        self._keep("plan", on, sealed)

    def record_service(self, on: date, domain: str, service_type: str, worker_id: str, minutes: int,
                       sealed: str | None, ctx: Context) -> None:
        """A service given under the plan: domain, type, date, worker, minutes (notes sealed)."""
        self._check(on, "planned", "in_service", rule="casework.case.no_plan",
                    detail="services are recorded under a service plan")
        self._service_recorded(on=on, domain=domain, service_type=service_type, worker_id=worker_id,
                               minutes=minutes, sealed=sealed, ctx=ctx)

    @event("ServiceRecorded")
    def _service_recorded(self, on: date, domain: str, service_type: str, worker_id: str, minutes: int,
                          sealed: str | None, ctx: Context) -> None:
        self.services.append({"on": on, "domain": domain, "service_type": service_type, "worker_id": worker_id,
                              "minutes": minutes})
        self.stage = "in_service"
        self._keep("service", on, sealed)

    def review(self, on: date, goals_met: int, sealed: str | None, ctx: Context) -> None:
        """回顾评估: how many of the plan's goals are met, after services were given."""
        self._check(on, "in_service", rule="casework.case.no_services", detail="a review follows services")
        assert self.plan is not None
        if goals_met > self.plan["goal_count"]:
            raise Invalid("goals_met", f"the plan has {self.plan['goal_count']} goals")
        self._reviewed(on=on, goals_met=goals_met, sealed=sealed, ctx=ctx)

    @event("Reviewed")
    def _reviewed(self, on: date, goals_met: int, sealed: str | None, ctx: Context) -> None:
        self.reviews.append({"on": on, "goals_met": goals_met})
        self.stage = "reviewed"
        self._keep("review", on, sealed)

    def close(self, on: date, outcome: str, sealed: str | None, ctx: Context) -> None:
        """结案 with its outcome, after a review."""
        if self.stage == "closed":
            raise RuleViolated("casework.case.closed", "the case is already closed")
        self._check(on, "reviewed", rule="casework.case.not_reviewed", detail="a case closes after a review")
        self._closed(on=on, outcome=outcome, sealed=sealed, ctx=ctx)

    @event("Closed")
    def _closed(self, on: date, outcome: str, sealed: str | None, ctx: Context) -> None:
        self.closures.append({"on": on, "outcome": outcome})
        self.stage = "closed"
        self._keep("closure", on, sealed)

    def reopen(self, on: date, reassess: bool, sealed: str | None, ctx: Context) -> None:
        """重新开案: back to services under the plan, or to a new assessment."""
        if self.stage != "closed":
            raise RuleViolated("casework.case.not_closed", "only a closed case is reopened")
        self._check(on, "closed", rule="casework.case.not_closed", detail="only a closed case is reopened")
        self._reopened(on=on, reassess=reassess, sealed=sealed, ctx=ctx)

    @event("Reopened")
    def _reopened(self, on: date, reassess: bool, sealed: str | None, ctx: Context) -> None:
        self.reopenings.append({"on": on, "reassess": reassess})
        self.stage = "intake" if reassess else "planned"
        self._keep("reopening", on, sealed)

    def transfer(self, on: date, worker_id: str, station_id: str, ctx: Context) -> None:
        """转介/移交: the case to another worker, or another station."""
        self._check(on, *STAGES[:-1], rule="casework.case.closed", detail="a closed case is not transferred")
        if (worker_id, station_id) == (self.worker_id, self.station_id):
            raise RuleViolated("casework.case.transfer_to_same", "the case is already with this worker and station")
        self._transferred(on=on, from_worker_id=self.worker_id, from_station_id=self.station_id,
                          worker_id=worker_id, station_id=station_id, ctx=ctx)

    @event("Transferred")
    def _transferred(self, on: date, from_worker_id: str, from_station_id: str, worker_id: str, station_id: str,
                     ctx: Context) -> None:
        self.transfers.append({"on": on, "from_worker_id": from_worker_id, "from_station_id": from_station_id,
                               "worker_id": worker_id, "station_id": station_id})
        self.worker_id, self.station_id = worker_id, station_id

    def _keep(self, step: str, on: date, sealed: str | None) -> None:
        """Keeps which step each sealed note belongs to (the notes are read back, logged, by those allowed)."""
        if sealed:
            self.sealed.append({"step": step, "on": on, "sealed": sealed})
