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
| merge_beneficiary (a duplicate into the other)  | as above, for both records' stations                      |
| erase_beneficiary (and records merged into it)  | civil_affairs_admin                                       |
| read_personal_data (logged)                     | civil_affairs_admin; social_worker, contractor for the    |
|                                                 | person's station                                          |
| personal_data_reads                             | auditor, civil_affairs_admin                              |
| open_case, assess_case, plan_case,              | civil_affairs_admin; social_worker, contractor for the    |
| record_service, review_case, close_case,        | case's station (a transfer's new worker must be assigned  |
| reopen_case, transfer_case                      | to the new station)                                       |
| record_activity (goal and method required),     | civil_affairs_admin; social_worker, contractor for the    |
| record_activity_outcome, foster_organisation,   | station (complete_verification: the assigned worker)      |
| record_survey, complete_verification            |                                                           |
| award_points, redeem_points (never more than   | civil_affairs_admin; social_worker, contractor for the    |
| the household holds)                            | station                                                   |
| hold_supervision                                | supervisor of the station on the day (workforce events);  |
|                                                 | civil_affairs_admin naming that supervisor                |
| assign_verification                             | civil_affairs_admin, to a worker of the station           |
"""

from __future__ import annotations

from services.casework.application.activities import (
    ActivityCommands,
    FosterOrganisation,
    RecordActivity,
    RecordActivityOutcome,
)
from services.casework.application.base import ChangeOptions, policy_from
from services.casework.application.beneficiaries import (
    BeneficiaryCommands,
    ChangeTargetGroups,
    CorrectPersonalData,
    EraseBeneficiary,
    Guardian,
    MergeBeneficiary,
    PersonalData,
    RegisterBeneficiary,
)
from services.casework.application.cases import (
    AssessCase,
    CaseCommands,
    CloseCase,
    OpenCase,
    PlanCase,
    RecordService,
    ReopenCase,
    ReviewCase,
    TransferCase,
)
from services.casework.application.oversight import (
    AssignVerification,
    CompleteVerification,
    HoldSupervision,
    OversightCommands,
    RecordSurvey,
)
from services.casework.application.points import AwardPoints, PointsCommands, RedeemPoints
from services.casework.application.queries import CaseworkQueries


class Casework(BeneficiaryCommands, CaseCommands, ActivityCommands, PointsCommands, OversightCommands,
               CaseworkQueries):
    """The casework service: beneficiaries and their personal data, cases, activities, village points,
    supervision, verifications, surveys."""


__all__ = [
    "AssessCase",
    "AssignVerification",
    "AwardPoints",
    "Casework",
    "ChangeOptions",
    "ChangeTargetGroups",
    "CloseCase",
    "CompleteVerification",
    "CorrectPersonalData",
    "EraseBeneficiary",
    "FosterOrganisation",
    "Guardian",
    "HoldSupervision",
    "MergeBeneficiary",
    "OpenCase",
    "PersonalData",
    "PlanCase",
    "RecordActivity",
    "RecordActivityOutcome",
    "RecordService",
    "RecordSurvey",
    "RedeemPoints",
    "RegisterBeneficiary",
    "ReopenCase",
    "ReviewCase",
    "TransferCase",
    "policy_from",
]
