"""Unit tests of the workforce domain's pure parts: validation, masking, targets, published contracts."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.workforce.application import policy_from
from services.workforce.domain import (
    ServiceOrganisation,
    SocialWorker,
    WorkforceBaseline,
    assess_targets,
    credit_code_check_char,
    mask_national_id,
    mask_phone,
    national_id_check_char,
    validate_credit_code,
    validate_national_id,
    validate_phone,
)
from services.workforce.published import PUBLISHED
from shared.application import IdempotencyRecord
from shared.contracts import contract_for
from shared.domain import Invalid
from shared.settings import Settings

POLICY = policy_from(Settings())

BASELINE = {"year": 2020, "certified_social_workers": 20, "professionals": 100}


def statuses(results: list[dict]) -> dict[str, str]:
    """Target name → status."""
    return {r["target"]: r["status"] for r in results}


# --- validation and masking --------------------------------------------------------------------


def test_a_national_id_number_with_a_valid_check_digit_is_accepted_and_normalised() -> None:
    # 11010519491231002X is the standard's own example number.
    assert national_id_check_char("11010519491231002") == "X"
    assert validate_national_id(" 11010519491231002x ") == "11010519491231002X"


def test_a_national_id_number_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(Invalid) as caught:
        validate_national_id("110105194912310021")
    assert caught.value.field == "national_id_number"


def test_a_phone_is_eleven_digits_starting_with_one() -> None:
    assert validate_phone("13812345678") == "13812345678"
    with pytest.raises(Invalid) as caught:
        validate_phone("03812345678")
    assert caught.value.field == "phone"


def test_a_unified_social_credit_code_has_a_valid_check_character() -> None:
    code = "91350100M000100Y4"
    assert validate_credit_code(code + credit_code_check_char(code)) == code + credit_code_check_char(code)
    with pytest.raises(Invalid):
        validate_credit_code("91350100M000100Y4I")  # I is not in the code's alphabet


def test_masks_keep_three_leading_and_four_trailing_characters() -> None:
    assert mask_national_id("110105199001011234") == "110***********1234"
    assert mask_phone("13812345678") == "138****5678"


# --- targets -----------------------------------------------------------------------------------


def test_targets_met_when_every_figure_reaches_its_threshold() -> None:
    results = assess_targets(
        BASELINE,
        {2021: 27, 2022: 37, 2023: 50},
        professionals=460,
        population=45000,
        registered_orgs=1,
        as_of=date(2023, 12, 31),
        policy=POLICY,
    )
    assert statuses(results) == {
        "certified_growth_per_year": "met",
        "certified_total_multiple": "met",
        "professionals_share": "met",
        "registered_organisations": "met",
    }
    by_name = {r["target"]: r for r in results}
    assert by_name["certified_total_multiple"]["threshold"] == 40
    assert by_name["professionals_share"]["threshold"] == 450
    assert by_name["certified_growth_per_year"]["value"] == pytest.approx(0.3572, abs=1e-4)
    assert by_name["certified_growth_per_year"]["threshold"] == 0.35


def test_targets_on_track_mid_plan_when_the_pace_is_kept() -> None:
    results = assess_targets(
        BASELINE, {2021: 28}, professionals=250, population=45000, registered_orgs=0, as_of=date(2021, 12, 31),
        policy=POLICY,
    )
    assert statuses(results) == {
        "certified_growth_per_year": "on_track",
        "certified_total_multiple": "on_track",
        "professionals_share": "on_track",
        "registered_organisations": "on_track",
    }


def test_targets_at_risk_when_growth_is_slow_and_time_runs_out() -> None:
    results = assess_targets(
        BASELINE,
        {2021: 22, 2022: 24},
        professionals=120,
        population=45000,
        registered_orgs=0,
        as_of=date(2022, 12, 31),
        policy=POLICY,
    )
    assert statuses(results) == {
        "certified_growth_per_year": "at_risk",
        "certified_total_multiple": "at_risk",
        "professionals_share": "at_risk",
        "registered_organisations": "at_risk",
    }


def test_targets_are_not_at_risk_merely_because_the_first_year_has_no_figures_yet() -> None:
    results = assess_targets(
        BASELINE, {}, professionals=100, population=45000, registered_orgs=0, as_of=date(2021, 3, 1),
        policy=POLICY,
    )
    assert statuses(results)["certified_growth_per_year"] == "on_track"
    assert statuses(results)["certified_total_multiple"] == "on_track"
    later = assess_targets(
        BASELINE, {}, professionals=100, population=45000, registered_orgs=0, as_of=date(2022, 6, 1),
        policy=POLICY,
    )
    assert statuses(later)["certified_growth_per_year"] == "at_risk"


def test_target_thresholds_come_from_the_policy() -> None:
    policy = replace(
        POLICY,
        professionals_share=Decimal("0.005"),
        certified_multiple=Decimal("3"),
        registered_organisations_target=2,
    )
    results = {
        r["target"]: r
        for r in assess_targets(BASELINE, {"2021": 30}, 230, 45000, 1, date(2021, 12, 31), policy)
    }
    assert results["professionals_share"]["threshold"] == 225
    assert results["professionals_share"]["status"] == "met"
    assert results["certified_total_multiple"]["threshold"] == 60
    assert results["registered_organisations"]["threshold"] == 2


# --- published contracts -----------------------------------------------------------------------


def domain_events() -> list[type]:
    """Every event class the workforce aggregates can trigger."""
    return [
        value
        for aggregate in (ServiceOrganisation, SocialWorker, WorkforceBaseline)
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, aggregate.Event) and name not in {"Event", "Created"}
    ]


def test_every_domain_event_is_published_with_a_contract() -> None:
    events = domain_events()
    assert len(events) == 30
    assert set(events) == set(PUBLISHED)
    assert IdempotencyRecord.Recorded not in PUBLISHED


def test_contract_fields_are_attributes_of_their_events() -> None:
    for event_class, contract in PUBLISHED.items():
        attributes = {f.name for f in dataclasses.fields(event_class)}
        assert set(contract.model_fields) <= attributes, (event_class, contract)
        assert contract.subject().startswith("sw.workforce.")
        assert contract_for(contract.event_type()) is contract


def test_no_contract_carries_the_id_number_or_phone() -> None:
    for contract in PUBLISHED.values():
        assert not {"national_id_number", "phone", "summary", "outcome", "number"} & set(
            contract.model_fields
        )
    assert "name" in PUBLISHED[SocialWorker.Hired].model_fields
