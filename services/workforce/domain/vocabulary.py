"""The workforce vocabulary: levels, insurance items, party status, and the checks and masks of personal data.

National id numbers (身份证号, GB 11643) and unified social credit codes (统一社会信用代码, GB 32100) are checked
to their check character; the ``mask_*`` helpers are what every listing shows (docs/domain.md §15).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from uuid import UUID

from shared.domain import Invalid


class CertificateLevel(StrEnum):
    """社会工作者职业水平证书 levels."""

    ASSISTANT = "assistant"  # 助理社会工作师
    SOCIAL_WORKER = "social_worker"  # 社会工作师
    SENIOR = "senior"  # 高级社会工作师

    @classmethod
    def at_or_above(cls, lowest: str) -> tuple[str, ...]:
        """The levels from ``lowest`` up (the order of the enumeration is the order of the levels)."""
        levels = [level.value for level in cls]
        return tuple(levels[levels.index(cls(lowest).value):])


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
