"""No casework contract can carry personal data: the payloads declare no field for it, and a published document
built from a registration's stored event holds none of the values sent."""

from __future__ import annotations

import json
from uuid import UUID

from services.casework.application import RegisterBeneficiary
from services.casework.published import PUBLISHED
from shared.contracts import REGISTRY, contract_for
from shared.contracts.casework import CommunityOrganisationFostered
from tests.unit.casework.world import CHILD_ID, WORKER, World, child_body

PERSONAL = {"name", "national_id_number", "phone", "address", "birth_date", "health_notes", "guardian",
            "guardian_name", "sealed", "notes", "goals", "content", "household_ref"}


def test_no_casework_contract_declares_a_personal_field() -> None:
    contract_for("sw.casework.beneficiary.registered.v1")  # loads every contract module
    casework = [c for key, c in REGISTRY.items() if key.startswith("sw.casework.")]
    assert set(PUBLISHED.values()) == set(casework), "every casework contract is published, and only those"
    for contract in casework:
        # A community organisation's name is the organisation's, not a person's.
        personal = PERSONAL - {"name"} if contract is CommunityOrganisationFostered else PERSONAL
        assert not personal & set(contract.model_fields), contract.event_type()


def test_a_registrations_published_payload_holds_no_personal_value(world: World) -> None:
    registered = world.app.register_beneficiary(WORKER, RegisterBeneficiary.model_validate(child_body()))
    assert world.app.repository.get(UUID(str(registered["id"]))).version == 1
    (stored,) = world.stored()
    domain_event = world.app.mapper.to_domain_event(stored)
    payload = PUBLISHED[type(domain_event)].from_event(vars(domain_event)).model_dump_json()
    assert json.loads(payload)["target_groups"] == ["left_behind_child", "minimum_livelihood"]
    for value in ("王小明", CHILD_ID, "13900001111", "一村三组", "2015-03-01", "哮喘", "王奶奶", "H-17"):
        assert value not in payload
