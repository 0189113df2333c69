"""Commands on cases (个案, MZ/T 094-2017): intake, assessment, plan, services, review, closure, reopening,
transfer. Notes, goals and findings are sealed with the beneficiary's key, so erasure makes them unreadable too."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Unpack
from uuid import UUID

from services.casework.application.base import PERSONAL_DATA_READERS, WORKER, CaseworkBase, ChangeOptions
from services.casework.application.fields import Choice, HouseholdSize, Label
from services.casework.domain import (
    Beneficiary,
    Case,
    CaseOutcome,
    GuardianshipStatus,
    ServiceDomain,
    choice,
    choices,
    service_type,
)
from shared.application import Command, Outcome
from shared.domain import Context, Forbidden, Invalid, RuleViolated, county_today
from shared.fields import Count, Day, Fen, Minutes, Text, items


class OpenCase(Command):
    """受理: a case for a registered beneficiary, with its responsible worker (a social worker: itself)."""

    unfingerprinted = frozenset({"notes"})
    beneficiary_id: UUID
    worker_id: UUID | None = None
    opened_on: Day
    notes: Text = ""


class AssessCase(Command):
    """评估: needs by service domain, the household's economics, a child's guardianship."""

    unfingerprinted = frozenset({"notes"})
    on: Day
    needs: Annotated[list[Choice], items(1, len(ServiceDomain))]
    household_income_fen: Fen | None = None
    household_size: HouseholdSize | None = None
    guardianship: Choice | None = None
    notes: Text = ""


class PlanCase(Command):
    """服务计划 with its goals."""

    unfingerprinted = frozenset({"goals"})
    on: Day
    goals: Annotated[list[Label], items(1, 20)]
    review_by: Day | None = None


class RecordService(Command):
    """A service given: domain and type from the plan's lists, date, worker, minutes, notes."""

    unfingerprinted = frozenset({"notes"})
    on: Day
    domain: Choice
    service_type: Choice
    minutes: Minutes
    worker_id: UUID | None = None
    notes: Text = ""


class ReviewCase(Command):
    """回顾: how many goals are met."""

    unfingerprinted = frozenset({"notes"})
    on: Day
    goals_met: Count
    notes: Text = ""


class CloseCase(Command):
    """结案 with its outcome."""

    unfingerprinted = frozenset({"notes"})
    on: Day
    outcome: Choice
    notes: Text = ""


class ReopenCase(Command):
    """重新开案: back to services under the plan, or (``reassess``) to a new assessment."""

    unfingerprinted = frozenset({"notes"})
    on: Day
    reassess: bool = False
    notes: Text = ""


class TransferCase(Command):
    """The case to another worker, at the same or another station."""

    on: Day
    worker_id: UUID
    station_id: UUID | None = None


def case_view(case: Case) -> dict[str, Any]:
    """The facts of a case (never its sealed notes)."""
    return {
        "id": case.id, "version": case.version, "case_id": case.id, "beneficiary_id": case.beneficiary_id,
        "station_id": case.station_id, "worker_id": case.worker_id, "stage": case.stage,
        "opened_on": case.opened_on, "guardianship_required": case.guardianship_required,
        "assessments": case.assessments, "plan": case.plan, "services": case.services, "reviews": case.reviews,
        "closures": case.closures, "reopenings": case.reopenings, "transfers": case.transfers,
    }


