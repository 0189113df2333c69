"""Workforce service event contracts (subjects ``sw.workforce.<aggregate>.<event>``).

Field names equal the domain events' attribute names. A worker's national id number and
phone are personal data and are deliberately NOT declared here, so they never leave the
service; neither are free-text dispute summaries/outcomes nor certificate numbers. The
worker's name may be published. The aggregate id (worker, organisation, baseline) travels
in the event envelope.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from shared.contracts import Contract, contract

# --- service organisation 社工服务机构 -----------------------------------------------------------


@contract("workforce", "organisation", "registered")
class OrganisationRegistered(Contract):
    """A social work service organisation was registered."""

    name: str
    unified_social_credit_code: str
    registered_in_county: bool
    registration_place: str
    registered_on: date


@contract("workforce", "organisation", "registered_in_county")
class OrganisationRegisteredInCounty(Contract):
    """An organisation registered elsewhere registered in the county."""

    registered_on: date


@contract("workforce", "organisation", "party_organisation_set_up")
class PartyOrganisationSetUp(Contract):
    """The organisation set up its party organisation (党组织)."""

    set_up_on: date


@contract("workforce", "organisation", "contract_recorded")
class OrganisationContractRecorded(Contract):
    """A service contract held by the organisation was recorded (from the stations service)."""

    contract_id: UUID
    station_ids: list[UUID]
    source_seq: int


@contract("workforce", "organisation", "contract_ended")
class OrganisationContractEnded(Contract):
    """A service contract held by the organisation ended (from the stations service)."""

    contract_id: UUID
    source_seq: int


# --- social worker 社工 --------------------------------------------------------------------------


@contract("workforce", "worker", "hired")
class WorkerHired(Contract):
    """A social worker was hired (no id number, no phone)."""

    name: str
    employer_id: UUID
    hired_on: date


@contract("workforce", "worker", "phone_changed")
class WorkerPhoneChanged(Contract):
    """The worker's phone changed; the number itself is not published."""


@contract("workforce", "worker", "education_recorded")
class WorkerEducationRecorded(Contract):
    """A degree or diploma (学历) was recorded."""

    level: str
    major: str
    school: str


@contract("workforce", "worker", "certificate_obtained")
class WorkerCertificateObtained(Contract):
    """A professional certificate (社会工作者职业水平证书) was obtained."""

    level: str
    obtained_on: date


@contract("workforce", "worker", "title_awarded")
class WorkerTitleAwarded(Contract):
    """A professional title (职称) was awarded."""

    title: str
    awarded_on: date


@contract("workforce", "worker", "labour_contract_signed")
class LabourContractSigned(Contract):
    """A labour contract (劳动合同) was signed; ``ends_on`` null means open-ended."""

    starts_on: date
    ends_on: date | None


@contract("workforce", "worker", "labour_contract_renewed")
class LabourContractRenewed(Contract):
    """The labour contract was renewed (续签)."""

    previous_ends_on: date
    ends_on: date | None


@contract("workforce", "worker", "labour_contract_ended")
class LabourContractEnded(Contract):
    """The labour contract ended."""

    ended_on: date
    reason: str


@contract("workforce", "worker", "assigned_to_station")
class WorkerAssignedToStation(Contract):
    """The worker was assigned to a station (驻站)."""

    station_id: UUID
    assigned_on: date


@contract("workforce", "worker", "transferred_to_station")
class WorkerTransferredToStation(Contract):
    """The worker moved from one station to another."""

    from_station_id: UUID
    station_id: UUID
    transferred_on: date


@contract("workforce", "worker", "unassigned_from_station")
class WorkerUnassignedFromStation(Contract):
    """The worker's station assignment ended."""

    station_id: UUID
    unassigned_on: date
    reason: str


@contract("workforce", "worker", "pay_recorded")
class WorkerPayRecorded(Contract):
    """A month's pay was recorded; ``below_minimum_wage`` flags pay under the policy minimum."""

    period: str
    gross_fen: int
    paid_on: date
    below_minimum_wage: bool
    minimum_wage_fen: int
    employer_id: UUID


@contract("workforce", "worker", "insurance_enrolled")
class WorkerInsuranceEnrolled(Contract):
    """The worker was enrolled in one of 五险一金."""

    item: str
    enrolled_on: date


@contract("workforce", "worker", "personnel_file_lodged")
class WorkerPersonnelFileLodged(Contract):
    """The worker's personnel file (人事档案) is kept at ``held_at``."""

    held_at: str
    lodged_on: date


@contract("workforce", "worker", "training_completed")
class WorkerTrainingCompleted(Contract):
    """The worker completed a training course."""

    course: str
    hours: int
    completed_on: date


@contract("workforce", "worker", "party_status_recorded")
class WorkerPartyStatusRecorded(Contract):
    """The worker's party status (member / activist / none) was recorded."""

    status: str
    effective_on: date


@contract("workforce", "worker", "labour_dispute_opened")
class LabourDisputeOpened(Contract):
    """A labour dispute (劳动争议) was opened; its summary stays in the service."""

    dispute_id: str
    opened_on: date


@contract("workforce", "worker", "labour_dispute_resolved")
class LabourDisputeResolved(Contract):
    """A labour dispute was resolved; its outcome stays in the service."""

    dispute_id: str
    resolved_on: date


@contract("workforce", "worker", "supervisor_designated")
class SupervisorDesignated(Contract):
    """The worker was designated supervisor (督导)."""

    designated_on: date


@contract("workforce", "worker", "station_supervision_assigned")
class StationSupervisionAssigned(Contract):
    """The supervisor was given a station to supervise."""

    station_id: UUID
    assigned_on: date


@contract("workforce", "worker", "station_supervision_released")
class StationSupervisionReleased(Contract):
    """The supervisor no longer supervises a station."""

    station_id: UUID
    released_on: date


@contract("workforce", "worker", "left")
class WorkerLeft(Contract):
    """The worker left the workforce (离职)."""

    left_on: date
    reason: str


# --- county baseline -----------------------------------------------------------------------------


@contract("workforce", "baseline", "entered")
class BaselineEntered(Contract):
    """The county's workforce baseline was entered."""

    county_code: str
    year: int
    certified_social_workers: int
    professionals: int


@contract("workforce", "baseline", "corrected")
class BaselineCorrected(Contract):
    """The county's baseline figures were corrected."""

    certified_social_workers: int
    professionals: int


@contract("workforce", "baseline", "yearly_figures_recorded")
class BaselineYearlyFiguresRecorded(Contract):
    """A later year's workforce figures were recorded."""

    year: int
    certified_social_workers: int
    professionals: int
