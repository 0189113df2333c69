"""Activities need professional content; community organisations are of the plan's six kinds; supervision is by
the station's supervisor and flags short sessions; verifications are assigned, done once, with a result."""

from __future__ import annotations

from uuid import UUID

import pytest

from services.casework.application import (
    AssignVerification,
    AwardPoints,
    CompleteVerification,
    FosterOrganisation,
    HoldSupervision,
    RecordActivity,
    RecordActivityOutcome,
    RecordSurvey,
    RedeemPoints,
    RegisterBeneficiary,
)
from shared.domain import Forbidden, Invalid
from tests.unit.casework.world import (
    ADMIN,
    EAST,
    OTHER_WORKER,
    SUPERVISOR,
    SUPERVISOR_ID,
    WEST,
    WORKER,
    WORKER_ID,
    World,
    adult_body,
    child_body,
    refused,
)

ACTIVITY = {"kind": "group", "station_id": EAST, "held_on": "2022-04-10", "title": "隔代教育小组",
            "goal": "提升祖辈照护能力", "method": "小组工作: 6节结构化小组", "participants": 8, "volunteers": 2}




def test_an_activity_with_goal_and_method_is_recorded(world: World) -> None:
    activity = world.app.record_activity(WORKER, RecordActivity.model_validate(ACTIVITY))
    assert (activity["worker_id"], activity["participants"], activity["volunteers"]) == (WORKER_ID, 8, 2)
    done = world.app.record_activity_outcome(WORKER, UUID(str(activity["id"])),
                                             RecordActivityOutcome(outcome="8名祖辈完成全部课程"))
    assert done["outcome"] == "8名祖辈完成全部课程" and done["version"] == 2


@pytest.mark.parametrize("missing", ["goal", "method"])
def test_an_activity_without_professional_content_is_refused(world: World, missing: str) -> None:
    body = {**ACTIVITY, missing: "  "}
    error = refused(world, "casework.activity.no_professional_content",
                    lambda: world.app.record_activity(WORKER, RecordActivity.model_validate(body)))
    assert error.extra["missing"] == [missing]


def test_an_activity_at_another_station_is_refused(world: World) -> None:
    with pytest.raises(Forbidden):
        world.app.record_activity(OTHER_WORKER, RecordActivity.model_validate(ACTIVITY))
    assert world.stored() == []


def test_community_organisations_are_of_the_plans_six_kinds(world: World) -> None:
    body = {"name": "幸福互助会", "kind": "mutual_aid", "station_id": EAST, "village_code": "V01",
            "fostered_on": "2022-05-01", "members": 12}
    assert world.app.foster_organisation(WORKER, FosterOrganisation.model_validate(body))["kind"] == "mutual_aid"
    with pytest.raises(Invalid) as unknown:
        world.app.foster_organisation(WORKER, FosterOrganisation.model_validate({**body, "kind": "business"}))
    assert unknown.value.field == "kind"


def test_supervision_is_by_the_stations_supervisor_and_short_sessions_are_flagged(world: World) -> None:
    body = {"station_id": EAST, "held_on": "2022-04-20", "hours": 16, "content": "个案研讨与记录规范"}
    held = world.app.hold_supervision(SUPERVISOR, HoldSupervision.model_validate(body))
    assert (held["supervisor_id"], held["below_minimum_hours"]) == (SUPERVISOR_ID, False)
    short = world.app.hold_supervision(SUPERVISOR, HoldSupervision.model_validate({**body, "hours": 4}))
    assert short["below_minimum_hours"] is True and short["minimum_hours"] == 16
    refused(world, "casework.supervision.not_stations_supervisor",
            lambda: world.app.hold_supervision(SUPERVISOR, HoldSupervision.model_validate({**body,
                                                                                           "station_id": WEST})))
    refused(world, "casework.supervision.not_stations_supervisor",
            lambda: world.app.hold_supervision(SUPERVISOR, HoldSupervision.model_validate(
                {**body, "held_on": "2020-12-31"})))
    with pytest.raises(Forbidden):
        world.app.hold_supervision(WORKER, HoldSupervision.model_validate(body))


def test_a_verification_is_assigned_done_once_with_its_result(world: World) -> None:
    orphan = world.app.register_beneficiary(WORKER, RegisterBeneficiary.model_validate(
        child_body(target_groups=["orphan"])))
    body = {"kind": "orphan_allowance", "station_id": EAST, "worker_id": WORKER_ID,
            "beneficiary_id": str(orphan["id"]), "assigned_on": "2022-04-01", "due_on": "2022-04-30"}
    task = world.app.assign_verification(ADMIN, AssignVerification.model_validate(body))
    task_id = UUID(str(task["id"]))
    done = world.app.complete_verification(WORKER, task_id, CompleteVerification(done_on="2022-04-15",
                                                                                  result="confirmed"))
    assert (done["result"], str(done["done_on"])) == ("confirmed", "2022-04-15")
    refused(world, "casework.verification.already_done", lambda: world.app.complete_verification(
        WORKER, task_id, CompleteVerification(done_on="2022-04-16", result="discrepancy")))
    elder = world.app.register_beneficiary(WORKER, RegisterBeneficiary.model_validate(adult_body()))
    refused(world, "casework.verification.not_in_group", lambda: world.app.assign_verification(
        ADMIN, AssignVerification.model_validate({**body, "beneficiary_id": str(elder["id"])})))
    refused(world, "casework.verification.worker_not_at_station", lambda: world.app.assign_verification(
        ADMIN, AssignVerification.model_validate({**body, "station_id": WEST})))
    with pytest.raises(Forbidden):
        world.app.assign_verification(WORKER, AssignVerification.model_validate(body))


def test_a_survey_scores_each_aspect_once(world: World) -> None:
    body = {"station_id": EAST, "surveyed_on": "2022-06-01",
            "scores": [{"aspect": "attitude", "score": 95}, {"aspect": "effect", "score": 85}]}
    assert world.app.record_survey(WORKER, RecordSurvey.model_validate(body))["overall"] == 90
    with pytest.raises(Invalid):
        world.app.record_survey(WORKER, RecordSurvey.model_validate(
            {**body, "scores": [{"aspect": "attitude", "score": 95}] * 2}))


def test_village_points_are_earned_and_never_overspent(world: World) -> None:
    award = {"station_id": EAST, "village_code": "V01", "household_ref": "H-17", "points": 20,
             "category": "环境整治", "on": "2022-05-01"}
    ledger = world.app.award_points(WORKER, AwardPoints.model_validate(award))
    assert (ledger["awarded"], ledger["households"]) == (20, [{"household_ref": "H-17", "balance": 20}])
    spent = world.app.redeem_points(WORKER, RedeemPoints(station_id=EAST, village_code="V01", household_ref="H-17",
                                                         points=15, item="洗衣粉", on="2022-05-02"))
    assert spent["households"][0]["balance"] == 5 and spent["redeemed"] == 15
    refused(world, "casework.points.insufficient", lambda: world.app.redeem_points(WORKER, RedeemPoints(
        station_id=EAST, village_code="V01", household_ref="H-17", points=6, item="米", on="2022-05-03")))
    refused(world, "casework.points.before_ledger", lambda: world.app.award_points(
        WORKER, AwardPoints.model_validate({**award, "on": "2022-04-30"})))
    with pytest.raises(Forbidden):
        world.app.award_points(WORKER, AwardPoints.model_validate({**award, "station_id": WEST}))
    assert world.app.get_points(SUPERVISOR, UUID(EAST), "V01")["households"][0]["balance"] == 5
