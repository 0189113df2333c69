"""Workforce application (社工人才队伍): the commands and queries of the workforce service.

Who may do what (``ctx.role``; "own" means ``ctx.organisation`` is the worker's employer, given
as the organisation's id or its unified social credit code):

| command                                                  | who may                                      |
|----------------------------------------------------------|----------------------------------------------|
| register_organisation, register_in_county                | civil_affairs_admin                          |
| record_party_organisation                                | party_organisation                           |
| record_contract, record_contract_ended                   | system (stations events), civil_affairs_admin|
| hire_worker                                              | civil_affairs_admin; contractor into own org |
| change_phone, record_education                           | civil_affairs_admin; contractor, own worker  |
| record_certificate                                       | civil_affairs_admin; contractor, own; hr     |
| sign_ / renew_ / end_labour_contract                     | civil_affairs_admin; contractor, own worker  |
| assign_to_station, transfer_to_station                   | civil_affairs_admin; contractor, own (1)     |
| unassign_from_station                                    | civil_affairs_admin; contractor, own worker  |
| record_pay, enrol_insurance                              | civil_affairs_admin; contractor, own worker  |
| record_personnel_file, leave_workforce                   | civil_affairs_admin; contractor, own worker  |
| award_title, record_training                             | hr_social_security                           |
| open_dispute, resolve_dispute                            | hr_social_security                           |
| record_party_status                                      | party_organisation                           |
| designate_supervisor, assign_ / release_supervision      | civil_affairs_admin                          |
| enter_baseline, record_yearly_figures, correct_baseline  | civil_affairs_admin                          |

(1) a contractor may only assign or transfer a worker to a station one of its contracts covers.

Queries: ``get_worker`` shows the national id number and phone masked unless the caller asks
to reveal them *and* is civil_affairs_admin, hr_social_security or the employing contractor;
every reveal is logged. ``view_worker`` is the same for a caller over HTTP: it also checks that the
caller may read the record at all (contractors only their own workers) and refuses (403) a reveal the
caller may not have. ``masked_identities`` gives list responses their masked values.
``get_organisation``, ``supervisor_load`` and ``get_baseline`` carry no personal data.

A worker's id is derived from a keyed hash (HMAC) of the national id number, so the same person
cannot be hired twice and the id published on every event does not reveal the number. The key
is ``WORKFORCE_IDENTITY_KEY`` in the environment, else one derived from the store's ``CIPHER_KEY``;
keep it stable, or the same person could be hired twice under a new id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from services.workforce.domain import (
    DEFAULT_POLICY,
    WORKFORCE_NAMESPACE,
    Policy,
    ServiceOrganisation,
    SocialWorker,
    WorkforceBaseline,
    check_count,
    mask_national_id,
    mask_phone,
    required_text,
    station_ref,
    validate_credit_code,
    validate_national_id,
    validate_phone,
)
from shared.application import Outcome, ServiceApplication
from shared.domain import Context, Forbidden, NotFound, Role, RuleViolated

log = logging.getLogger("sw.workforce.personal_data")

ADMIN = Role.CIVIL_AFFAIRS_ADMIN
EMPLOYER = (Role.CIVIL_AFFAIRS_ADMIN, Role.CONTRACTOR)
REVEALERS = (Role.CIVIL_AFFAIRS_ADMIN, Role.HR_SOCIAL_SECURITY)
WORKER_READERS = (*EMPLOYER, Role.HR_SOCIAL_SECURITY, Role.PARTY_ORGANISATION, Role.AUDITOR)
# Used only when no key is configured (unit tests, a laptop); production sets WORKFORCE_IDENTITY_KEY.
DEVELOPMENT_IDENTITY_KEY = "sw-workforce-development-identity-key"


def identity_key(dedicated: str | None, cipher_key: str | None) -> bytes:
    """The HMAC key for worker ids: the dedicated key, else one derived from the store's cipher key."""
    if dedicated:
        return dedicated.encode()
    if cipher_key:
        # Domain-separated, so the AES key itself is never used as an HMAC key.
        return hashlib.sha256(b"sw-workforce-identity\x00" + cipher_key.encode()).digest()
    return DEVELOPMENT_IDENTITY_KEY.encode()


