"""Which contract each workforce domain event is published as (the relay reads ``PUBLISHED``)."""

from __future__ import annotations

from services.workforce.domain import (
    ServiceOrganisation,
    SocialWorker,
    WorkforceBaseline,
)
from shared.contracts import Contract
from shared.contracts import workforce as c

PUBLISHED: dict[type, type[Contract]] = {
    ServiceOrganisation.Registered: c.OrganisationRegistered,
    ServiceOrganisation.RegisteredInCounty: c.OrganisationRegisteredInCounty,
    ServiceOrganisation.PartyOrganisationSetUp: c.PartyOrganisationSetUp,
    ServiceOrganisation.ContractRecorded: c.OrganisationContractRecorded,
    ServiceOrganisation.ContractEnded: c.OrganisationContractEnded,
    SocialWorker.Hired: c.WorkerHired,
    SocialWorker.PhoneChanged: c.WorkerPhoneChanged,
    SocialWorker.EducationRecorded: c.WorkerEducationRecorded,
    SocialWorker.CertificateObtained: c.WorkerCertificateObtained,
    SocialWorker.TitleAwarded: c.WorkerTitleAwarded,
    SocialWorker.LabourContractSigned: c.LabourContractSigned,
    SocialWorker.LabourContractRenewed: c.LabourContractRenewed,
    SocialWorker.LabourContractEnded: c.LabourContractEnded,
    SocialWorker.AssignedToStation: c.WorkerAssignedToStation,
    SocialWorker.TransferredToStation: c.WorkerTransferredToStation,
    SocialWorker.UnassignedFromStation: c.WorkerUnassignedFromStation,
    SocialWorker.PayRecorded: c.WorkerPayRecorded,
    SocialWorker.InsuranceEnrolled: c.WorkerInsuranceEnrolled,
    SocialWorker.PersonnelFileLodged: c.WorkerPersonnelFileLodged,
    SocialWorker.TrainingCompleted: c.WorkerTrainingCompleted,
    SocialWorker.PartyStatusRecorded: c.WorkerPartyStatusRecorded,
    SocialWorker.LabourDisputeOpened: c.LabourDisputeOpened,
    SocialWorker.LabourDisputeResolved: c.LabourDisputeResolved,
    SocialWorker.SupervisorDesignated: c.SupervisorDesignated,
    SocialWorker.StationSupervisionAssigned: c.StationSupervisionAssigned,
    SocialWorker.StationSupervisionReleased: c.StationSupervisionReleased,
    SocialWorker.Left: c.WorkerLeft,
    WorkforceBaseline.Entered: c.BaselineEntered,
    WorkforceBaseline.Corrected: c.BaselineCorrected,
    WorkforceBaseline.YearlyFiguresRecorded: c.BaselineYearlyFiguresRecorded,
}