class CaseCommands(CaseworkBase):
    """Who may: the bureau; a social worker or contractor for the case's station."""

    def open_case(self, ctx: Context, command: OpenCase, idempotency_key: str | None = None) -> dict[str, Any]:
        """受理: opens a case for a beneficiary at the beneficiary's station."""

        def handler() -> Outcome:
            beneficiary = self.load(Beneficiary, command.beneficiary_id)
            self.check_station(ctx, beneficiary.station_id, command.opened_on)
            beneficiary.check_active()
            if command.opened_on < beneficiary.registered_on:
                raise RuleViolated("casework.case.before_registration", "a case opens after the registration")
            worker = self._worker(ctx, command.worker_id, beneficiary.station_id, command.opened_on)
            case = Case(beneficiary_id=str(beneficiary.id), station_id=beneficiary.station_id, worker_id=worker,
                        opened_on=command.opened_on,
                        guardianship_required=beneficiary.needs_guardianship_assessment,
                        sealed=self._seal(beneficiary.id, command.notes), ctx=ctx)
            return Outcome(result=case_view(case), changed=[case])

        return self.execute(ctx, command, handler, idempotency_key, about=self.personal_about(command))

    def assess_case(self, ctx: Context, case_id: UUID, command: AssessCase,
                    **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """评估: records an assessment (a child's case needs its guardianship assessed)."""

        def act(case: Case) -> None:
            self.check_station(ctx, case.station_id, command.on)
            guardianship = (choice("guardianship", GuardianshipStatus, command.guardianship).value
                            if command.guardianship else None)
            case.assess(command.on, choices("needs", ServiceDomain, command.needs), command.household_income_fen,
                        command.household_size, guardianship, self._seal(case.beneficiary_id, command.notes), ctx=ctx)

        return self.on_aggregate(ctx, Case, case_id, command, act, case_view, **options)

    def plan_case(self, ctx: Context, case_id: UUID, command: PlanCase,
                  **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """服务计划: records the plan and its goals (the goals sealed, their number published)."""

        def act(case: Case) -> None:
            self.check_station(ctx, case.station_id, command.on)
            sealed = self._seal(case.beneficiary_id, {"goals": list(command.goals)})
            assert sealed is not None
            case.make_plan(command.on, len(command.goals), command.review_by, sealed, ctx=ctx)

        return self.on_aggregate(ctx, Case, case_id, command, act, case_view, **options)

    def record_service(self, ctx: Context, case_id: UUID, command: RecordService,
                       **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records a service given under the plan."""

        def act(case: Case) -> None:
            self.check_station(ctx, case.station_id, command.on)
            domain, kind = service_type(command.domain, command.service_type)
            worker = self._worker(ctx, command.worker_id, case.station_id, command.on, default=case.worker_id)
            case.record_service(command.on, domain, kind, worker, command.minutes,
                                self._seal(case.beneficiary_id, command.notes), ctx=ctx)

        return self.on_aggregate(ctx, Case, case_id, command, act, case_view, **options)

    def review_case(self, ctx: Context, case_id: UUID, command: ReviewCase,
                    **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """回顾: records the review of the plan's goals."""

        def act(case: Case) -> None:
            self.check_station(ctx, case.station_id, command.on)
            case.review(command.on, command.goals_met, self._seal(case.beneficiary_id, command.notes), ctx=ctx)

        return self.on_aggregate(ctx, Case, case_id, command, act, case_view, **options)

    def close_case(self, ctx: Context, case_id: UUID, command: CloseCase,
                   **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """结案: closes a reviewed case with its outcome."""

        def act(case: Case) -> None:
            self.check_station(ctx, case.station_id, command.on)
            outcome = choice("outcome", CaseOutcome, command.outcome).value
            case.close(command.on, outcome, self._seal(case.beneficiary_id, command.notes), ctx=ctx)

        return self.on_aggregate(ctx, Case, case_id, command, act, case_view, **options)

    def reopen_case(self, ctx: Context, case_id: UUID, command: ReopenCase,
                    **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """重新开案: reopens a closed case."""

        def act(case: Case) -> None:
            self.check_station(ctx, case.station_id, command.on)
            case.reopen(command.on, command.reassess, self._seal(case.beneficiary_id, command.notes), ctx=ctx)

        return self.on_aggregate(ctx, Case, case_id, command, act, case_view, **options)

    def transfer_case(self, ctx: Context, case_id: UUID, command: TransferCase,
                      **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """转介: moves an open case to another worker (at the same or another station)."""

        def act(case: Case) -> None:
            self.check_station(ctx, case.station_id, command.on)
            station = str(command.station_id or case.station_id)
            worker = str(command.worker_id)
            if station not in self.directory.worker_stations(worker, command.on):
                raise RuleViolated("casework.case.worker_not_at_station",
                                   f"worker {worker} is not assigned to station {station} on {command.on}")
            case.transfer(command.on, worker, station, ctx=ctx)

        return self.on_aggregate(ctx, Case, case_id, command, act, case_view, **options)

    def read_case_notes(self, ctx: Context, case_id: UUID, purpose: str) -> dict[str, Any]:
        """A case's sealed notes and goals, for the bureau or the case's station; the read is logged first."""
        ctx.require(*PERSONAL_DATA_READERS)
        case = self.load(Case, case_id)
        beneficiary = self.load(Beneficiary, UUID(case.beneficiary_id))
        if not self.acts_for_station(ctx, case.station_id, county_today()):
            raise Forbidden(f"{ctx.role} {ctx.actor} does not serve this case's station",
                            rule="casework.scope.personal_data")
        beneficiary.check_not_erased()
        notes = []
        for entry in case.sealed:
            opened = self.vault.open(beneficiary.id, entry["sealed"])
            if opened is not None:
                notes.append({"step": entry["step"], "on": entry["on"], **opened})
        self.log_read(ctx, beneficiary.id, f"case:{case.id}", purpose)
        return {"case_id": case.id, "beneficiary_id": beneficiary.id, "notes": notes}

    # --- helpers ------------------------------------------------------------------------------

    def _worker(self, ctx: Context, worker_id: UUID | None, station_id: str, on: date,
                default: str | None = None) -> str:
        """The worker named (a social worker: itself), who must be assigned to the station on the day."""
        if ctx.has_role(WORKER):
            if worker_id is not None and str(worker_id) != ctx.actor:
                raise Invalid("worker_id", "a social worker records its own work")
            return ctx.actor
        worker = str(worker_id) if worker_id is not None else default
        if worker is None:
            raise Invalid("worker_id", "name the responsible social worker")
        if worker != default and station_id not in self.directory.worker_stations(worker, on):
            raise RuleViolated("casework.case.worker_not_at_station",
                               f"worker {worker} is not assigned to station {station_id} on {on.isoformat()}")
        return worker

    def _seal(self, beneficiary_id: UUID | str, notes: str | dict[str, Any]) -> str | None:
        """Notes sealed with the beneficiary's key; refused once the beneficiary was erased."""
        if not notes:
            return None
        try:
            return self.vault.seal(UUID(str(beneficiary_id)), notes if isinstance(notes, dict) else {"notes": notes})
        except LookupError:
            raise RuleViolated("casework.beneficiary.erased",
                               "notes about an erased beneficiary are not recorded") from None