WorkerAction = Callable[[SocialWorker], dict[str, Any] | None]


class Workforce(ServiceApplication):
    """The workforce service: organisations, social workers, supervisors, the county baseline."""

    def __init__(self, env: dict[str, str] | None = None, policy: Policy = DEFAULT_POLICY) -> None:
        super().__init__(env=env)
        self.policy = policy
        self._identity_key = identity_key(self.env.get("WORKFORCE_IDENTITY_KEY"), self.env.get("CIPHER_KEY"))

    # --- ids ---------------------------------------------------------------------------------

    def worker_id_for(self, national_id_number: str) -> UUID:
        """The worker id of a national id number (keyed hash: it does not reveal the number)."""
        number = validate_national_id(national_id_number)
        return uuid5(WORKFORCE_NAMESPACE, f"worker:{self._digest(number)}")

    def _digest(self, text: str) -> str:
        """A keyed digest of personal data: stable, but not reversible by guessing numbers."""
        return hmac.new(self._identity_key, str(text).encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def organisation_id_for(unified_social_credit_code: str) -> UUID:
        """The organisation id of a unified social credit code."""
        return ServiceOrganisation.create_id(validate_credit_code(unified_social_credit_code))

    @staticmethod
    def baseline_id_for(county_code: str) -> UUID:
        """The baseline id of a county."""
        return WorkforceBaseline.create_id(county_code)

    # --- organisations -----------------------------------------------------------------------

    def register_organisation(
        self,
        ctx: Context,
        *,
        name: str,
        unified_social_credit_code: str,
        registered_in_county: bool,
        registration_place: str,
        registered_on: date,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """社工服务机构: registers a service organisation."""
        ctx.require(ADMIN)
        payload = {
            "name": name,
            "code": unified_social_credit_code,
            "in_county": registered_in_county,
            "place": registration_place,
            "on": registered_on,
        }

        def handler() -> Outcome:
            code = validate_credit_code(unified_social_credit_code)
            organisation_id = ServiceOrganisation.create_id(code)
            if self.exists(organisation_id):
                raise RuleViolated(
                    "workforce.organisation.already_registered",
                    f"an organisation with credit code {code} is already registered",
                    organisation_id=str(organisation_id),
                )
            organisation = ServiceOrganisation(
                name=required_text("name", name),
                unified_social_credit_code=code,
                registered_in_county=bool(registered_in_county),
                registration_place=required_text("registration_place", registration_place),
                registered_on=registered_on,
                ctx=ctx,
            )
            return Outcome(result=_organisation_view(organisation), changed=[organisation])

        return self.execute(ctx, "register_organisation", payload, handler, idempotency_key)

    def register_in_county(
        self,
        ctx: Context,
        *,
        organisation_id: UUID,
        registered_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records that an organisation registered elsewhere is now registered in the county."""
        ctx.require(ADMIN)
        return self._on_organisation(
            ctx,
            "register_in_county",
            {"id": str(organisation_id), "on": registered_on},
            organisation_id,
            expected_version,
            idempotency_key,
            lambda o: o.register_in_county(registered_on, ctx),
        )

    def record_party_organisation(
        self,
        ctx: Context,
        *,
        organisation_id: UUID,
        set_up_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """党组织: records that the organisation set up its party organisation."""
        ctx.require(Role.PARTY_ORGANISATION)
        return self._on_organisation(
            ctx,
            "record_party_organisation",
            {"id": str(organisation_id), "on": set_up_on},
            organisation_id,
            expected_version,
            idempotency_key,
            lambda o: o.set_up_party_organisation(set_up_on, ctx),
        )

    def record_contract(
        self,
        ctx: Context,
        *,
        organisation_id: UUID,
        contract_id: UUID | str,
        station_ids: Iterable[UUID | str],
        source_seq: int,
    ) -> dict[str, Any]:
        """Records a service contract the organisation holds (fed from stations events; idempotent)."""
        ctx.require(Role.SYSTEM, ADMIN)
        contract = station_ref(contract_id, "contract_id")
        stations = tuple(station_ref(s, "station_ids") for s in station_ids)
        payload = {"id": str(organisation_id), "contract": contract, "stations": stations, "seq": source_seq}
        return self._on_organisation(
            ctx,
            "record_contract",
            payload,
            organisation_id,
            None,
            None,
            lambda o: o.record_contract(contract, stations, source_seq, ctx),
        )

    def record_contract_ended(
        self, ctx: Context, *, organisation_id: UUID, contract_id: UUID | str, source_seq: int
    ) -> dict[str, Any]:
        """Records that a service contract ended (fed from stations events; idempotent)."""
        ctx.require(Role.SYSTEM, ADMIN)
        contract = station_ref(contract_id, "contract_id")
        payload = {"id": str(organisation_id), "contract": contract, "seq": source_seq}
        return self._on_organisation(
            ctx,
            "record_contract_ended",
            payload,
            organisation_id,
            None,
            None,
            lambda o: o.record_contract_ended(contract, source_seq, ctx),
        )

    def _on_organisation(
        self,
        ctx: Context,
        command: str,
        payload: dict[str, Any],
        organisation_id: UUID,
        expected_version: int | None,
        idempotency_key: str | None,
        act: Callable[[ServiceOrganisation], Any],
    ) -> dict[str, Any]:
        def acted(organisation: ServiceOrganisation) -> dict[str, Any] | None:
            recorded = act(organisation)
            return {"recorded": recorded} if isinstance(recorded, bool) else None

        return self.change(
            ctx, command, payload, ServiceOrganisation, organisation_id, acted, _organisation_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    # --- workers: hiring and identity ------------------------------------------------------

    def hire_worker(
        self,
        ctx: Context,
        *,
        employer_id: UUID,
        name: str,
        national_id_number: str,
        phone: str,
        hired_on: date,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """招聘: hires a social worker into an organisation (personal data kept, never published)."""
        ctx.require(*EMPLOYER)
        # The payload only fingerprints the request: a digest, not the personal data itself.
        payload = {
            "employer": str(employer_id),
            "name": name,
            "on": hired_on,
            "who": self._digest(f"{national_id_number}|{phone}"),
        }

        def handler() -> Outcome:
            number = validate_national_id(national_id_number)
            mobile = validate_phone(phone)
            employer = self.load(ServiceOrganisation, employer_id)
            self._check_employer(ctx, employer)
            worker_id = self.worker_id_for(number)
            if self.exists(worker_id):
                raise RuleViolated(
                    "workforce.worker.already_hired",
                    "a worker with this national id number is already on record",
                    worker_id=str(worker_id),
                )
            worker = SocialWorker(
                id=worker_id,
                name=required_text("name", name),
                national_id_number=number,
                phone=mobile,
                employer_id=employer.id,
                hired_on=hired_on,
                ctx=ctx,
            )
            return Outcome(result=_worker_view(worker), changed=[worker])

        return self.execute(ctx, "hire_worker", payload, handler, idempotency_key)

    def change_phone(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        phone: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records the worker's new phone number."""
        payload = {"id": str(worker_id), "phone": self._digest(phone)}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "change_phone",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.change_phone(phone, ctx),
        )

    def record_education(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        level: str,
        major: str,
        school: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """学历: records a degree or diploma."""
        payload = {"id": str(worker_id), "level": level, "major": major, "school": school}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "record_education",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.record_education(level, major, school, ctx),
        )

    def record_certificate(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        level: str,
        obtained_on: date,
        number: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """社会工作者职业水平证书: records a certificate obtained."""
        payload = {"id": str(worker_id), "level": level, "on": obtained_on, "number": number}
        return self._on_worker(
            ctx,
            (*EMPLOYER, Role.HR_SOCIAL_SECURITY),
            "record_certificate",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.obtain_certificate(level, obtained_on, number, ctx),
        )

    def award_title(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        title: str,
        awarded_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """职称: records a professional title."""
        payload = {"id": str(worker_id), "title": title, "on": awarded_on}
        return self._on_worker(
            ctx,
            (Role.HR_SOCIAL_SECURITY,),
            "award_title",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.award_title(title, awarded_on, ctx),
        )

    # --- labour contract -----------------------------------------------------------------------

    def sign_labour_contract(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        starts_on: date,
        ends_on: date | None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """劳动合同: records a signed labour contract (``ends_on`` None: open-ended)."""
        payload = {"id": str(worker_id), "starts": starts_on, "ends": ends_on}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "sign_labour_contract",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.sign_labour_contract(starts_on, ends_on, ctx),
        )

    def renew_labour_contract(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        ends_on: date | None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """续签: extends the current labour contract."""
        payload = {"id": str(worker_id), "ends": ends_on}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "renew_labour_contract",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.renew_labour_contract(ends_on, ctx),
        )

    def end_labour_contract(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        ended_on: date,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records that the current labour contract ended."""
        payload = {"id": str(worker_id), "on": ended_on, "reason": reason}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "end_labour_contract",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.end_labour_contract(ended_on, reason, ctx),
        )

    # --- stations ------------------------------------------------------------------------------

    def assign_to_station(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        station_id: UUID | str,
        assigned_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """驻站: assigns the worker to a station (one at a time)."""
        station = station_ref(station_id)
        payload = {"id": str(worker_id), "station": station, "on": assigned_on}

        def act(worker: SocialWorker) -> None:
            self._check_station_contracted(ctx, worker, station)
            worker.assign_to_station(station, assigned_on, ctx)

        return self._on_worker(
            ctx, EMPLOYER, "assign_to_station", payload, worker_id, expected_version, idempotency_key, act
        )

    def transfer_to_station(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        station_id: UUID | str,
        transferred_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """调动: moves the worker to another station."""
        station = station_ref(station_id)
        payload = {"id": str(worker_id), "station": station, "on": transferred_on}

        def act(worker: SocialWorker) -> None:
            self._check_station_contracted(ctx, worker, station)
            worker.transfer_to_station(station, transferred_on, ctx)

        return self._on_worker(
            ctx, EMPLOYER, "transfer_to_station", payload, worker_id, expected_version, idempotency_key, act
        )

    def unassign_from_station(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        unassigned_on: date,
        reason: str = "",
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Ends the worker's current station assignment."""
        payload = {"id": str(worker_id), "on": unassigned_on, "reason": reason}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "unassign_from_station",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.unassign_from_station(unassigned_on, reason, ctx),
        )

    # --- pay, insurance, file, leaving ---------------------------------------------------------

    def record_pay(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        period: str,
        gross_fen: int,
        paid_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """月工资: records a month's gross pay; pay below the minimum wage is accepted and flagged."""
        payload = {"id": str(worker_id), "period": period, "gross_fen": gross_fen, "paid_on": paid_on}

        def act(worker: SocialWorker) -> dict[str, Any]:
            below = worker.record_pay(period, gross_fen, paid_on, self.policy.minimum_wage_fen, ctx)
            return {"period": period, "below_minimum_wage": below}

        return self._on_worker(
            ctx, EMPLOYER, "record_pay", payload, worker_id, expected_version, idempotency_key, act
        )

    def enrol_insurance(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        items: Iterable[str],
        enrolled_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """五险一金: records enrolment in one or more insurance items / the housing fund."""
        chosen = [items] if isinstance(items, str) else list(items)
        payload = {"id": str(worker_id), "items": chosen, "on": enrolled_on}

        def act(worker: SocialWorker) -> None:
            for item in chosen:
                worker.enrol_insurance(item, enrolled_on, ctx)

        return self._on_worker(
            ctx, EMPLOYER, "enrol_insurance", payload, worker_id, expected_version, idempotency_key, act
        )

    def record_personnel_file(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        held_at: str,
        lodged_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """人事档案: records where the worker's personnel file is kept."""
        payload = {"id": str(worker_id), "held_at": held_at, "on": lodged_on}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "record_personnel_file",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.lodge_personnel_file(held_at, lodged_on, ctx),
        )

    def leave_workforce(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        left_on: date,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """离职: the worker leaves; station, supervision and labour contract end with it."""
        payload = {"id": str(worker_id), "on": left_on, "reason": reason}
        return self._on_worker(
            ctx,
            EMPLOYER,
            "leave_workforce",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.leave(left_on, reason, ctx),
        )

    # --- HR and party ------------------------------------------------------------------------

    def record_training(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        course: str,
        hours: int,
        completed_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """培训: records a completed training course."""
        payload = {"id": str(worker_id), "course": course, "hours": hours, "on": completed_on}
        return self._on_worker(
            ctx,
            (Role.HR_SOCIAL_SECURITY,),
            "record_training",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.complete_training(course, hours, completed_on, ctx),
        )

    def open_dispute(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        summary: str,
        opened_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """劳动争议: opens a labour dispute; the reply carries its ``dispute_id``."""
        payload = {"id": str(worker_id), "summary": summary, "on": opened_on}

        def act(worker: SocialWorker) -> dict[str, Any]:
            dispute_id = str(uuid5(worker.id, f"dispute:{len(worker.disputes) + 1}"))
            worker.open_dispute(dispute_id, summary, opened_on, ctx)
            return {"dispute_id": dispute_id}

        return self._on_worker(
            ctx,
            (Role.HR_SOCIAL_SECURITY,),
            "open_dispute",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            act,
        )

    def resolve_dispute(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        dispute_id: str,
        outcome: str,
        resolved_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records how a labour dispute was resolved."""
        payload = {"id": str(worker_id), "dispute": dispute_id, "outcome": outcome, "on": resolved_on}
        return self._on_worker(
            ctx,
            (Role.HR_SOCIAL_SECURITY,),
            "resolve_dispute",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.resolve_dispute(str(dispute_id), outcome, resolved_on, ctx),
        )

    def record_party_status(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        status: str,
        effective_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """政治面貌: records the worker's party status (member / activist / none)."""
        payload = {"id": str(worker_id), "status": status, "on": effective_on}
        return self._on_worker(
            ctx,
            (Role.PARTY_ORGANISATION,),
            "record_party_status",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.record_party_status(status, effective_on, ctx),
        )

    # --- supervisors 督导 ----------------------------------------------------------------------

    def designate_supervisor(
        self,
        ctx: Context,
        *,
        worker_id: UUID,
        designated_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Designates a worker holding a qualifying certificate as supervisor (督导)."""
        payload = {"id": str(worker_id), "on": designated_on}
        levels = self.policy.supervisor_certificate_levels
        return self._on_worker(
            ctx,
            (ADMIN,),
            "designate_supervisor",
            payload,
            worker_id,
            expected_version,
            idempotency_key,
            lambda w: w.designate_supervisor(designated_on, levels, ctx),
        )

    def assign_supervision(
        self,
        ctx: Context,
        *,
        supervisor_id: UUID,
        station_id: UUID | str,
        assigned_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Gives a supervisor one more station, refused above the policy maximum."""
        station = station_ref(station_id)
        payload = {"id": str(supervisor_id), "station": station, "on": assigned_on}
        maximum = self.policy.supervisor_max_stations
        return self._on_worker(
            ctx,
            (ADMIN,),
            "assign_supervision",
            payload,
            supervisor_id,
            expected_version,
            idempotency_key,
            lambda w: w.assign_supervision(station, assigned_on, maximum, ctx),
        )

    def release_supervision(
        self,
        ctx: Context,
        *,
        supervisor_id: UUID,
        station_id: UUID | str,
        released_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Takes a station off a supervisor's list."""
        station = station_ref(station_id)
        payload = {"id": str(supervisor_id), "station": station, "on": released_on}
        return self._on_worker(
            ctx,
            (ADMIN,),
            "release_supervision",
            payload,
            supervisor_id,
            expected_version,
            idempotency_key,
            lambda w: w.release_supervision(station, released_on, ctx),
        )

    # --- baseline ------------------------------------------------------------------------------

    def enter_baseline(
        self,
        ctx: Context,
        *,
        county_code: str,
        certified_social_workers: int,
        professionals: int,
        year: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Enters the county's workforce baseline (default year: the year before the plan starts)."""
        ctx.require(ADMIN)
        base_year = year if year is not None else self.policy.plan_start.year - 1
        payload = {
            "county": county_code,
            "certified": certified_social_workers,
            "professionals": professionals,
            "year": base_year,
        }

        def handler() -> Outcome:
            county = required_text("county_code", county_code)
            if self.exists(WorkforceBaseline.create_id(county)):
                raise RuleViolated(
                    "workforce.baseline.already_entered",
                    f"county {county} has a baseline already: correct it instead",
                )
            baseline = WorkforceBaseline(
                county_code=county,
                year=base_year,
                certified_social_workers=check_count("certified_social_workers", certified_social_workers),
                professionals=check_count("professionals", professionals),
                ctx=ctx,
            )
            return Outcome(result=_baseline_result(baseline), changed=[baseline])

        return self.execute(ctx, "enter_baseline", payload, handler, idempotency_key)

    def record_yearly_figures(
        self,
        ctx: Context,
        *,
        county_code: str,
        year: int,
        certified_social_workers: int,
        professionals: int,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records a later year's certified and professional counts."""
        payload = {
            "county": county_code,
            "year": year,
            "certified": certified_social_workers,
            "professionals": professionals,
        }
        return self._on_baseline(
            ctx,
            "record_yearly_figures",
            payload,
            county_code,
            expected_version,
            idempotency_key,
            lambda b: b.record_year(year, certified_social_workers, professionals, ctx),
        )

    def correct_baseline(
        self,
        ctx: Context,
        *,
        county_code: str,
        certified_social_workers: int,
        professionals: int,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Corrects the baseline figures (``ctx.reason`` required)."""
        payload = {
            "county": county_code,
            "certified": certified_social_workers,
            "professionals": professionals,
        }
        return self._on_baseline(
            ctx,
            "correct_baseline",
            payload,
            county_code,
            expected_version,
            idempotency_key,
            lambda b: b.correct(certified_social_workers, professionals, ctx),
        )

    def _on_baseline(
        self,
        ctx: Context,
        command: str,
        payload: dict[str, Any],
        county_code: str,
        expected_version: int | None,
        idempotency_key: str | None,
        act: Callable[[WorkforceBaseline], None],
    ) -> dict[str, Any]:
        ctx.require(ADMIN)

        return self.change(
            ctx, command, payload, WorkforceBaseline, WorkforceBaseline.create_id(county_code.strip()), act,
            _baseline_result, expected_version=expected_version, idempotency_key=idempotency_key,
        )

    # --- queries -------------------------------------------------------------------------------

    def get_worker(
        self, worker_id: UUID, reveal_personal_data: bool = False, ctx: Context | None = None
    ) -> dict[str, Any]:
        """A worker's record; id number and phone masked unless revealed to a role that needs them."""
        worker = self.load(SocialWorker, worker_id)
        reveal = bool(reveal_personal_data and ctx is not None and self._may_reveal(ctx, worker))
        if reveal:
            assert ctx is not None
            log.info(
                "personal data of worker %s revealed to %s (%s, %s)",
                worker.id,
                ctx.actor,
                ctx.role,
                ctx.organisation,
            )
        return worker_view(worker, reveal)

    def view_worker(self, ctx: Context, worker_id: UUID, reveal_personal_data: bool = False) -> dict[str, Any]:
        """A worker's record for a caller allowed to read it; asking to reveal without the right is refused."""
        ctx.require(*WORKER_READERS)
        worker = self.load(SocialWorker, worker_id)
        if ctx.has_role(Role.CONTRACTOR) and not self._employs(ctx, worker):
            raise NotFound(f"socialworker {worker_id} not found")  # other organisations' workers stay hidden
        if reveal_personal_data and not self._may_reveal(ctx, worker):
            raise Forbidden(f"role {ctx.role!r} may not see personal data; the record is shown masked without reveal")
        return self.get_worker(worker_id, reveal_personal_data, ctx)

    def find_worker(self, ctx: Context, national_id_number: str) -> dict[str, Any]:
        """The worker id of a national id number, if that person is on record (and visible to the caller)."""
        ctx.require(*EMPLOYER, Role.HR_SOCIAL_SECURITY)
        worker_id = self.worker_id_for(national_id_number)
        if not self.exists(worker_id):
            raise NotFound("no worker with this national id number is on record")
        worker = self.load(SocialWorker, worker_id)
        if ctx.has_role(Role.CONTRACTOR) and not self._employs(ctx, worker):
            raise NotFound("no worker with this national id number is on record")
        return {"worker_id": str(worker_id), "version": worker.version}

    def masked_identities(self, worker_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """The masked national id number and phone of each worker, for lists (never the whole values)."""
        masked = {}
        for worker_id in worker_ids:
            worker = self.load(SocialWorker, UUID(str(worker_id)))
            masked[str(worker_id)] = {
                "national_id_number": mask_national_id(worker.national_id_number),
                "phone": mask_phone(worker.phone),
            }
        return masked

    def get_organisation(self, organisation_id: UUID) -> dict[str, Any]:
        """An organisation's record, with the contracts and stations it holds."""
        organisation = self.load(ServiceOrganisation, organisation_id)
        stations = sorted({s for ids in organisation.contracts.values() for s in ids})
        party = organisation.party_organisation_set_up_on
        return {
            "organisation_id": str(organisation.id),
            "name": organisation.name,
            "unified_social_credit_code": organisation.unified_social_credit_code,
            "registered_in_county": organisation.registered_in_county,
            "registration_place": organisation.registration_place,
            "registered_on": organisation.registered_on.isoformat(),
            "party_organisation": {"set_up_on": party.isoformat()} if party else None,
            "contracts": {cid: list(ids) for cid, ids in organisation.contracts.items()},
            "stations": stations,
            "version": organisation.version,
        }

    def supervisor_load(self, supervisor_id: UUID) -> dict[str, Any]:
        """How many stations a supervisor has against the policy's 5–8, with warnings."""
        worker = self.load(SocialWorker, supervisor_id)
        if worker.supervisor_since is None:
            raise NotFound(f"supervisor {supervisor_id} not found: {worker.name} is not a supervisor")
        count = len(worker.supervised_stations)
        low, high = self.policy.supervisor_min_stations, self.policy.supervisor_max_stations
        warnings = []
        if count < low:
            warnings.append(
                {
                    "code": "workforce.supervisor.below_minimum",
                    "message": f"{worker.name} supervises {count} stations: the plan expects at least {low}",
                    "data": {"count": count, "minimum": low},
                }
            )
        return {
            "supervisor_id": str(worker.id),
            "name": worker.name,
            "supervisor_since": worker.supervisor_since.isoformat(),
            "stations": list(worker.supervised_stations),
            "count": count,
            "minimum": low,
            "maximum": high,
            "status": "below_minimum" if count < low else "within_range",
            "warnings": warnings,
            "version": worker.version,
        }

    def get_baseline(self, county_code: str) -> dict[str, Any]:
        """The county's baseline and yearly figures (the shape ``assess_targets`` takes)."""
        return _baseline_result(
            self.load(WorkforceBaseline, WorkforceBaseline.create_id(county_code.strip()))
        )

    # --- helpers -------------------------------------------------------------------------------

    def _on_worker(
        self,
        ctx: Context,
        roles: tuple[Role, ...],
        command: str,
        payload: dict[str, Any],
        worker_id: UUID,
        expected_version: int | None,
        idempotency_key: str | None,
        act: WorkerAction,
    ) -> dict[str, Any]:
        ctx.require(*roles)

        def checked(worker: SocialWorker) -> dict[str, Any] | None:
            self._check_employs(ctx, worker)
            return act(worker)

        return self.change(
            ctx, command, payload, SocialWorker, worker_id, checked, _worker_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def _is_own(self, ctx: Context, organisation: ServiceOrganisation) -> bool:
        return ctx.organisation in {str(organisation.id), organisation.unified_social_credit_code}

    def _check_employer(self, ctx: Context, organisation: ServiceOrganisation) -> None:
        if ctx.has_role(Role.CONTRACTOR) and not self._is_own(ctx, organisation):
            raise Forbidden("a contractor may only hire workers into its own organisation")

    def _check_employs(self, ctx: Context, worker: SocialWorker) -> None:
        if ctx.has_role(Role.CONTRACTOR) and not self._employs(ctx, worker):
            raise Forbidden("a contractor may only manage its own workers")

    def _employs(self, ctx: Context, worker: SocialWorker) -> bool:
        if ctx.organisation == str(worker.employer_id):
            return True
        return self._is_own(ctx, self.load(ServiceOrganisation, worker.employer_id))

    def _check_station_contracted(self, ctx: Context, worker: SocialWorker, station_id: str) -> None:
        if not ctx.has_role(Role.CONTRACTOR):
            return
        employer = self.load(ServiceOrganisation, worker.employer_id)
        if not employer.covers_station(station_id):
            raise Forbidden(f"{employer.name} holds no service contract covering station {station_id}")

    def _may_reveal(self, ctx: Context, worker: SocialWorker) -> bool:
        if ctx.has_role(*REVEALERS):
            return True
        return ctx.has_role(Role.CONTRACTOR) and self._employs(ctx, worker)


# --- views -------------------------------------------------------------------------------------


def _organisation_view(organisation: ServiceOrganisation) -> dict[str, Any]:
    return {"organisation_id": str(organisation.id), "version": organisation.version}


def _worker_view(worker: SocialWorker) -> dict[str, Any]:
    return {"worker_id": str(worker.id), "version": worker.version}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dated(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _iso(v) if isinstance(v, date) else v for k, v in item.items()} for item in items]


def worker_view(worker: SocialWorker, reveal: bool) -> dict[str, Any]:
    """The JSON-friendly record of a worker; personal data masked unless ``reveal``."""
    contract = worker.labour_contract
    return {
        "worker_id": str(worker.id),
        "name": worker.name,
        "national_id_number": worker.national_id_number
        if reveal
        else mask_national_id(worker.national_id_number),
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
        "training": _dated(worker.training),
        "training_hours": sum(t["hours"] for t in worker.training),
        "party_status": _dated([worker.party_status])[0] if worker.party_status else None,
        "disputes": _dated(worker.disputes.values()),
        "left": {"left_on": worker.left_on.isoformat(), "reason": worker.left_reason}
        if worker.left_on
        else None,
        "supervisor": (
            {"since": worker.supervisor_since.isoformat(), "stations": list(worker.supervised_stations)}
            if worker.supervisor_since
            else None
        ),
        "version": worker.version,
    }


def _baseline_result(baseline: WorkforceBaseline) -> dict[str, Any]:
    return {
        "baseline_id": str(baseline.id),
        "county_code": baseline.county_code,
        "year": baseline.year,
        "certified_social_workers": baseline.certified_social_workers,
        "professionals": baseline.professionals,
        "yearly": [{"year": int(y), **figures} for y, figures in sorted(baseline.yearly.items())],
        "version": baseline.version,
    }
