"""Every rule not covered by the story tests: each refusal names its rule and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from services.casework.application import (
    AssessCase,
    AssignVerification,
    Casework,
    CompleteVerification,
    EraseBeneficiary,
    OpenCase,
    PlanCase,
    RecordActivity,
    RecordActivityOutcome,
    RegisterBeneficiary,
    TransferCase,
)
from shared.domain import RuleViolated
from tests.unit.casework.world import (
    ADMIN,
    EAST,
    OTHER_WORKER_ID,
    WORKER,
    WORKER_ID,
    World,
    adult_body,
    child_body,
)


def elder(app: Casework) -> UUID:
    return UUID(str(app.register_beneficiary(WORKER, RegisterBeneficiary.model_validate(adult_body()))["id"]))


def case_of(app: Casework) -> UUID:
    return UUID(str(app.open_case(WORKER, OpenCase(beneficiary_id=elder(app), opened_on="2022-03-05"))["id"]))


def born_after_registration(app: Casework) -> None:
    body = child_body(registered_on="2015-02-01")
    app.register_beneficiary(ADMIN, RegisterBeneficiary.model_validate(body))


def erased_before_registration(app: Casework) -> None:
    app.erase_beneficiary(ADMIN, elder(app), EraseBeneficiary(erased_on="2022-03-01", reason="x"))


def case_before_registration(app: Casework) -> None:
    app.open_case(WORKER, OpenCase(beneficiary_id=elder(app), opened_on="2022-03-01"))


def case_for_a_worker_elsewhere(app: Casework) -> None:
    app.open_case(ADMIN, OpenCase(beneficiary_id=elder(app), worker_id=OTHER_WORKER_ID, opened_on="2022-03-05"))


def assessment_after_plan(app: Casework) -> None:
    case = case_of(app)
    app.assess_case(WORKER, case, AssessCase(on="2022-03-06", needs=["elderly_care"]))
    app.plan_case(WORKER, case, PlanCase(on="2022-03-07", goals=["每周探访"]))
    app.assess_case(WORKER, case, AssessCase(on="2022-03-08", needs=["elderly_care"]))


def transfer_to_same(app: Casework) -> None:
    app.transfer_case(WORKER, case_of(app), TransferCase(on="2022-03-06", worker_id=WORKER_ID))


def outcome_twice(app: Casework) -> None:
    activity = app.record_activity(WORKER, RecordActivity(
        kind="community", station_id=EAST, held_on="2022-04-01", title="健康讲座", goal="提升健康意识",
        method="社区讲座", participants=30, outcome="30人参加"))
    app.record_activity_outcome(WORKER, activity["id"], RecordActivityOutcome(outcome="又一次"))


def verification_done_before_assigned(app: Casework) -> None:
    task = app.assign_verification(ADMIN, AssignVerification(kind="high_age_subsidy", station_id=EAST,
                                                             worker_id=WORKER_ID, assigned_on="2022-05-01"))
    app.complete_verification(WORKER, task["id"], CompleteVerification(done_on="2022-04-30", result="confirmed"))


@pytest.mark.parametrize(("rule", "act"), [
    ("casework.beneficiary.born_after_registration", born_after_registration),
    ("casework.beneficiary.erased_before_registration", erased_before_registration),
    ("casework.case.before_registration", case_before_registration),
    ("casework.case.worker_not_at_station", case_for_a_worker_elsewhere),
    ("casework.case.assessment_after_plan", assessment_after_plan),
    ("casework.case.transfer_to_same", transfer_to_same),
    ("casework.activity.outcome_recorded", outcome_twice),
    ("casework.verification.done_before_assigned", verification_done_before_assigned),
])
def test_a_refusal_names_its_rule_and_stores_nothing(world: World, rule: str, act: Callable[[Casework], None]) -> None:
    stored: list[int] = []
    original = world.app.execute

    def counting(*args, **kwargs):  # the number of events before the refused command
        stored.append(len(world.stored()))
        return original(*args, **kwargs)

    world.app.execute = counting  # type: ignore[method-assign]
    with pytest.raises(RuleViolated) as refused:
        act(world.app)
    assert refused.value.rule == rule
    assert len(world.stored()) == stored[-1], "the refused command stored nothing"
