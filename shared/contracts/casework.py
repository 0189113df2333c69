"""Casework service event contracts (subjects ``sw.casework.<aggregate>.<event>``).

A beneficiary is named only by its pseudonymous id (a random UUID, in the envelope's subject and in the payloads
of other aggregates). Personal data — name, id number, phone, address, birth date, health notes, a guardian's
name — and every free-text note about a person are sealed with the person's own key and are deliberately NOT
declared here, so they never leave the service. What is published is what the programme counts.
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


@contract("casework", "beneficiary", "erased")
class BeneficiaryErased(Contract):
    """The beneficiary's personal data was erased (their key destroyed); the facts of service remain."""

    erased_on: date
