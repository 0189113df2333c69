"""Workforce domain (社工人才队伍): organisations, social workers, supervisors and the county baseline.

Pure Python: aggregates, their events, the rules they enforce, and the targets assessment.
Personal data (national id number 身份证号, phone) lives only in ``SocialWorker``; the
``mask_*`` helpers are what every listing shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, Invalid, NotFound, RuleViolated

WORKFORCE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:workforce")


@dataclass(frozen=True)
class Policy:
    """The plan's workforce figures (DOMAIN.md section 3), configurable with these defaults."""

    minimum_wage_fen: int = 190_000
    supervisor_min_stations: int = 5
    supervisor_max_stations: int = 8
    supervisor_certificate_levels: tuple[str, ...] = ("senior",)
    plan_start: date = date(2021, 1, 1)
    target_year: int = 2023
    certified_growth_rate: Decimal = Decimal("0.35")
    certified_multiple: Decimal = Decimal("2")
    professionals_share: Decimal = Decimal("0.01")
    registered_organisations_target: int = 1


DEFAULT_POLICY = Policy()


class CertificateLevel(StrEnum):
    """社会工作者职业水平证书 levels."""

    ASSISTANT = "assistant"  # 助理社会工作师
    SOCIAL_WORKER = "social_worker"  # 社会工作师
    SENIOR = "senior"  # 高级社会工作师


class EducationLevel(StrEnum):
    """学历."""

    SECONDARY = "secondary"  # 高中/中专
    JUNIOR_COLLEGE = "junior_college"  # 大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士
    DOCTORATE = "doctorate"  # 博士


class InsuranceItem(StrEnum):
    """五险一金: the five social insurances and the housing provident fund."""

    PENSION = "pension"  # 养老保险
    MEDICAL = "medical"  # 医疗保险
    UNEMPLOYMENT = "unemployment"  # 失业保险
    WORK_INJURY = "work_injury"  # 工伤保险
    MATERNITY = "maternity"  # 生育保险
    HOUSING_FUND = "housing_fund"  # 住房公积金


class PartyStatus(StrEnum):
    """政治面貌 as far as the plan cares: party member, activist (入党积极分子) or none."""

    MEMBER = "member"
    ACTIVIST = "activist"
    NONE = "none"


# --- validation and masking -------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_PHONE_PATTERN = re.compile(r"^1\d{10}$")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def national_id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a national id number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_national_id(value: str) -> str:
    """Returns the normalised 身份证号, or raises Invalid if it is not a valid GB 11643 number."""
    number = (value or "").strip().upper()
    if not _ID_PATTERN.match(number):
        raise Invalid("national_id_number", "a national id number has 17 digits followed by a digit or X")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise Invalid(
            "national_id_number", "the national id number's birth date is not a real date"
        ) from None
    if national_id_check_char(number[:17]) != number[17]:
        raise Invalid("national_id_number", "the national id number's check digit is wrong: check for a typo")
    return number


def validate_phone(value: str) -> str:
    """Returns the phone number, or raises Invalid unless it is 11 digits starting with 1."""
    phone = (value or "").strip()
    if not _PHONE_PATTERN.match(phone):
        raise Invalid("phone", "a mobile phone number has 11 digits and starts with 1")
    return phone


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Returns the normalised 统一社会信用代码, or raises Invalid."""
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        raise Invalid("unified_social_credit_code", "a unified social credit code has 18 letters or digits")
    if credit_code_check_char(code[:17]) != code[17]:
        raise Invalid(
            "unified_social_credit_code", "the unified social credit code's check character is wrong"
        )
    return code


def mask_national_id(number: str) -> str:
    """Shows the first 3 and last 4 characters only, e.g. ``110***********1234``."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str) -> str:
    """Shows the first 3 and last 4 digits only, e.g. ``138****5678``."""
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def parse_period(period: str) -> tuple[int, int]:
    """The (year, month) of a pay period written ``YYYY-MM``; Invalid otherwise."""
    match = _PERIOD_PATTERN.match(period or "")
    if not match:
        raise Invalid("period", "a pay period is written YYYY-MM, e.g. 2022-03")
    return int(match.group(1)), int(match.group(2))


def month_of(day: date) -> tuple[int, int]:
    """The (year, month) a date falls in."""
    return day.year, day.month


def station_ref(value: UUID | str, field_name: str = "station_id") -> str:
    """A reference to another service's aggregate, in canonical UUID string form."""
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise Invalid(field_name, f"{field_name} must be a UUID") from None


def required_text(field_name: str, value: str) -> str:
    """Stripped text, or Invalid if empty."""
    text = (value or "").strip()
    if not text:
        raise Invalid(field_name, f"{field_name.replace('_', ' ')} must not be empty")
    return text


