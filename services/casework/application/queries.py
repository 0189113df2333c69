"""Casework queries answered from the aggregates and the access log: facts for every casework reader, the access
log for auditors and the bureau. Personal data is read only through ``read_personal_data`` (logged)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.casework.application.activities import activity_view, organisation_view
from services.casework.application.base import ADMIN, AUDITOR, CaseworkBase
from services.casework.application.cases import case_view
from services.casework.application.oversight import session_view, survey_view, verification_view
from services.casework.domain import (
    Activity,
    Beneficiary,
    Case,
    CommunityOrganisation,
    SatisfactionSurvey,
    SupervisionSession,
    VerificationTask,
)
from shared.domain import Context


class CaseworkQueries(CaseworkBase):
    """Reads without personal data."""

    def get_beneficiary(self, ctx: Context, beneficiary_id: UUID) -> dict[str, Any]:
        """A beneficiary's facts of service (never personal data)."""
        beneficiary = self.load(Beneficiary, beneficiary_id)
        self.check_reads_facts(ctx, beneficiary.township_code)
        return self.seen_by(ctx)(beneficiary)

    def personal_data_reads(self, ctx: Context, beneficiary_id: UUID | None, offset: int, limit: int,
                            actor: str | None = None) -> list[dict[str, Any]]:
        """The access log of personal data, newest first, of one person or by one reader (auditors and the bureau)."""
        ctx.require(AUDITOR, ADMIN)
        return self.access_log.entries(beneficiary_id, offset, limit, actor)

    def get_case(self, ctx: Context, case_id: UUID) -> dict[str, Any]:
        """A case's facts: stage, steps and services (never its sealed notes)."""
        case = self.load(Case, case_id)
        self.check_reads_facts(ctx, self.load(Beneficiary, UUID(case.beneficiary_id)).township_code)
        return case_view(case)

    def get_record(self, ctx: Context, kind: str, record_id: UUID) -> dict[str, Any]:
        """An activity, community organisation, supervision session, verification or survey (no personal data)."""
        self.check_reads_facts(ctx)
        cls, view = RECORDS[kind]
        return view(self.load(cls, record_id))


RECORDS: dict[str, tuple[type, Any]] = {
    "activity": (Activity, activity_view),
    "community_organisation": (CommunityOrganisation, organisation_view),
    "supervision_session": (SupervisionSession, session_view),
    "verification": (VerificationTask, verification_view),
    "survey": (SatisfactionSurvey, survey_view),
}
