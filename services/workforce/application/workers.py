"""Commands on social workers (社工): hiring, identity, qualifications, labour contract, station, pay and leaving.

Who may: the civil affairs admin, or a contractor for its own workers (and only to stations its contracts cover);
HR and social security records certificates too, records training (as a contractor does its own workers'
in-house training), and alone awards titles and handles labour disputes; the party organisation records party status.
"""

from __future__ import annotations

from typing import Any, ClassVar, Unpack
from uuid import UUID, uuid5

from pydantic import Field

from services.workforce.application.base import EMPLOYER, HR, PARTY, ChangeOptions, WorkforceBase
from services.workforce.application.fields import Choice, Month, OrganisationRef
from services.workforce.application.views import masked_worker
from services.workforce.domain import (
    ServiceOrganisation,
    SocialWorker,
    validate_national_id,
    validate_phone,
)
from shared.application import Command, Outcome
from shared.domain import Context, Role, RuleViolated
from shared.fields import Day, Name, NationalId, Phone, PositiveFen, RequiredText, ShortText, WholeHours


class HireWorker(Command):
    """招聘: a social worker hired into an organisation."""

    employer_id: OrganisationRef
    name: Name
    national_id_number: NationalId = Field(description="身份证号 (personal data)")
    phone: Phone = Field(description="mobile phone (personal data)")
    hired_on: Day

    unfingerprinted: ClassVar[frozenset[str]] = frozenset({"national_id_number", "phone"})


class ChangePhone(Command):
    """The worker's new phone number."""

    phone: Phone

    unfingerprinted: ClassVar[frozenset[str]] = frozenset({"phone"})


class RecordEducation(Command):
    """学历: a degree or diploma."""

    level: Choice = Field(description="secondary, junior_college, bachelor, master or doctorate")
    major: ShortText = ""
    school: Name


class RecordCertificate(Command):
    """社会工作者职业水平证书: a professional certificate obtained."""

    level: Choice = Field(description="assistant, social_worker or senior")
    obtained_on: Day
    number: Name


class AwardTitle(Command):
    """职称: a professional title."""

    title: Name
    awarded_on: Day


class SignLabourContract(Command):
    """劳动合同: a signed labour contract."""

    starts_on: Day
    ends_on: Day | None = Field(description="null: open-ended")


class RenewLabourContract(Command):
    """续签: the current labour contract extended."""

    ends_on: Day | None = Field(description="null: open-ended")


class EndLabourContract(Command):
    """The current labour contract ended."""

    ended_on: Day
    reason: ShortText = ""


class AssignToStation(Command):
    """驻站: the worker posted to a station."""

    station_id: UUID
    assigned_on: Day


class TransferToStation(Command):
    """调动: the worker moved to another station."""

    station_id: UUID
    transferred_on: Day


class UnassignFromStation(Command):
    """The worker's station assignment ended."""

    unassigned_on: Day
    reason: ShortText = ""


class RecordPay(Command):
    """月工资: a month's gross pay."""

    period: Month = Field(description="the month paid, YYYY-MM")
    gross_fen: PositiveFen
    paid_on: Day


class EnrolInsurance(Command):
    """五险一金: enrolment in insurance items and the housing fund."""

    items: list[Choice] = Field(min_length=1, max_length=6, description="pension, medical, unemployment, "
                                "work_injury, maternity, housing_fund")
    enrolled_on: Day


class RecordPersonnelFile(Command):
    """人事档案: where the worker's personnel file is kept."""

    held_at: Name
    lodged_on: Day


class LeaveWorkforce(Command):
    """离职: the worker leaves."""

    left_on: Day
    reason: RequiredText


class RecordTraining(Command):
    """培训: a completed training course."""

    course: Name
    hours: WholeHours
    completed_on: Day


class OpenDispute(Command):
    """劳动争议: a labour dispute opened."""

    summary: RequiredText
    opened_on: Day


class ResolveDispute(Command):
    """How a labour dispute was resolved."""

    outcome: RequiredText
    resolved_on: Day


class RecordPartyStatus(Command):
    """政治面貌: the worker's party status."""

    status: Choice = Field(description="member, activist or none")
    effective_on: Day


