"""Workforce domain (社工人才队伍): organisations, social workers, supervisors and the county baseline
(docs/domain.md §8–11).

Pure Python, one module per aggregate (``organisation``, ``worker``, ``baseline``), the vocabulary and checks of
personal data (``vocabulary``), the plan's figures (``policy``) and the targets assessment (``targets``).
Everything is re-exported here: stored events name their classes ``services.workforce.domain:SocialWorker.Hired``
(the module before this package existed), and those topics resolve through these names.
"""

from __future__ import annotations

from services.workforce.domain.baseline import WorkforceBaseline
from services.workforce.domain.organisation import ServiceOrganisation
from services.workforce.domain.policy import WORKFORCE_NAMESPACE, Policy
from services.workforce.domain.targets import assess_targets
from services.workforce.domain.vocabulary import (
    CertificateLevel,
    EducationLevel,
    InsuranceItem,
    PartyStatus,
    credit_code_check_char,
    mask_national_id,
    mask_phone,
    month_of,
    national_id_check_char,
    parse_period,
    station_ref,
    validate_credit_code,
    validate_national_id,
    validate_phone,
)
from services.workforce.domain.worker import SocialWorker

__all__ = [
    "WORKFORCE_NAMESPACE",
    "CertificateLevel",
    "EducationLevel",
    "InsuranceItem",
    "PartyStatus",
    "Policy",
    "ServiceOrganisation",
    "SocialWorker",
    "WorkforceBaseline",
    "assess_targets",
    "credit_code_check_char",
    "mask_national_id",
    "mask_phone",
    "month_of",
    "national_id_check_char",
    "parse_period",
    "station_ref",
    "validate_credit_code",
    "validate_national_id",
    "validate_phone",
]