def choice(enum: type[StrEnum], field_name: str, value: str) -> str:
    """The value if it names a member of ``enum``, else Invalid listing the choices."""
    allowed = [m.value for m in enum]
    if value not in allowed:
        raise Invalid(field_name, f"{field_name.replace('_', ' ')} must be one of: {', '.join(allowed)}")
    return value


# --- service organisation ---------------------------------------------------------------------


class ServiceOrganisation(Aggregate):
    """社工服务机构: a social work service organisation that employs workers and holds contracts."""

    @staticmethod
    def create_id(unified_social_credit_code: str, **_: Any) -> UUID:
        """One organisation per unified social credit code."""
        return uuid5(WORKFORCE_NAMESPACE, f"organisation:{unified_social_credit_code}")

    @event("Registered")
    def __init__(
        self,
        name: str,
        unified_social_credit_code: str,
        registered_in_county: bool,
        registration_place: str,
        registered_on: date,
        ctx: Context,
    ) -> None:
        self.name = name
        self.unified_social_credit_code = unified_social_credit_code
        self.registered_in_county = registered_in_county
        self.registration_place = registration_place
        self.registered_on = registered_on
        self.party_organisation_set_up_on: date | None = None
        self.contracts: dict[str, list[str]] = {}
        self.source_seqs: list[int] = []

    def register_in_county(self, registered_on: date, ctx: Context) -> None:
        """Records that an organisation registered elsewhere is now registered in the county."""
        if self.registered_in_county:
            raise RuleViolated(
                "workforce.organisation.already_registered_in_county",
                f"{self.name} is already registered in the county",
            )
        self._registered_in_county(registered_on=registered_on, ctx=ctx)

    @event("RegisteredInCounty")
    def _registered_in_county(self, registered_on: date, ctx: Context) -> None:
        self.registered_in_county = True
        self.registered_on = registered_on

    def set_up_party_organisation(self, set_up_on: date, ctx: Context) -> None:
        """党组织: records that the organisation set up its party organisation."""
        if self.party_organisation_set_up_on is not None:
            raise RuleViolated(
                "workforce.organisation.party_organisation_exists",
                f"{self.name} set up its party organisation on "
                f"{self.party_organisation_set_up_on.isoformat()} already",
            )
        self._party_organisation_set_up(set_up_on=set_up_on, ctx=ctx)

    @event("PartyOrganisationSetUp")
    def _party_organisation_set_up(self, set_up_on: date, ctx: Context) -> None:
        self.party_organisation_set_up_on = set_up_on

    def record_contract(
        self, contract_id: str, station_ids: Iterable[str], source_seq: int, ctx: Context
    ) -> bool:
        """Records a service contract held (from a stations event); False if ``source_seq`` was seen."""
        if source_seq in self.source_seqs:
            return False
        self._contract_recorded(
            contract_id=contract_id, station_ids=tuple(station_ids), source_seq=source_seq, ctx=ctx
        )
        return True

    @event("ContractRecorded")
    def _contract_recorded(
        self, contract_id: str, station_ids: tuple[str, ...], source_seq: int, ctx: Context
    ) -> None:
        self.contracts[contract_id] = list(station_ids)
        self.source_seqs.append(source_seq)

    def record_contract_ended(self, contract_id: str, source_seq: int, ctx: Context) -> bool:
        """Records that a service contract ended (from a stations event); False if already seen."""
        if source_seq in self.source_seqs or contract_id not in self.contracts:
            return False
        self._contract_ended(contract_id=contract_id, source_seq=source_seq, ctx=ctx)
        return True

    @event("ContractEnded")
    def _contract_ended(self, contract_id: str, source_seq: int, ctx: Context) -> None:
        self.contracts.pop(contract_id, None)
        self.source_seqs.append(source_seq)

    def covers_station(self, station_id: str) -> bool:
        """True if one of the organisation's contracts covers the station."""
        return any(station_id in stations for stations in self.contracts.values())


# --- social worker ----------------------------------------------------------------------------