class WorkerCommands(WorkforceBase):
    """Each command: who may, then the worker's own rule (in the domain), answered with the worker as it now is."""

    def hire_worker(self, ctx: Context, command: HireWorker, idempotency_key: str | None = None) -> dict[str, Any]:
        """招聘: hires a social worker into an organisation (personal data kept, never published)."""
        ctx.require(*EMPLOYER)

        def handler() -> Outcome:
            number = validate_national_id(command.national_id_number)
            phone = validate_phone(command.phone)
            employer = self.load(ServiceOrganisation, command.employer_id)
            self.check_employer(ctx, employer)
            worker_id = self.worker_id_for(number)
            if self.exists(worker_id):
                if ctx.has_role(Role.CONTRACTOR) and not self.employs(ctx, self.load(SocialWorker, worker_id)):
                    # Neither the worker's id nor its employer: another organisation's worker stays out of sight.
                    raise RuleViolated("workforce.worker.not_hireable",
                                       "this person cannot be hired by this organisation now")
                raise RuleViolated("workforce.worker.already_hired",
                                   "a worker with this national id number is already on record",
                                   worker_id=str(worker_id))
            fields = {**dict(command), "national_id_number": number, "phone": phone}
            worker = SocialWorker(id=worker_id, **fields, ctx=ctx)
            return Outcome(result=masked_worker(worker), changed=[worker])

        # The idempotency record keeps a keyed digest of the personal data, never the data itself.
        personal = self.digest(f"{command.national_id_number.upper()}|{command.phone}")
        return self.execute(ctx, command, handler, idempotency_key, about=(personal,))

    def change_phone(self, ctx: Context, worker_id: UUID, command: ChangePhone,
                     **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records the worker's new phone number."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.change_phone(**dict(command), ctx=ctx), about=(self.digest(command.phone),),
                              **options)

    def record_education(self, ctx: Context, worker_id: UUID, command: RecordEducation,
                         **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """学历: records a degree or diploma."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.record_education(**dict(command), ctx=ctx), **options)

    def record_certificate(self, ctx: Context, worker_id: UUID, command: RecordCertificate,
                           **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """社会工作者职业水平证书: records a certificate obtained."""
        return self.on_worker(ctx, (*EMPLOYER, HR), worker_id, command,
                              lambda w: w.obtain_certificate(**dict(command), ctx=ctx), **options)

    def award_title(self, ctx: Context, worker_id: UUID, command: AwardTitle,
                    **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """职称: records a professional title."""
        return self.on_worker(ctx, (HR,), worker_id, command,
                              lambda w: w.award_title(**dict(command), ctx=ctx), **options)

    def sign_labour_contract(self, ctx: Context, worker_id: UUID, command: SignLabourContract,
                             **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """劳动合同: records a signed labour contract (``ends_on`` None: open-ended)."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.sign_labour_contract(**dict(command), ctx=ctx), **options)

    def renew_labour_contract(self, ctx: Context, worker_id: UUID, command: RenewLabourContract,
                              **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """续签: extends the current labour contract."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.renew_labour_contract(**dict(command), ctx=ctx), **options)

    def end_labour_contract(self, ctx: Context, worker_id: UUID, command: EndLabourContract,
                            **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records that the current labour contract ended."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.end_labour_contract(**dict(command), ctx=ctx), **options)

    def assign_to_station(self, ctx: Context, worker_id: UUID, command: AssignToStation,
                          **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """驻站: assigns the worker to a station (one at a time; a contractor only to stations it holds)."""

        def act(worker: SocialWorker) -> None:
            self.check_station_contracted(ctx, worker, command.station_id)
            worker.assign_to_station(**dict(command), ctx=ctx)

        return self.on_worker(ctx, EMPLOYER, worker_id, command, act, **options)

    def transfer_to_station(self, ctx: Context, worker_id: UUID, command: TransferToStation,
                            **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """调动: moves the worker to another station (a contractor only to stations it holds)."""

        def act(worker: SocialWorker) -> None:
            self.check_station_contracted(ctx, worker, command.station_id)
            worker.transfer_to_station(**dict(command), ctx=ctx)

        return self.on_worker(ctx, EMPLOYER, worker_id, command, act, **options)

    def unassign_from_station(self, ctx: Context, worker_id: UUID, command: UnassignFromStation,
                              **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Ends the worker's current station assignment."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.unassign_from_station(**dict(command), ctx=ctx), **options)

    def record_pay(self, ctx: Context, worker_id: UUID, command: RecordPay,
                   **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """月工资: records a month's gross pay; pay below the minimum wage is accepted and flagged."""
        minimum = self.policy.minimum_wage_fen
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.record_pay(**dict(command), minimum_wage_fen=minimum, ctx=ctx), **options)

    def enrol_insurance(self, ctx: Context, worker_id: UUID, command: EnrolInsurance,
                        **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """五险一金: records enrolment in one or more insurance items / the housing fund."""

        def act(worker: SocialWorker) -> None:
            for item in command.items:
                worker.enrol_insurance(item, command.enrolled_on, ctx)

        return self.on_worker(ctx, EMPLOYER, worker_id, command, act, **options)

    def record_personnel_file(self, ctx: Context, worker_id: UUID, command: RecordPersonnelFile,
                              **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """人事档案: records where the worker's personnel file is kept."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.lodge_personnel_file(**dict(command), ctx=ctx), **options)

    def leave_workforce(self, ctx: Context, worker_id: UUID, command: LeaveWorkforce,
                        **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """离职: the worker leaves; station, supervision and labour contract end with it."""
        return self.on_worker(ctx, EMPLOYER, worker_id, command,
                              lambda w: w.leave(**dict(command), ctx=ctx), **options)

    def record_training(self, ctx: Context, worker_id: UUID, command: RecordTraining,
                        **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """培训: records a completed training course (HR's courses, or a contractor's in-house training of its own
        workers, which the plan makes the contractor's duty)."""
        return self.on_worker(ctx, (HR, Role.CONTRACTOR), worker_id, command,
                              lambda w: w.complete_training(**dict(command), ctx=ctx), **options)

    def open_dispute(self, ctx: Context, worker_id: UUID, command: OpenDispute,
                     **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """劳动争议: opens a labour dispute (its ``dispute_id`` is the last of the worker's ``disputes``)."""

        def act(worker: SocialWorker) -> None:
            dispute_id = str(uuid5(worker.id, f"dispute:{len(worker.disputes) + 1}"))
            worker.open_dispute(dispute_id, **dict(command), ctx=ctx)

        return self.on_worker(ctx, (HR,), worker_id, command, act, **options)

    def resolve_dispute(self, ctx: Context, worker_id: UUID, dispute_id: UUID, command: ResolveDispute,
                        **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records how a labour dispute was resolved."""
        return self.on_worker(ctx, (HR,), worker_id, command,
                              lambda w: w.resolve_dispute(str(dispute_id), **dict(command), ctx=ctx), **options)

    def record_party_status(self, ctx: Context, worker_id: UUID, command: RecordPartyStatus,
                            **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """政治面貌: records the worker's party status."""
        return self.on_worker(ctx, (PARTY,), worker_id, command,
                              lambda w: w.record_party_status(**dict(command), ctx=ctx), **options)

