"""驻站社工: the social worker aggregate, with its events and rules.

Over 400 lines because it is one aggregate: employment, pay, insurance, stations and supervision are one
consistency boundary (leaving ends the station, the supervision and the labour contract in one change).
Personal data (national id number, phone) lives only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.workforce.domain.state_versions import training_totals
from services.workforce.domain.vocabulary import (
    CertificateLevel,
    EducationLevel,
    InsuranceItem,
    PartyStatus,
    month_of,
    parse_period,
    station_ref,
    validate_phone,
)
from shared.domain import Context, Invalid, NotFound, RuleViolated, choice, text


class SocialWorker(Aggregate):
    """驻站社工: a social worker, their employment, pay, insurance and (if designated) supervision."""

    # The id is given (a keyed hash of the national id number, computed by the application).
    id: UUID
    # The shape of the state in snapshots (``state_versions``): 2 keeps training as totals, not the courses.
    class_version = 2
    upcast_v1_v2 = staticmethod(training_totals)

    @event("Hired")
    def __init__(
        self, name: str, national_id_number: str, phone: str, employer_id: UUID, hired_on: date, ctx: Context
    ) -> None:
        self.name = name
        self.national_id_number = national_id_number
        self.phone = phone
        self.employer_id = employer_id
        self.hired_on = hired_on
        self.education: list[dict[str, Any]] = []
        self.certificates: dict[str, dict[str, Any]] = {}
        self.titles: list[dict[str, Any]] = []
        self.labour_contract: dict[str, Any] | None = None
        self.labour_contracts: list[dict[str, Any]] = []
        self.station_id: str | None = None
        self.assignments: list[dict[str, Any]] = []
        self.pay: dict[str, dict[str, Any]] = {}
        self.insurance: dict[str, date] = {}
        self.personnel_file: dict[str, Any] | None = None
        self.training_hours = 0
        self.training_count = 0
        self.party_status: dict[str, Any] | None = None
        self.disputes: dict[str, dict[str, Any]] = {}
        self.left_on: date | None = None
        self.left_reason: str | None = None
        self.supervisor_since: date | None = None
        self.supervised_stations: list[str] = []

    # invariants

    def check_not_left(self) -> None:
        """Refuses changes to a worker who has left the workforce."""
        if self.left_on is not None:
            raise RuleViolated(
                "workforce.worker.has_left", f"{self.name} left the workforce on {self.left_on.isoformat()}"
            )

    def check_not_before_hire(self, on: date, rule: str) -> None:
        """Refuses a date before the worker was hired."""
        if on < self.hired_on:
            raise RuleViolated(
                rule, f"{on.isoformat()} is before {self.name} was hired on {self.hired_on.isoformat()}"
            )

    # identity

    def change_phone(self, phone: str, ctx: Context) -> None:
        """Records the worker's new phone number."""
        self._phone_changed(phone=validate_phone(phone), ctx=ctx)

    @event("PhoneChanged")
    def _phone_changed(self, phone: str, ctx: Context) -> None:
        self.phone = phone

    def record_education(self, level: str, major: str, school: str, ctx: Context) -> None:
        """学历: records a degree or diploma."""
        self._education_recorded(
            level=choice("level", EducationLevel, level),
            major=(major or "").strip(),
            school=text("school", school),
            ctx=ctx,
        )

    @event("EducationRecorded")
    def _education_recorded(self, level: str, major: str, school: str, ctx: Context) -> None:
        self.education.append({"level": level, "major": major, "school": school})

    def obtain_certificate(self, level: str, obtained_on: date, number: str, ctx: Context) -> None:
        """社会工作者职业水平证书: records a certificate at one level."""
        level = choice("level", CertificateLevel, level)
        number = text("number", number)
        if level in self.certificates:
            raise RuleViolated(
                "workforce.certificate.already_held", f"{self.name} already holds the {level} certificate"
            )
        self._certificate_obtained(level=level, obtained_on=obtained_on, number=number, ctx=ctx)

    @event("CertificateObtained")
    def _certificate_obtained(self, level: str, obtained_on: date, number: str, ctx: Context) -> None:
        self.certificates[level] = {"level": level, "obtained_on": obtained_on, "number": number}

    def award_title(self, title: str, awarded_on: date, ctx: Context) -> None:
        """职称: records a professional title."""
        self._title_awarded(title=text("title", title), awarded_on=awarded_on, ctx=ctx)

    @event("TitleAwarded")
    def _title_awarded(self, title: str, awarded_on: date, ctx: Context) -> None:
        self.titles.append({"title": title, "awarded_on": awarded_on})

    # labour contract

    def sign_labour_contract(self, starts_on: date, ends_on: date | None, ctx: Context) -> None:
        """劳动合同: records a signed labour contract (``ends_on`` None: open-ended)."""
        self.check_not_left()
        if ends_on is not None and ends_on <= starts_on:
            raise Invalid("ends_on", "a labour contract must end after it starts")
        if self.labour_contract is not None:
            raise RuleViolated(
                "workforce.labour_contract.already_signed",
                f"{self.name} already has a labour contract: renew or end it instead",
            )
        self._labour_contract_signed(starts_on=starts_on, ends_on=ends_on, ctx=ctx)

    @event("LabourContractSigned")
    def _labour_contract_signed(self, starts_on: date, ends_on: date | None, ctx: Context) -> None:
        self.labour_contract = {"starts_on": starts_on, "ends_on": ends_on, "renewals": 0}
        self.labour_contracts.append(self.labour_contract)

    def check_has_labour_contract(self) -> dict[str, Any]:
        """The current labour contract, or a refusal."""
        if self.labour_contract is None:
            raise RuleViolated(
                "workforce.labour_contract.none", f"{self.name} has no labour contract in force"
            )
        return self.labour_contract

    def renew_labour_contract(self, ends_on: date | None, ctx: Context) -> None:
        """续签: extends the current labour contract to ``ends_on`` (None: open-ended)."""
        self.check_not_left()
        current = self.check_has_labour_contract()
        if current["ends_on"] is None:
            raise RuleViolated(
                "workforce.labour_contract.open_ended",
                "the labour contract is open-ended: there is nothing to renew",
            )
        if ends_on is not None and ends_on <= current["ends_on"]:
            raise Invalid(
                "ends_on",
                "a renewed labour contract must end after the current end date "
                f"{current['ends_on'].isoformat()}",
            )
        self._labour_contract_renewed(previous_ends_on=current["ends_on"], ends_on=ends_on, ctx=ctx)

    @event("LabourContractRenewed")
    def _labour_contract_renewed(self, previous_ends_on: date, ends_on: date | None, ctx: Context) -> None:
        assert self.labour_contract is not None
        self.labour_contract["ends_on"] = ends_on
        self.labour_contract["renewals"] += 1

    def end_labour_contract(self, ended_on: date, reason: str, ctx: Context) -> None:
        """Records that the current labour contract ended."""
        current = self.check_has_labour_contract()
        if ended_on < current["starts_on"]:
            raise Invalid("ended_on", "a labour contract cannot end before it started")
        self._labour_contract_ended(ended_on=ended_on, reason=(reason or "").strip(), ctx=ctx)

    @event("LabourContractEnded")
    def _labour_contract_ended(self, ended_on: date, reason: str, ctx: Context) -> None:
        assert self.labour_contract is not None
        self.labour_contract["ended_on"] = ended_on
        self.labour_contract["end_reason"] = reason
        self.labour_contract = None

    # station assignment

    def assign_to_station(self, station_id: UUID | str, assigned_on: date, ctx: Context) -> None:
        """驻站: assigns the worker to a station (one station at a time)."""
        station_id = station_ref(station_id)
        self.check_not_left()
        if self.station_id is not None:
            raise RuleViolated(
                "workforce.assignment.already_assigned",
                f"{self.name} is already assigned to station {self.station_id}: transfer the worker instead",
            )
        self.check_not_before_hire(assigned_on, "workforce.assignment.before_hire")
        self._assigned_to_station(station_id=station_id, assigned_on=assigned_on, ctx=ctx)

    @event("AssignedToStation")
    def _assigned_to_station(self, station_id: str, assigned_on: date, ctx: Context) -> None:
        self.station_id = station_id
        self.assignments.append({"station_id": station_id, "from": assigned_on, "until": None})

    def check_assigned(self) -> str:
        """The current station, or a refusal."""
        if self.station_id is None:
            raise RuleViolated(
                "workforce.assignment.not_assigned", f"{self.name} is not assigned to a station"
            )
        return self.station_id

    def check_not_before_assignment(self, on: date) -> None:
        """Refuses a date before the current assignment began."""
        since = self.assignments[-1]["from"]
        if on < since:
            raise RuleViolated(
                "workforce.assignment.before_current",
                f"{on.isoformat()} is before the current assignment began on {since.isoformat()}",
            )

    def transfer_to_station(self, station_id: UUID | str, transferred_on: date, ctx: Context) -> None:
        """调动: moves the worker from their current station to another."""
        station_id = station_ref(station_id)
        self.check_not_left()
        current = self.check_assigned()
        if station_id == current:
            raise RuleViolated(
                "workforce.assignment.same_station", f"{self.name} is already at station {current}"
            )
        self.check_not_before_assignment(transferred_on)
        self._transferred_to_station(
            from_station_id=current, station_id=station_id, transferred_on=transferred_on, ctx=ctx
        )

    @event("TransferredToStation")
    def _transferred_to_station(
        self, from_station_id: str, station_id: str, transferred_on: date, ctx: Context
    ) -> None:
        self.assignments[-1]["until"] = transferred_on
        self.station_id = station_id
        self.assignments.append({"station_id": station_id, "from": transferred_on, "until": None})

    def unassign_from_station(self, unassigned_on: date, reason: str, ctx: Context) -> None:
        """Ends the worker's current station assignment."""
        current = self.check_assigned()
        self.check_not_before_assignment(unassigned_on)
        self._unassigned_from_station(
            station_id=current, unassigned_on=unassigned_on, reason=(reason or "").strip(), ctx=ctx
        )

    @event("UnassignedFromStation")
    def _unassigned_from_station(
        self, station_id: str, unassigned_on: date, reason: str, ctx: Context
    ) -> None:
        self.assignments[-1]["until"] = unassigned_on
        self.station_id = None

    # pay

    def record_pay(
        self, period: str, gross_fen: int, paid_on: date, minimum_wage_fen: int, ctx: Context
    ) -> bool:
        """月工资: records one month's pay; returns True if below the minimum wage (accepted, flagged)."""
        year, month = parse_period(period)
        if isinstance(gross_fen, bool) or not isinstance(gross_fen, int) or gross_fen <= 0:
            raise Invalid("gross_fen", "gross pay is a positive whole number of fen")
        if paid_on < date(year, month, 1):
            raise Invalid("paid_on", f"pay for {period} cannot be paid before the month begins")
        self.check_pay_period(period, (year, month))
        below = gross_fen < minimum_wage_fen
        self._pay_recorded(
            period=period,
            gross_fen=gross_fen,
            paid_on=paid_on,
            below_minimum_wage=below,
            minimum_wage_fen=minimum_wage_fen,
            employer_id=self.employer_id,
            ctx=ctx,
        )
        return below

    def check_pay_period(self, period: str, month: tuple[int, int]) -> None:
        """Refuses a period paid already, before hiring, or after the worker left."""
        if period in self.pay:
            raise RuleViolated(
                "workforce.pay.period_already_paid",
                f"{self.name} was already paid for {period} on {self.pay[period]['paid_on'].isoformat()}",
            )
        if month < month_of(self.hired_on):
            raise RuleViolated(
                "workforce.pay.before_hire",
                f"{period} is before {self.name} was hired on {self.hired_on.isoformat()}",
            )
        if self.left_on is not None and month > month_of(self.left_on):
            raise RuleViolated(
                "workforce.pay.after_leaving",
                f"{self.name} left on {self.left_on.isoformat()}: {period} cannot be paid",
            )

    @event("PayRecorded")
    def _pay_recorded(
        self,
        period: str,
        gross_fen: int,
        paid_on: date,
        below_minimum_wage: bool,
        minimum_wage_fen: int,
        employer_id: UUID,
        ctx: Context,
    ) -> None:
        self.pay[period] = {
            "period": period,
            "gross_fen": gross_fen,
            "paid_on": paid_on,
            "below_minimum_wage": below_minimum_wage,
        }

    # insurance, personnel file, training, party, disputes

    def enrol_insurance(self, item: str, enrolled_on: date, ctx: Context) -> None:
        """五险一金: records enrolment in one insurance item or the housing fund."""
        self.check_not_left()
        item = choice("item", InsuranceItem, item)
        if item in self.insurance:
            raise RuleViolated(
                "workforce.insurance.already_enrolled",
                f"{self.name} was enrolled in {item} on {self.insurance[item].isoformat()}",
            )
        self._insurance_enrolled(item=item, enrolled_on=enrolled_on, ctx=ctx)

    @event("InsuranceEnrolled")
    def _insurance_enrolled(self, item: str, enrolled_on: date, ctx: Context) -> None:
        self.insurance[item] = enrolled_on

    def lodge_personnel_file(self, held_at: str, lodged_on: date, ctx: Context) -> None:
        """人事档案: records where the worker's personnel file is kept."""
        self._personnel_file_lodged(held_at=text("held_at", held_at), lodged_on=lodged_on, ctx=ctx)

    @event("PersonnelFileLodged")
    def _personnel_file_lodged(self, held_at: str, lodged_on: date, ctx: Context) -> None:
        self.personnel_file = {"held_at": held_at, "lodged_on": lodged_on}

    def complete_training(self, course: str, hours: int, completed_on: date, ctx: Context) -> None:
        """培训: records a completed course and its hours."""
        if isinstance(hours, bool) or not isinstance(hours, int) or hours <= 0:
            raise Invalid("hours", "training hours are a positive whole number")
        self._training_completed(
            course=text("course", course), hours=hours, completed_on=completed_on, ctx=ctx
        )

    @event("TrainingCompleted")
    def _training_completed(self, course: str, hours: int, completed_on: date, ctx: Context) -> None:
        self.training_hours += hours
        self.training_count += 1

    def record_party_status(self, status: str, effective_on: date, ctx: Context) -> None:
        """政治面貌: records the worker's party status from a date."""
        self._party_status_recorded(
            status=choice("status", PartyStatus, status), effective_on=effective_on, ctx=ctx
        )

    @event("PartyStatusRecorded")
    def _party_status_recorded(self, status: str, effective_on: date, ctx: Context) -> None:
        self.party_status = {"status": status, "effective_on": effective_on}

    def open_dispute(self, dispute_id: str, summary: str, opened_on: date, ctx: Context) -> None:
        """劳动争议: records a labour dispute (allowed after leaving too)."""
        self._labour_dispute_opened(
            dispute_id=dispute_id, summary=text("summary", summary), opened_on=opened_on, ctx=ctx
        )

    @event("LabourDisputeOpened")
    def _labour_dispute_opened(self, dispute_id: str, summary: str, opened_on: date, ctx: Context) -> None:
        self.disputes[dispute_id] = {
            "dispute_id": dispute_id,
            "summary": summary,
            "opened_on": opened_on,
            "outcome": None,
            "resolved_on": None,
        }

    def resolve_dispute(self, dispute_id: str, outcome: str, resolved_on: date, ctx: Context) -> None:
        """Records how a labour dispute was resolved."""
        dispute = self.disputes.get(dispute_id)
        if dispute is None:
            raise NotFound(f"labour dispute {dispute_id} not found for this worker")
        if dispute["resolved_on"] is not None:
            raise RuleViolated(
                "workforce.dispute.already_resolved",
                f"the dispute was resolved on {dispute['resolved_on'].isoformat()}",
            )
        if resolved_on < dispute["opened_on"]:
            raise Invalid("resolved_on", "a dispute cannot be resolved before it was opened")
        self._labour_dispute_resolved(
            dispute_id=dispute_id, outcome=text("outcome", outcome), resolved_on=resolved_on, ctx=ctx
        )

    @event("LabourDisputeResolved")
    def _labour_dispute_resolved(
        self, dispute_id: str, outcome: str, resolved_on: date, ctx: Context
    ) -> None:
        self.disputes[dispute_id].update(outcome=outcome, resolved_on=resolved_on)

    # supervisor 督导

    def designate_supervisor(self, designated_on: date, levels: Iterable[str], ctx: Context) -> None:
        """Designates the worker a supervisor (督导); needs a certificate at one of ``levels``."""
        self.check_not_left()
        if self.supervisor_since is not None:
            raise RuleViolated(
                "workforce.supervisor.already_designated",
                f"{self.name} has been a supervisor since {self.supervisor_since.isoformat()}",
            )
        levels = tuple(levels)
        if not any(level in self.certificates for level in levels):
            raise RuleViolated(
                "workforce.supervisor.requires_certificate",
                f"a supervisor must hold a certificate at level {' or '.join(levels)}",
            )
        self._supervisor_designated(designated_on=designated_on, ctx=ctx)

    @event("SupervisorDesignated")
    def _supervisor_designated(self, designated_on: date, ctx: Context) -> None:
        self.supervisor_since = designated_on

    def assign_supervision(self, station_id: UUID | str, assigned_on: date, max_stations: int, ctx: Context) -> None:
        """Gives the supervisor one more station, within the policy's maximum."""
        station_id = station_ref(station_id)
        self.check_not_left()
        if self.supervisor_since is None:
            raise RuleViolated("workforce.supervisor.not_designated", f"{self.name} is not a supervisor")
        if station_id in self.supervised_stations:
            raise RuleViolated(
                "workforce.supervisor.station_already_supervised",
                f"{self.name} already supervises station {station_id}",
            )
        if len(self.supervised_stations) + 1 > max_stations:
            raise RuleViolated(
                "workforce.supervisor.over_maximum",
                f"{self.name} supervises {len(self.supervised_stations)} stations: "
                f"the maximum is {max_stations}",
                maximum=max_stations,
            )
        self._station_supervision_assigned(station_id=station_id, assigned_on=assigned_on, ctx=ctx)

    @event("StationSupervisionAssigned")
    def _station_supervision_assigned(self, station_id: str, assigned_on: date, ctx: Context) -> None:
        self.supervised_stations.append(station_id)

    def release_supervision(self, station_id: UUID | str, released_on: date, ctx: Context) -> None:
        """Takes a station off the supervisor's list."""
        station_id = station_ref(station_id)
        if station_id not in self.supervised_stations:
            raise RuleViolated(
                "workforce.supervisor.station_not_supervised",
                f"{self.name} does not supervise station {station_id}",
            )
        self._station_supervision_released(station_id=station_id, released_on=released_on, ctx=ctx)

    @event("StationSupervisionReleased")
    def _station_supervision_released(self, station_id: str, released_on: date, ctx: Context) -> None:
        self.supervised_stations.remove(station_id)

    # leaving

    def leave(self, left_on: date, reason: str, ctx: Context) -> None:
        """离职: the worker leaves; their station, supervised stations and labour contract end too."""
        if self.left_on is not None:
            raise RuleViolated(
                "workforce.worker.already_left",
                f"{self.name} already left the workforce on {self.left_on.isoformat()}",
            )
        self.check_not_before_hire(left_on, "workforce.worker.leaves_before_hire")
        reason = text("reason", reason)
        if self.station_id is not None:
            self.unassign_from_station(left_on, "left the workforce", ctx)
        for station_id in list(self.supervised_stations):
            self.release_supervision(station_id, left_on, ctx)
        if self.labour_contract is not None:
            self.end_labour_contract(
                max(left_on, self.labour_contract["starts_on"]), "left the workforce", ctx
            )
        self._left(left_on=left_on, reason=reason, ctx=ctx)

    @event("Left")
    def _left(self, left_on: date, reason: str, ctx: Context) -> None:
        self.left_on = left_on
        self.left_reason = reason


