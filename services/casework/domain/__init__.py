"""Casework domain (个案与专业服务): beneficiaries, cases, group and community activities, community social
organisations, village points, supervision sessions, verification tasks and satisfaction surveys (docs/domain.md §12).

Pure Python, one module per aggregate; the vocabulary of the plan (``vocabulary``) and its figures (``policy``).
"""

from __future__ import annotations

from services.casework.domain.activity import Activity, CommunityOrganisation, check_professional_content
from services.casework.domain.beneficiary import Beneficiary, age_on, check_guardian_consent
from services.casework.domain.case import STAGES, Case
from services.casework.domain.oversight import SatisfactionSurvey, SupervisionSession, VerificationTask
from services.casework.domain.points import VillagePoints
from services.casework.domain.policy import CASEWORK_NAMESPACE, Policy
from services.casework.domain.vocabulary import (
    CHILD_GROUPS,
    SERVICES,
    ActivityKind,
    CaseOutcome,
    CommunityOrganisationKind,
    GuardianshipStatus,
    ServiceDomain,
    TargetGroup,
    VerificationKind,
    VerificationResult,
    choice,
    choices,
    ref,
    service_type,
    validate_national_id,
)

__all__ = [
    "CASEWORK_NAMESPACE",
    "CHILD_GROUPS",
    "SERVICES",
    "STAGES",
    "Activity",
    "ActivityKind",
    "Beneficiary",
    "Case",
    "CaseOutcome",
    "CommunityOrganisation",
    "CommunityOrganisationKind",
    "GuardianshipStatus",
    "Policy",
    "SatisfactionSurvey",
    "ServiceDomain",
    "SupervisionSession",
    "TargetGroup",
    "VerificationKind",
    "VerificationResult",
    "VerificationTask",
    "VillagePoints",
    "age_on",
    "check_guardian_consent",
    "check_professional_content",
    "choice",
    "choices",
    "ref",
    "service_type",
    "validate_national_id",
]
