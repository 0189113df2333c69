"""The beneficiary registry: personal data sealed with a key per person, consent for children, duplicates flagged,
reads logged and limited to those who need them, erasure by destroying the key."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from services.casework.application import (
    ChangeTargetGroups,
    CorrectPersonalData,
    EraseBeneficiary,
    MergeBeneficiary,
    PersonalData,
    RegisterBeneficiary,
)
from shared.domain import Forbidden, Invalid, RuleViolated
from tests.unit.casework.world import (
    ADMIN,
    ADULT_ID,
    AUDITOR,
    CHILD_ID,
    CONTRACTOR,
    EAST,
    FINANCE,
    OTHER_WORKER,
    SUPERVISOR,
    WEST,
    WORKER,
    World,
    adult_body,
    child_body,
)


def register(world: World, body: dict, ctx=WORKER) -> dict:
    return world.app.register_beneficiary(ctx, RegisterBeneficiary.model_validate(body))


def stored_text(world: World) -> str:
    return "\n".join(n.state.decode("utf-8", "replace") if isinstance(n.state, bytes) else str(n.state)
                     for n in world.stored())


def test_a_child_is_registered_with_consent_and_answers_only_facts(world: World) -> None:
    child = register(world, child_body())
    assert child["child"] is True and child["guardian_consented_on"].isoformat() == "2022-02-28"
    assert child["target_groups"] == ["left_behind_child", "minimum_livelihood"]
    assert "王小明" not in json.dumps(child, default=str) and CHILD_ID not in json.dumps(child, default=str)
    # The stored event holds the personal data only sealed: neither the name nor the id number is in it.
    text = stored_text(world)
    assert "王小明".encode().decode() not in text and CHILD_ID not in text and "哮喘" not in text
    assert world.keys.get(UUID(str(child["id"]))) is not None, "the person has a key of their own"


def test_a_child_without_a_guardians_consent_is_refused_and_nothing_is_stored(world: World) -> None:
    body = child_body()
    del body["personal"]["guardian"]
    with pytest.raises(RuleViolated) as refused:
        register(world, body)
    assert refused.value.rule == "casework.beneficiary.guardian_consent_required"
    assert world.stored() == []


def test_consent_after_the_registration_is_refused(world: World) -> None:
    body = child_body()
    body["personal"]["guardian"]["consented_on"] = "2022-03-02"
    with pytest.raises(RuleViolated) as refused:
        register(world, body)
    assert refused.value.rule == "casework.beneficiary.consent_after_registration"
    assert world.stored() == []


def test_a_fourteen_year_old_needs_no_guardian(world: World) -> None:
    body = child_body(registered_on="2029-03-01")
    del body["personal"]["guardian"]
    assert register(world, body)["child"] is False


def test_an_unknown_target_group_or_a_wrong_check_digit_names_the_field(world: World) -> None:
    with pytest.raises(Invalid) as unknown:
        register(world, adult_body(target_groups=["rich"]))
    assert unknown.value.field == "target_groups"
    body = adult_body()
    body["personal"]["national_id_number"] = ADULT_ID[:-1] + ("0" if ADULT_ID[-1] != "0" else "1")
    with pytest.raises(Invalid) as wrong:
        register(world, body)
    assert wrong.value.field == "national_id_number" and ADULT_ID[:6] not in wrong.value.detail
    assert world.stored() == []


def test_likely_duplicates_are_flagged_not_refused(world: World) -> None:
    first = register(world, adult_body())
    same_number = register(world, adult_body(village_code="V09"))
    assert same_number["possible_duplicates"] == [{"beneficiary_id": str(first["id"]), "reason": "same_id_number"}]
    body = adult_body()
    body["personal"] = {"name": "赵 大爷", "birth_date": "1950-01-01"}  # no id number, a space in the name
    similar = register(world, body)
    reasons = {d["reason"] for d in similar["possible_duplicates"]}
    assert reasons == {"similar_name_birth_village"}
    other = adult_body(village_code="V03")
    other["personal"] = {"name": "赵大爷", "birth_date": "1950-01-01"}
    assert register(world, other)["possible_duplicates"] == [], "another village is another person"


def test_a_worker_registers_only_at_its_own_station_a_contractor_only_at_its_stations(world: World) -> None:
    with pytest.raises(Forbidden) as refused:
        register(world, adult_body(station_id=WEST))
    assert refused.value.extra["rule"] == "casework.scope.station"
    assert register(world, adult_body(station_id=WEST), ctx=CONTRACTOR)["station_id"] == WEST
    for ctx in (FINANCE, AUDITOR, SUPERVISOR):
        with pytest.raises(Forbidden):
            register(world, adult_body(), ctx=ctx)
    assert len(world.stored()) == 1


def test_personal_data_is_read_by_those_who_need_it_and_every_read_is_logged(world: World) -> None:
    child = register(world, child_body())
    bid = UUID(str(child["id"]))
    data = world.app.read_personal_data(WORKER, bid, "home visit planning")
    assert data["name"] == "王小明" and data["national_id_number"] == CHILD_ID
    assert data["guardian"]["name"] == "王奶奶"
    world.app.read_personal_data(ADMIN, bid, "allowance check")
    for ctx in (OTHER_WORKER, FINANCE, AUDITOR, SUPERVISOR):
        with pytest.raises(Forbidden):
            world.app.read_personal_data(ctx, bid, "curious")
    log = world.app.personal_data_reads(AUDITOR, bid, 0, 10)
    assert [(e["actor"], e["purpose"]) for e in log] == [(ADMIN.actor, "allowance check"),
                                                         (WORKER.actor, "home visit planning")]
    by_worker = world.app.personal_data_reads(AUDITOR, None, 0, 10, actor=WORKER.actor)
    assert [e["purpose"] for e in by_worker] == ["home visit planning"]
    with pytest.raises(Forbidden):
        world.app.personal_data_reads(FINANCE, bid, 0, 10)


def test_erasure_destroys_the_key_the_facts_stay_and_nothing_reads_the_person_back(world: World) -> None:
    child = register(world, child_body())
    bid = UUID(str(child["id"]))
    erased = world.app.erase_beneficiary(ADMIN, bid, EraseBeneficiary(erased_on="2023-01-05", reason="request"))
    assert erased["erased_on"].isoformat() == "2023-01-05" and erased["target_groups"] == child["target_groups"]
    assert world.keys.get(bid) is None
    with pytest.raises(RuleViolated) as refused:
        world.app.read_personal_data(ADMIN, bid, "after erasure")
    assert refused.value.rule == "casework.beneficiary.erased"
    # Every sealed record of the person is in the store still, and opens with nothing.
    as_registered = world.app.repository.get(bid, version=1)
    assert as_registered.sealed and world.app.vault.open(bid, as_registered.sealed) is None
    assert world.keys.with_id_digest(world.app.vault.digest(f"id:{CHILD_ID}")) == [], "the digests went too"
    # A new registration of the same person is no longer linked to the erased one.
    assert register(world, child_body())["possible_duplicates"] == []


def test_an_erased_person_is_not_changed_again(world: World) -> None:
    bid = UUID(str(register(world, adult_body())["id"]))
    world.app.erase_beneficiary(ADMIN, bid, EraseBeneficiary(erased_on="2023-01-05", reason="request"))
    before = len(world.stored())
    with pytest.raises(RuleViolated) as again:
        world.app.erase_beneficiary(ADMIN, bid, EraseBeneficiary(erased_on="2023-01-06", reason="again"))
    assert again.value.rule == "casework.beneficiary.erased"
    with pytest.raises(RuleViolated):
        world.app.change_target_groups(WORKER, bid, ChangeTargetGroups(target_groups=["disabled"],
                                                                        changed_on="2023-02-01"))
    assert len(world.stored()) == before


def test_only_the_bureau_erases(world: World) -> None:
    bid = UUID(str(register(world, adult_body())["id"]))
    with pytest.raises(Forbidden):
        world.app.erase_beneficiary(WORKER, bid, EraseBeneficiary(erased_on="2023-01-05", reason="request"))
    assert world.keys.get(bid) is not None


def test_a_correction_is_sealed_and_read_back(world: World) -> None:
    bid = UUID(str(register(world, adult_body())["id"]))
    personal = PersonalData(name="赵大伯", national_id_number=ADULT_ID, birth_date="1950-01-01", phone="13700000000")
    world.app.correct_personal_data(WORKER, bid, CorrectPersonalData(personal=personal))
    assert world.app.read_personal_data(WORKER, bid, "check")["name"] == "赵大伯"
    assert "赵大伯" not in stored_text(world)


def test_target_groups_change_from_a_date(world: World) -> None:
    bid = UUID(str(register(world, adult_body())["id"]))
    changed = world.app.change_target_groups(
        WORKER, bid, ChangeTargetGroups(target_groups=["disabled", "elderly_in_difficulty"], changed_on="2022-05-01"))
    assert changed["target_groups"] == ["disabled", "elderly_in_difficulty"] and changed["version"] == 2
    with pytest.raises(RuleViolated) as same:
        world.app.change_target_groups(
            WORKER, bid, ChangeTargetGroups(target_groups=["elderly_in_difficulty", "disabled"],
                                            changed_on="2022-05-02"))
    assert same.value.rule == "casework.beneficiary.groups_unchanged"


def test_a_duplicate_is_merged_with_history_kept_and_erased_with_the_person(world: World) -> None:
    first = UUID(str(register(world, adult_body())["id"]))
    second = register(world, adult_body(village_code="V09"))
    duplicate = UUID(str(second["id"]))
    assert second["possible_duplicates"][0]["reason"] == "same_id_number"
    merged = world.app.merge_beneficiary(WORKER, duplicate, MergeBeneficiary(into=first, merged_on="2022-04-01",
                                                                             reason="同一人重复登记"))
    assert merged["merged_into"] == str(first) and merged["registered_on"].isoformat() == "2022-03-02"
    assert world.app.get_beneficiary(ADMIN, first)["merged_from"] == [str(duplicate)]
    with pytest.raises(RuleViolated) as merged_again:
        world.app.change_target_groups(WORKER, duplicate, ChangeTargetGroups(target_groups=["disabled"],
                                                                             changed_on="2022-05-01"))
    assert merged_again.value.rule == "casework.beneficiary.merged"
    with pytest.raises(RuleViolated) as into_self:
        world.app.merge_beneficiary(WORKER, first, MergeBeneficiary(into=first, merged_on="2022-04-01", reason="x"))
    assert into_self.value.rule == "casework.beneficiary.merge_into_self"
    assert world.app.read_personal_data(WORKER, duplicate, "history")["name"] == "赵大爷", "the history stays"
    world.app.erase_beneficiary(ADMIN, first, EraseBeneficiary(erased_on="2023-01-05", reason="request"))
    assert world.keys.get(first) is None and world.keys.get(duplicate) is None, "the merged record is erased too"
    assert world.app.get_beneficiary(ADMIN, duplicate)["erased_on"].isoformat() == "2023-01-05"


def test_merging_is_refused_for_an_erased_record(world: World) -> None:
    first = UUID(str(register(world, adult_body())["id"]))
    other = UUID(str(register(world, adult_body(village_code="V09"))["id"]))
    world.app.erase_beneficiary(ADMIN, first, EraseBeneficiary(erased_on="2023-01-05", reason="request"))
    before = len(world.stored())
    with pytest.raises(RuleViolated) as refused:
        world.app.merge_beneficiary(WORKER, other, MergeBeneficiary(into=first, merged_on="2023-02-01", reason="x"))
    assert refused.value.rule == "casework.beneficiary.erased" and len(world.stored()) == before


def test_a_retried_registration_records_once_and_a_reused_key_for_another_person_is_refused(world: World) -> None:
    body = RegisterBeneficiary.model_validate(adult_body())
    first = world.app.register_beneficiary(WORKER, body, idempotency_key="k-1")
    again = world.app.register_beneficiary(WORKER, body, idempotency_key="k-1")
    assert again["id"] == first["id"] and len(world.keys.rows) == 1
    other = adult_body()
    other["personal"] = {**other["personal"], "name": "钱大娘"}
    with pytest.raises(Invalid) as reused:
        world.app.register_beneficiary(WORKER, RegisterBeneficiary.model_validate(other), idempotency_key="k-1")
    assert reused.value.field == "Idempotency-Key"
    assert "赵大爷" not in stored_text(world) and "钱大娘" not in stored_text(world), "the record keeps a digest only"


def test_a_contractor_acts_only_for_the_stations_its_contracts_cover(world: World) -> None:
    stranger = CONTRACTOR.__class__(actor="other-org", role="contractor", organisation="another-org")
    with pytest.raises(Forbidden):
        register(world, adult_body(), ctx=stranger)
    bid = UUID(str(register(world, adult_body())["id"]))
    with pytest.raises(Forbidden):
        world.app.read_personal_data(stranger, bid, "curious")
    assert world.app.read_personal_data(CONTRACTOR, bid, "case review")["name"] == "赵大爷"


def test_a_registrant_learns_of_a_duplicate_only_at_its_own_stations(world: World) -> None:
    """Registering a known id number must not tell a social worker it is on record at a station it does not serve."""
    elsewhere = register(world, adult_body(station_id=WEST), ctx=OTHER_WORKER)
    mine = register(world, adult_body(village_code="V09"), ctx=WORKER)
    assert mine["possible_duplicates"] == [], "the other record is at a station the worker does not serve"
    assert world.app.get_beneficiary(WORKER, UUID(str(mine["id"])))["possible_duplicates"] == []
    flag = [{"beneficiary_id": str(elsewhere["id"]), "reason": "same_id_number"}]
    assert world.app.get_beneficiary(CONTRACTOR, UUID(str(mine["id"])))["possible_duplicates"] == flag, \
        "the contractor holds both stations"
    for reader in (ADMIN, AUDITOR):
        assert world.app.get_beneficiary(reader, UUID(str(mine["id"])))["possible_duplicates"] == flag
    assert world.app.registrant_stations(WORKER) == {EAST} and world.app.registrant_stations(ADMIN) is None