class SocialWorker(Aggregate):
    """驻站社工: a social worker, their employment, pay, insurance and (if designated) supervision."""

    # The id is given (a keyed hash of the national id number, computed by the application).
    id: UUID

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
        self.training: list[dict[str, Any]] = []
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
            level=choice(EducationLevel, "level", level),
            major=(major or "").strip(),
            school=required_text("school", school),
            ctx=ctx,
        )

    @event("EducationRecorded")
    def _education_recorded(self, level: str, major: str, school: str, ctx: Context) -> None:
        self.education.append({"level": level, "major": major, "school": school})

    def obtain_certificate(self, level: str, obtained_on: date, number: str, ctx: Context) -> None:
        """社会工作者职业水平证书: records a certificate at one level."""
        level = choice(CertificateLevel, "level", level)
        number = required_text("number", number)
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
        self._title_awarded(title=required_text("title", title), awarded_on=awarded_on, ctx=ctx)

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

    def assign_to_station(self, station_id: str, assigned_on: date, ctx: Context) -> None:
        """驻站: assigns the worker to a station (one station at a time)."""
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

    def transfer_to_station(self, station_id: str, transferred_on: date, ctx: Context) -> None:
        """调动: moves the worker from their current station to another."""
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
        item = choice(InsuranceItem, "item", item)
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
        self._personnel_file_lodged(held_at=required_text("held_at", held_at), lodged_on=lodged_on, ctx=ctx)

    @event("PersonnelFileLodged")
    def _personnel_file_lodged(self, held_at: str, lodged_on: date, ctx: Context) -> None:
        self.personnel_file = {"held_at": held_at, "lodged_on": lodged_on}

    def complete_training(self, course: str, hours: int, completed_on: date, ctx: Context) -> None:
        """培训: records a completed course and its hours."""
        if isinstance(hours, bool) or not isinstance(hours, int) or hours <= 0:
            raise Invalid("hours", "training hours are a positive whole number")
        self._training_completed(
            course=required_text("course", course), hours=hours, completed_on=completed_on, ctx=ctx
        )

    @event("TrainingCompleted")
    def _training_completed(self, course: str, hours: int, completed_on: date, ctx: Context) -> None:
        self.training.append({"course": course, "hours": hours, "completed_on": completed_on})

    def record_party_status(self, status: str, effective_on: date, ctx: Context) -> None:
        """政治面貌: records the worker's party status from a date."""
        self._party_status_recorded(
            status=choice(PartyStatus, "status", status), effective_on=effective_on, ctx=ctx
        )

    @event("PartyStatusRecorded")
    def _party_status_recorded(self, status: str, effective_on: date, ctx: Context) -> None:
        self.party_status = {"status": status, "effective_on": effective_on}

    def open_dispute(self, dispute_id: str, summary: str, opened_on: date, ctx: Context) -> None:
        """劳动争议: records a labour dispute (allowed after leaving too)."""
        self._labour_dispute_opened(
            dispute_id=dispute_id, summary=required_text("summary", summary), opened_on=opened_on, ctx=ctx
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
            dispute_id=dispute_id, outcome=required_text("outcome", outcome), resolved_on=resolved_on, ctx=ctx
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

    def assign_supervision(self, station_id: str, assigned_on: date, max_stations: int, ctx: Context) -> None:
        """Gives the supervisor one more station, within the policy's maximum."""
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

    def release_supervision(self, station_id: str, released_on: date, ctx: Context) -> None:
        """Takes a station off the supervisor's list."""
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
        reason = required_text("reason", reason)
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


# --- county baseline --------------------------------------------------------------------------


def check_count(field_name: str, value: int) -> int:
    """A whole number ≥ 0, or Invalid."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(field_name, f"{field_name.replace('_', ' ')} is a whole number, zero or more")
    return value


class WorkforceBaseline(Aggregate):
    """The county's workforce baseline (基数, 2020) and yearly figures, one per county."""

    @staticmethod
    def create_id(county_code: str, **_: Any) -> UUID:
        """One baseline per county."""
        return uuid5(WORKFORCE_NAMESPACE, f"baseline:{county_code}")

    @event("Entered")
    def __init__(
        self, county_code: str, year: int, certified_social_workers: int, professionals: int, ctx: Context
    ) -> None:
        self.county_code = county_code
        self.year = year
        self.certified_social_workers = certified_social_workers
        self.professionals = professionals
        self.yearly: dict[str, dict[str, int]] = {}

    def correct(self, certified_social_workers: int, professionals: int, ctx: Context) -> None:
        """Corrects the baseline figures; a reason is required."""
        if not ctx.reason.strip():
            raise Invalid("reason", "say why the baseline is corrected")
        self._corrected(
            certified_social_workers=check_count("certified_social_workers", certified_social_workers),
            professionals=check_count("professionals", professionals),
            ctx=ctx,
        )

    @event("Corrected")
    def _corrected(self, certified_social_workers: int, professionals: int, ctx: Context) -> None:
        self.certified_social_workers = certified_social_workers
        self.professionals = professionals

    def record_year(self, year: int, certified_social_workers: int, professionals: int, ctx: Context) -> None:
        """Records a later year's figures (recording a year again supersedes the earlier figures)."""
        if year <= self.year:
            raise RuleViolated(
                "workforce.baseline.year_not_after_baseline",
                f"yearly figures are for years after the baseline year {self.year}",
            )
        self._yearly_figures_recorded(
            year=year,
            certified_social_workers=check_count("certified_social_workers", certified_social_workers),
            professionals=check_count("professionals", professionals),
            ctx=ctx,
        )

    @event("YearlyFiguresRecorded")
    def _yearly_figures_recorded(
        self, year: int, certified_social_workers: int, professionals: int, ctx: Context
    ) -> None:
        self.yearly[str(year)] = {
            "certified_social_workers": certified_social_workers,
            "professionals": professionals,
        }


# --- targets (pure) ---------------------------------------------------------------------------


def assess_targets(
    baseline: Mapping[str, Any],
    certified_by_year: Mapping[int | str, int],
    professionals: int,
    population: int,
    registered_orgs: int,
    as_of: date,
    policy: Policy = DEFAULT_POLICY,
) -> list[dict[str, Any]]:
    """The plan's four workforce targets, each ``{target, value, threshold, status, deadline}``.

    ``baseline`` has ``year``, ``certified_social_workers`` and ``professionals`` (as
    ``get_baseline`` returns it); ``certified_by_year`` maps a year to the certified count.
    Status: ``met`` (threshold reached), ``on_track`` (current pace reaches it by the
    deadline) or ``at_risk``.
    """
    base_year = int(baseline["year"])
    base_certified = int(baseline["certified_social_workers"])
    latest_year, latest = _latest_certified(certified_by_year, base_year, base_certified, as_of)
    growth = _average_growth(base_certified, latest, latest_year - base_year)
    deadline = date(policy.target_year, 12, 31)
    return [
        _growth_target(growth, latest_year, base_year, as_of, policy, deadline),
        _multiple_target(base_certified, latest, latest_year, growth, base_year, as_of, policy, deadline),
        _pace_target(
            "professionals_share",
            professionals,
            int(baseline["professionals"]),
            math.ceil(Decimal(population) * policy.professionals_share),
            as_of,
            policy,
            deadline,
        ),
        _pace_target(
            "registered_organisations",
            registered_orgs,
            0,
            policy.registered_organisations_target,
            as_of,
            policy,
            deadline,
        ),
    ]


def _latest_certified(
    by_year: Mapping[int | str, int], base_year: int, base: int, as_of: date
) -> tuple[int, int]:
    figures = {int(y): int(n) for y, n in by_year.items() if base_year < int(y) <= as_of.year}
    if not figures:
        return base_year, base
    year = max(figures)
    return year, figures[year]


def _average_growth(base: int, latest: int, years: int) -> float | None:
    if years <= 0 or base <= 0:
        return None
    return (latest / base) ** (1 / years) - 1


def _no_data_status(base_year: int, as_of: date) -> str:
    # Too early to have a year's figures is not yet a risk.
    return "on_track" if as_of.year <= base_year + 1 else "at_risk"


def _growth_target(
    growth: float | None, latest_year: int, base_year: int, as_of: date, policy: Policy, deadline: date
) -> dict[str, Any]:
    rate = float(policy.certified_growth_rate)
    if growth is None:
        status = _no_data_status(base_year, as_of)
    elif growth >= rate:
        status = "met" if latest_year >= policy.target_year else "on_track"
    else:
        status = "at_risk"
    value = None if growth is None else round(growth, 4)
    return _target("certified_growth_per_year", value, rate, status, deadline)


def _multiple_target(
    base: int,
    latest: int,
    latest_year: int,
    growth: float | None,
    base_year: int,
    as_of: date,
    policy: Policy,
    deadline: date,
) -> dict[str, Any]:
    threshold = math.ceil(Decimal(base) * policy.certified_multiple)
    if latest >= threshold:
        status = "met"
    elif as_of > deadline:
        status = "at_risk"
    elif growth is None:
        status = _no_data_status(base_year, as_of)
    else:
        projected = latest * (1 + growth) ** max(policy.target_year - latest_year, 0)
        status = "on_track" if projected >= threshold else "at_risk"
    return _target("certified_total_multiple", latest, threshold, status, deadline)


def _pace_target(
    name: str, value: int, start: int, threshold: int, as_of: date, policy: Policy, deadline: date
) -> dict[str, Any]:
    if value >= threshold:
        status = "met"
    elif as_of > deadline:
        status = "at_risk"
    else:
        span = (deadline - policy.plan_start).days
        elapsed = min(max((as_of - policy.plan_start).days / span, 0.0), 1.0)
        # Linear pace from the plan's start, rounded half up (a target of 1 is due at mid-plan).
        expected = math.floor(start + (threshold - start) * elapsed + 0.5)
        status = "on_track" if value >= expected else "at_risk"
    return _target(name, value, threshold, status, deadline)


def _target(name: str, value: Any, threshold: Any, status: str, deadline: date) -> dict[str, Any]:
    return {
        "target": name,
        "value": value,
        "threshold": threshold,
        "status": status,
        "deadline": deadline.isoformat(),
    }
