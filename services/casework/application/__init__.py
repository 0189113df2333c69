"""Casework application (个案与专业服务): the commands and queries of the casework service.

Each command is a typed ``Command`` (the request body, the application's argument and the source of the event's
fields), run through the one command path of ``shared.application``. Modules: ``beneficiaries`` (registry,
personal data, erasure), ``queries``, ``views`` (the representations answered), ``base`` (who may write where),
``vault`` (per-person keys), ``ports`` (key store, access log, directory).

Who may do what (``ctx.role``; "for its stations": a social worker at a station it is assigned to on the day
recorded, a contractor at a station its contracts cover — both known from workforce events):

| command                                         | who may                                                   |
|-------------------------------------------------|-----------------------------------------------------------|
| register_beneficiary, change_target_groups,     | civil_affairs_admin; social_worker, contractor for its    |
| correct_personal_data                           | stations                                                  |
| erase_beneficiary                               | civil_affairs_admin                                       |
| read_personal_data (logged)                     | civil_affairs_admin; social_worker, contractor for the    |
|                                                 | person's station                                          |
| personal_data_reads                             | auditor, civil_affairs_admin                              |
"""

from __future__ import annotations

from services.casework.application.base import ChangeOptions, policy_from
from services.casework.application.beneficiaries import (
    BeneficiaryCommands,
    ChangeTargetGroups,
    CorrectPersonalData,
    EraseBeneficiary,
    Guardian,
    PersonalData,
    RegisterBeneficiary,
)
from services.casework.application.queries import CaseworkQueries


class Casework(BeneficiaryCommands, CaseworkQueries):
    """The casework service: beneficiaries and their personal data."""


__all__ = [
    "Casework",
    "ChangeOptions",
    "ChangeTargetGroups",
    "CorrectPersonalData",
    "EraseBeneficiary",
    "Guardian",
    "PersonalData",
    "RegisterBeneficiary",
    "policy_from",
]
