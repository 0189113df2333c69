"""The casework vocabulary: target groups, the plan's four service domains and their services, kinds of community
social organisations, verification kinds and case outcomes (docs/domain.md §12), and the check of id numbers."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from shared.domain import Invalid

E = TypeVar("E", bound=StrEnum)


class TargetGroup(StrEnum):
    """服务对象: the plan's target groups (a person may be in several)."""

    MINIMUM_LIVELIHOOD = "minimum_livelihood"  # 最低生活保障对象
    EXTREMELY_POOR = "extremely_poor"  # 特困人员
    TEMPORARY_ASSISTANCE = "temporary_assistance"  # 临时救助对象
    ORPHAN = "orphan"  # 孤儿
    UNSUPPORTED_CHILD = "unsupported_child"  # 事实无人抚养儿童
    LEFT_BEHIND_CHILD = "left_behind_child"  # 农村留守儿童
    LEFT_BEHIND_WOMAN = "left_behind_woman"  # 农村留守妇女
    LEFT_BEHIND_ELDERLY = "left_behind_elderly"  # 农村留守老人
    ELDERLY_IN_DIFFICULTY = "elderly_in_difficulty"  # 困境老年人 (incl. 敬老院, 农村幸福院)
    DISABLED = "disabled"  # 残疾人
    HOMELESS = "homeless"  # 生活无着的流浪乞讨人员
    MINOR = "minor"  # 未成年人


CHILD_GROUPS = frozenset({TargetGroup.ORPHAN, TargetGroup.UNSUPPORTED_CHILD, TargetGroup.LEFT_BEHIND_CHILD,
                          TargetGroup.MINOR})
"""Groups whose cases need a guardianship assessment (监护评估)."""


class ServiceDomain(StrEnum):
    """The plan's four service domains (三(一)–(四))."""

    SOCIAL_ASSISTANCE = "social_assistance"  # 社会救助
    ELDERLY_CARE = "elderly_care"  # 养老服务
    CHILD_WELFARE = "child_welfare"  # 儿童福利
    COMMUNITY_GOVERNANCE = "community_governance"  # 社区治理


SERVICES: dict[ServiceDomain, tuple[str, ...]] = {
    ServiceDomain.SOCIAL_ASSISTANCE: (
        "screening", "intake_assessment", "satisfaction_survey", "household_economic_assessment", "filing_visit",
        "needs_analysis", "policy_publicity", "performance_evaluation", "counselling", "care",
        "rehabilitation_training", "resource_linking", "capacity_building", "social_integration",
    ),
    ServiceDomain.ELDERLY_CARE: (
        "health_service", "emotional_comfort", "crisis_intervention", "support_network", "community_participation",
        "rights_protection", "end_of_life_care", "high_age_subsidy_verification", "resource_linking",
    ),
    ServiceDomain.CHILD_WELFARE: (
        "visit_and_verification", "family_visit_check", "policy_publicity", "legal_publicity",
        "guardianship_assessment", "safety_education", "mental_health_education", "grandparent_parenting",
        "allowance_verification",
    ),
    ServiceDomain.COMMUNITY_GOVERNANCE: ("employment_policy_advice", "welfare", "emotional_comfort", "other"),
}
"""The services the plan lists in each domain (the copy is cut off inside community governance)."""


class CommunityOrganisationKind(StrEnum):
    """社区社会组织 the plan asks to foster."""

    LIFE_SERVICE = "life_service"  # 生活服务类
    CHARITY = "charity"  # 公益慈善类
    VOLUNTEER_SERVICE = "volunteer_service"  # 志愿服务类
    MUTUAL_AID = "mutual_aid"  # 居民互助类
    CULTURE_SPORTS = "culture_sports"  # 文体类
    PRODUCTION_SERVICE = "production_service"  # 生产服务类


class ActivityKind(StrEnum):
    """小组工作 or 社区活动."""

    GROUP = "group"
    COMMUNITY = "community"


class VerificationKind(StrEnum):
    """核查 done for the bureau."""

    HIGH_AGE_SUBSIDY = "high_age_subsidy"  # 高龄补贴发放核查
    ORPHAN_ALLOWANCE = "orphan_allowance"  # 孤儿基本生活保障金发放核查
    UNSUPPORTED_CHILD_ALLOWANCE = "unsupported_child_allowance"  # 事实无人抚养儿童基本生活保障金发放核查


class VerificationResult(StrEnum):
    """What a verification found."""

    CONFIRMED = "confirmed"
    DISCREPANCY = "discrepancy"
    NOT_FOUND = "not_found"


class CaseOutcome(StrEnum):
    """How a case closed (结案)."""

    GOALS_MET = "goals_met"
    GOALS_PARTLY_MET = "goals_partly_met"
    REFERRED = "referred"
    WITHDRAWN = "withdrawn"
    MOVED_AWAY = "moved_away"
    DIED = "died"


class GuardianshipStatus(StrEnum):
    """监护评估: the guardianship the assessment found."""

    ADEQUATE = "adequate"
    INADEQUATE = "inadequate"
    ABSENT = "absent"


def choice(field_name: str, vocabulary: type[E], value: str) -> E:
    """A word of ``vocabulary``; 422 naming the field and the accepted words otherwise."""
    try:
        return vocabulary(value)
    except ValueError:
        words = ", ".join(v.value for v in vocabulary)
        raise Invalid(field_name, f"{value!r} is not one of: {words}") from None


def choices(field_name: str, vocabulary: type[E], values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Distinct words of ``vocabulary``, in a stable order."""
    return tuple(sorted({choice(field_name, vocabulary, v).value for v in values}))


def service_type(domain: str, service: str) -> tuple[str, str]:
    """A service type of the plan's domain; 422 if the domain does not list it."""
    known = choice("domain", ServiceDomain, domain)
    if service not in SERVICES[known]:
        raise Invalid("service_type", f"{service!r} is not a {known.value} service; one of: "
                      + ", ".join(SERVICES[known]))
    return known.value, service


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


def validate_national_id(value: str) -> str:
    """A GB 11643 id number with its check character verified (the error never repeats the number)."""
    number = value.strip().upper()
    if not _ID_PATTERN.match(number):
        raise Invalid("national_id_number", "a national id number is 17 digits and a digit or X")
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != check:
        raise Invalid("national_id_number", "the national id number's check character is wrong")
    return number


def ref(value: UUID | str) -> str:
    """A UUID reference in its canonical text form."""
    return str(UUID(str(value)))
