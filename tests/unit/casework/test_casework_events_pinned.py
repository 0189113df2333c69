"""The casework service's events are pinned: a scripted story must store and publish exactly what it always did.

The story runs every casework command through the application (in-memory store, fixed dates and contexts) and
records each stored event (class, version, attributes without the timestamp) and each published document's ``type``
and ``data``. Ids the service draws at random are written ``<id-N>`` in order of first appearance, sealed personal
data ``<sealed>`` (its nonce is random). ``casework_events.json`` holds the record; any difference is a change
departments' systems and the audit ledger would see. After a deliberate change of an event, write the file again
with ``python -m tests.unit.casework.test_casework_events_pinned`` and review the diff.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from services.casework import application as a
from services.casework.application import Casework
from services.casework.application.ports import MemoryAccessLog, MemoryKeyStore
from services.casework.published import PUBLISHED
from shared import payloads
from shared.domain import Context
from tests.unit.casework.world import (
    ADMIN,
    EAST,
    OTHER_WORKER_ID,
    POLICY,
    SUPERVISOR,
    WEST,
    WORKER,
    WORKER_ID,
    adult_body,
    child_body,
    make_directory,
)

PINNED = Path(__file__).with_name("casework_events.json")
FIXED = {EAST: "<east>", WEST: "<west>", WORKER_ID: "<worker>", OTHER_WORKER_ID: "<other-worker>"}
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def run(app: Casework) -> None:
    """Every command of the service once or more."""
    child = app.register_beneficiary(WORKER, a.RegisterBeneficiary.model_validate(child_body(
        target_groups=["orphan", "minor"])))["id"]
    elder = app.register_beneficiary(WORKER, a.RegisterBeneficiary.model_validate(adult_body()))["id"]
    twin = app.register_beneficiary(WORKER, a.RegisterBeneficiary.model_validate(adult_body(village_code="V09")))["id"]
    app.change_target_groups(WORKER, elder, a.ChangeTargetGroups(target_groups=["disabled", "elderly_in_difficulty"],
                                                                 changed_on="2022-04-01"))
    app.correct_personal_data(WORKER, elder, a.CorrectPersonalData(personal=a.PersonalData(
        name="赵大伯", birth_date="1950-01-01")))
    case = app.open_case(WORKER, a.OpenCase(beneficiary_id=child, opened_on="2022-03-05", notes="学校转介"))["id"]
    app.assess_case(WORKER, case, a.AssessCase(on="2022-03-06", needs=["child_welfare"], household_income_fen=80000,
                                               household_size=2, guardianship="inadequate"))
    app.plan_case(WORKER, case, a.PlanCase(on="2022-03-07", goals=["监护落实"], review_by="2022-06-30"))
    app.record_service(WORKER, case, a.RecordService(on="2022-03-10", domain="child_welfare",
                                                     service_type="family_visit_check", minutes=60, notes="家访"))
    app.review_case(WORKER, case, a.ReviewCase(on="2022-06-01", goals_met=1))
    app.close_case(WORKER, case, a.CloseCase(on="2022-06-02", outcome="goals_met"))
    app.reopen_case(WORKER, case, a.ReopenCase(on="2022-09-01"))
    app.transfer_case(WORKER, case, a.TransferCase(on="2022-09-02", worker_id=OTHER_WORKER_ID, station_id=WEST))
    activity = app.record_activity(WORKER, a.RecordActivity.model_validate({
        "kind": "community", "station_id": EAST, "held_on": "2022-05-01", "title": "邻里节", "goal": "促进邻里互助",
        "method": "社区活动", "participants": 40, "beneficiary_ids": [elder], "volunteers": 6}))["id"]
    app.record_activity_outcome(WORKER, activity, a.RecordActivityOutcome(outcome="成立互助小组"))
    app.foster_organisation(WORKER, a.FosterOrganisation(name="邻里互助会", kind="mutual_aid", station_id=EAST,
                                                         village_code="V01", fostered_on="2022-05-10", members=15))
    app.award_points(WORKER, a.AwardPoints(station_id=EAST, village_code="V01", household_ref="H-17", points=20,
                                           category="环境整治", on="2022-05-11"))
    app.redeem_points(WORKER, a.RedeemPoints(station_id=EAST, village_code="V01", household_ref="H-17", points=5,
                                             item="洗衣粉", on="2022-05-12"))
    app.hold_supervision(SUPERVISOR, a.HoldSupervision(station_id=EAST, held_on="2022-05-20", hours=8,
                                                       content="个案督导"))
    task = app.assign_verification(ADMIN, a.AssignVerification(
        kind="orphan_allowance", station_id=EAST, worker_id=WORKER_ID, beneficiary_id=child,
        assigned_on="2022-07-01", due_on="2022-07-15"))["id"]
    app.complete_verification(WORKER, task, a.CompleteVerification(done_on="2022-07-20", result="discrepancy"))
    app.record_survey(WORKER, a.RecordSurvey.model_validate({
        "station_id": EAST, "beneficiary_id": elder, "surveyed_on": "2022-08-01",
        "scores": [{"aspect": "attitude", "score": 90}, {"aspect": "effect", "score": 80}]}))
    app.merge_beneficiary(WORKER, twin, a.MergeBeneficiary(into=elder, merged_on="2022-08-02", reason="重复登记"))
    app.erase_beneficiary(ADMIN, elder, a.EraseBeneficiary(erased_on="2023-01-05", reason="本人申请"))


class Normaliser:
    """Turns a record into plain JSON with random ids numbered and sealed text hidden."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = dict(FIXED)

    def __call__(self, value: Any, key: str = "") -> Any:
        if key == "sealed":
            return ("<sealed>" if not isinstance(value, list) else ["<sealed>"] * len(value)) if value else value
        if isinstance(value, dict):
            return {str(k): self(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        if isinstance(value, Context):
            return self(value.as_dict())
        if isinstance(value, UUID):
            value = str(value)
        if isinstance(value, str) and UUID_TEXT.match(value):
            return self.ids.setdefault(value, f"<id-{len(self.ids) - len(FIXED) + 1}>")
        if isinstance(value, date):
            return value.isoformat()
        return value


def record() -> dict[str, Any]:
    """What the story stores and publishes, in a form JSON can hold."""
    app = Casework(env={}, policy=POLICY, keys=MemoryKeyStore(), directory=make_directory(),
                   access_log=MemoryAccessLog())
    run(app)
    plain, stored, published = Normaliser(), [], []
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        domain_event = app.mapper.to_domain_event(notification)
        attributes = {k: v for k, v in vars(domain_event).items() if k != "timestamp"}
        attributes["originator_topic"] = attributes.get("originator_topic", "").partition(":")[2]
        stored.append({"event": notification.topic.partition(":")[2], "version": notification.originator_version,
                       "attributes": plain(attributes)})
        contract = PUBLISHED.get(type(domain_event))
        if contract is not None:
            data = payloads.data(contract, vars(domain_event))  # as the relay builds it
            published.append({"type": contract.event_type(), "data": plain(data)})
    return {"stored": stored, "published": published}


def test_the_story_stores_and_publishes_exactly_the_pinned_events() -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    fresh = json.loads(json.dumps(record(), ensure_ascii=False))
    assert len(fresh["stored"]) == len(pinned["stored"])
    for now, then in zip(fresh["stored"], pinned["stored"], strict=True):
        assert now == then
    assert fresh["published"] == pinned["published"]


if __name__ == "__main__":
    PINNED.write_text(json.dumps(record(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
