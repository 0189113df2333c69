"""Casework service event contracts (subjects ``sw.casework.<aggregate>.<event>``).

A beneficiary is named only by its pseudonymous id (a random UUID, in the envelope's subject and in the payloads
of other aggregates). Personal data — name, id number, phone, address, birth date, health notes, a guardian's
name — and every free-text note about a person are sealed with the person's own key and are deliberately NOT
declared here, so they never leave the service; nor are the reasons given for a merge or an erasure. What is
published is what the programme counts.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from shared.contracts import Contract, contract

# --- beneficiary 服务对象 ------------------------------------------------------------------------


class DuplicateFlag(Contract):
    """Another beneficiary this one may be."""

    beneficiary_id: UUID
    reason: str


@contract("casework", "beneficiary", "registered")
class BeneficiaryRegistered(Contract):
    """A beneficiary was registered (no personal data)."""

    station_id: UUID
    township_code: str
    village_code: str
    household_size: int | None
    target_groups: list[str]
    registered_on: date
    child: bool
    guardian_consented_on: date | None
    possible_duplicates: list[DuplicateFlag]


@contract("casework", "beneficiary", "target_groups_changed")
class BeneficiaryTargetGroupsChanged(Contract):
    """The beneficiary's target groups from a date."""

    target_groups: list[str]
    changed_on: date


@contract("casework", "beneficiary", "personal_data_corrected")
class BeneficiaryPersonalDataCorrected(Contract):
    """The beneficiary's personal data was corrected (what it is, is not published)."""

    child: bool
    guardian_consented_on: date | None


@contract("casework", "beneficiary", "merged_into")
class BeneficiaryMergedInto(Contract):
    """This record was a duplicate and was merged into the person's other record (both histories kept)."""

    into_id: UUID
    merged_on: date


@contract("casework", "beneficiary", "absorbed")
class BeneficiaryAbsorbed(Contract):
    """A duplicate record was merged into this one."""

    from_id: UUID
    merged_on: date


@contract("casework", "beneficiary", "erased")
class BeneficiaryErased(Contract):
    """The beneficiary's personal data was erased (their key destroyed); the facts of service remain."""

    erased_on: date


# --- case 个案 ------------------------------------------------------------------------------------


@contract("casework", "case", "opened")
class CaseOpened(Contract):
    """受理: a case was opened for a beneficiary (pseudonymous id)."""

    beneficiary_id: UUID
    station_id: UUID
    worker_id: str
    opened_on: date
    guardianship_required: bool


@contract("casework", "case", "assessed")
class CaseAssessed(Contract):
    """评估: needs by domain, household economics and guardianship (notes are not published)."""

    on: date
    needs: list[str]
    household_income_fen: int | None
    household_size: int | None
    guardianship: str | None


@contract("casework", "case", "planned")
class CasePlanned(Contract):
    """服务计划: the number of goals (their text is not published)."""

    on: date
    goal_count: int
    review_by: date | None


@contract("casework", "case", "service_recorded")
class CaseServiceRecorded(Contract):
    """A service given under the plan."""

    on: date
    domain: str
    service_type: str
    worker_id: str
    minutes: int


@contract("casework", "case", "reviewed")
class CaseReviewed(Contract):
    """回顾: goals met."""

    on: date
    goals_met: int


@contract("casework", "case", "closed")
class CaseClosed(Contract):
    """结案 with its outcome."""

    on: date
    outcome: str


@contract("casework", "case", "reopened")
class CaseReopened(Contract):
    """重新开案."""

    on: date
    reassess: bool


@contract("casework", "case", "transferred")
class CaseTransferred(Contract):
    """转介: to another worker or station."""

    on: date
    from_worker_id: str
    from_station_id: UUID
    worker_id: str
    station_id: UUID


# --- activities 小组工作/社区活动, community social organisations 社区社会组织 ----------------------


@contract("casework", "activity", "recorded")
class ActivityRecorded(Contract):
    """A group or community activity with its professional content (goal, method) and participants."""

    kind: str
    station_id: UUID
    worker_id: str
    held_on: date
    title: str
    goal: str
    method: str
    participants: int
    beneficiary_ids: list[UUID]
    volunteers: int


@contract("casework", "activity", "outcome_recorded")
class ActivityOutcomeRecorded(Contract):
    """What the activity achieved."""

    outcome: str


@contract("casework", "community_organisation", "fostered")
class CommunityOrganisationFostered(Contract):
    """A community social organisation fostered by a station."""

    name: str
    kind: str
    station_id: UUID
    village_code: str
    fostered_on: date
    members: int


@contract("casework", "village_points", "opened")
class VillagePointsOpened(Contract):
    """A village's points ledger (积分管理) was opened."""

    station_id: UUID
    village_code: str
    opened_on: date


@contract("casework", "village_points", "awarded")
class VillagePointsAwarded(Contract):
    """Points earned in the village (the household is not published)."""

    points: int
    category: str
    on: date


@contract("casework", "village_points", "redeemed")
class VillagePointsRedeemed(Contract):
    """Points spent in the village (the household is not published)."""

    points: int
    item: str
    on: date


# --- supervision 督导, verification 核查, surveys 满意度调查 ------------------------------------


@contract("casework", "supervision_session", "held")
class SupervisionSessionHeld(Contract):
    """A supervision session (its content stays in the service)."""

    supervisor_id: str
    station_id: UUID
    held_on: date
    hours: float
    minimum_hours: float
    below_minimum_hours: bool


@contract("casework", "verification", "assigned")
class VerificationAssigned(Contract):
    """A verification assigned to a station's worker."""

    kind: str
    station_id: UUID
    beneficiary_id: UUID | None
    worker_id: str
    assigned_on: date
    due_on: date | None


@contract("casework", "verification", "done")
class VerificationDone(Contract):
    """A verification done, with its result."""

    done_on: date
    result: str
    late: bool


@contract("casework", "satisfaction_survey", "recorded")
class SatisfactionSurveyRecorded(Contract):
    """A satisfaction survey's scores."""

    station_id: UUID
    beneficiary_id: UUID | None
    surveyed_on: date
    overall: float
