"""Workforce application (社工人才队伍): the commands and queries of the workforce service.

Each command is a typed ``Command`` (the request body, the application's argument and the source of the event's
fields), run through the one command path of ``shared.application`` (authorise → load at version → act → save with
idempotency → answer the resource as it now is). Modules: ``organisations``, ``workers``, ``supervisors``,
``baseline`` (commands by aggregate), ``queries``, ``views`` (the representations answered), ``base`` (ids and
access checks).

Who may do what (``ctx.role``; "own" means ``ctx.organisation`` is the worker's employer, given as the
organisation's id or its unified social credit code):

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
| record_training                                          | hr_social_security; contractor, own worker   |
| award_title                                              | hr_social_security                           |
| open_dispute, resolve_dispute                            | hr_social_security                           |
| record_party_status                                      | party_organisation                           |
| designate_supervisor, assign_ / release_supervision      | civil_affairs_admin                          |
| enter_baseline, record_yearly_figures, correct_baseline  | civil_affairs_admin                          |

(1) a contractor may only assign or transfer a worker to a station one of its contracts covers.

Queries: ``get_worker`` shows the national id number and phone masked unless the caller asks to reveal them *and* is
civil_affairs_admin, hr_social_security or the employing contractor; every reveal is logged. It lists the worker's
courses, read from its stored training events (the worker's state holds their totals only, and so does what a
command answers). ``view_worker`` is the
same for a caller over HTTP: it also checks that the caller may read the record at all (contractors only their own
workers) and refuses (403) a reveal the caller may not have. ``masked_identities`` gives list responses their masked
values. ``get_organisation``, ``supervisor_load`` and ``get_baseline`` carry no personal data.
"""

from __future__ import annotations

from typing import ClassVar

from eventsourcing.domain import Aggregate

from services.workforce.application.base import ChangeOptions, identity_key, policy_from
from services.workforce.application.baseline import (
    BaselineCommands,
    CorrectBaseline,
    EnterBaseline,
    RecordYearlyFigures,
)
from services.workforce.application.organisations import (
    OrganisationCommands,
    RecordContract,
    RecordContractEnded,
    RecordPartyOrganisation,
    RegisterInCounty,
    RegisterOrganisation,
)
from services.workforce.application.queries import WorkforceQueries
from services.workforce.application.supervisors import (
    AssignSupervision,
    DesignateSupervisor,
    ReleaseSupervision,
    SupervisorCommands,
)
from services.workforce.application.workers import (
    AssignToStation,
    AwardTitle,
    ChangePhone,
    EndLabourContract,
    EnrolInsurance,
    HireWorker,
    LeaveWorkforce,
    OpenDispute,
    RecordCertificate,
    RecordEducation,
    RecordPartyStatus,
    RecordPay,
    RecordPersonnelFile,
    RecordTraining,
    RenewLabourContract,
    ResolveDispute,
    SignLabourContract,
    TransferToStation,
    UnassignFromStation,
    WorkerCommands,
)
from services.workforce.domain import SocialWorker

SNAPSHOT_EVERY = 50


class Workforce(OrganisationCommands, WorkerCommands, SupervisorCommands, BaselineCommands, WorkforceQueries):
    """The workforce service: organisations, social workers, supervisors, the county baseline.

    A worker gathers events every month for years (pay, training, insurance…): every ``SNAPSHOT_EVERY`` events a
    snapshot of it is stored (encrypted like its events), so loading it replays at most that many events. A worker
    recorded before snapshots existed loads from its events, and gets its first snapshot at its next multiple. What a
    snapshot holds does not grow with the history either: a worker keeps totals of its training, not the courses.
    """

    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {SocialWorker: SNAPSHOT_EVERY}


__all__ = [
    "AssignSupervision",
    "AssignToStation",
    "AwardTitle",
    "ChangeOptions",
    "ChangePhone",
    "CorrectBaseline",
    "DesignateSupervisor",
    "EndLabourContract",
    "EnrolInsurance",
    "EnterBaseline",
    "HireWorker",
    "LeaveWorkforce",
    "OpenDispute",
    "RecordCertificate",
    "RecordContract",
    "RecordContractEnded",
    "RecordEducation",
    "RecordPartyOrganisation",
    "RecordPartyStatus",
    "RecordPay",
    "RecordPersonnelFile",
    "RecordTraining",
    "RecordYearlyFigures",
    "RegisterInCounty",
    "RegisterOrganisation",
    "ReleaseSupervision",
    "RenewLabourContract",
    "ResolveDispute",
    "SignLabourContract",
    "TransferToStation",
    "UnassignFromStation",
    "Workforce",
    "identity_key",
    "policy_from",
]
