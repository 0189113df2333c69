"""Which contract each casework domain event is published as (the relay reads ``PUBLISHED``)."""

from __future__ import annotations

from services.casework.domain import (
    Activity,
    Beneficiary,
    Case,
    CommunityOrganisation,
    SatisfactionSurvey,
    SupervisionSession,
    VerificationTask,
    VillagePoints,
)
from shared.contracts import Contract
from shared.contracts import casework as c

PUBLISHED: dict[type, type[Contract]] = {
    Beneficiary.Registered: c.BeneficiaryRegistered,
    Beneficiary.TargetGroupsChanged: c.BeneficiaryTargetGroupsChanged,
    Beneficiary.PersonalDataCorrected: c.BeneficiaryPersonalDataCorrected,
    Beneficiary.MergedInto: c.BeneficiaryMergedInto,
    Beneficiary.Absorbed: c.BeneficiaryAbsorbed,
    Beneficiary.Erased: c.BeneficiaryErased,
    Case.Opened: c.CaseOpened,
    Case.Assessed: c.CaseAssessed,
    Case.Planned: c.CasePlanned,
    Case.ServiceRecorded: c.CaseServiceRecorded,
    Case.Reviewed: c.CaseReviewed,
    Case.Closed: c.CaseClosed,
    Case.Reopened: c.CaseReopened,
    Case.Transferred: c.CaseTransferred,
    Activity.Recorded: c.ActivityRecorded,
    Activity.OutcomeRecorded: c.ActivityOutcomeRecorded,
    CommunityOrganisation.Fostered: c.CommunityOrganisationFostered,
    VillagePoints.Opened: c.VillagePointsOpened,
    VillagePoints.Awarded: c.VillagePointsAwarded,
    VillagePoints.Redeemed: c.VillagePointsRedeemed,
    SupervisionSession.Held: c.SupervisionSessionHeld,
    VerificationTask.Assigned: c.VerificationAssigned,
    VerificationTask.Done: c.VerificationDone,
    SatisfactionSurvey.Recorded: c.SatisfactionSurveyRecorded,
}
