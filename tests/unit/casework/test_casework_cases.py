"""The case lifecycle after MZ/T 094-2017: each step in order, illegal steps refused with their rule and nothing
stored; services typed by the plan's four domains; reopening and transfer."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from services.casework.application import (
    AssessCase,
    CloseCase,
    EraseBeneficiary,
    OpenCase,
    PlanCase,
    RecordService,
    RegisterBeneficiary,
    ReopenCase,
    ReviewCase,
    TransferCase,
)
from shared.domain import DomainError, Forbidden, Invalid
from tests.unit.casework.world import (
    ADMIN,
    OTHER_WORKER,
    OTHER_WORKER_ID,
    WEST,
    WORKER,
    WORKER_ID,
    World,
    adult_body,
    child_body,
    refused,
)


def opened(world: World, body: dict | None = None) -> tuple[UUID, dict[str, Any]]:
    beneficiary = world.app.register_beneficiary(WORKER, RegisterBeneficiary.model_validate(body or child_body()))
    case = world.app.open_case(WORKER, OpenCase(beneficiary_id=beneficiary["id"], opened_on="2022-03-05",
                                                notes="祖母反映孩子夜里哭闹"))
    return UUID(str(case["id"])), case




def assess(world: World, case_id: UUID, **changes: Any) -> dict[str, Any]:
    body = {"on": "2022-03-10", "needs": ["child_welfare", "social_assistance"], "household_income_fen": 120000,
            "household_size": 3, "guardianship": "inadequate", **changes}
    return world.app.assess_case(WORKER, case_id, AssessCase.model_validate(body))


def through_services(world: World, case_id: UUID) -> None:
    assess(world, case_id)
    world.app.plan_case(WORKER, case_id, PlanCase(on="2022-03-12", goals=["按时上学", "监护落实"]))
    world.app.record_service(WORKER, case_id, RecordService(on="2022-03-15", domain="child_welfare",
                                                            service_type="family_visit_check", minutes=90))


def test_a_case_runs_through_every_step(world: World) -> None:
    case_id, case = opened(world)
    assert (case["stage"], case["worker_id"], case["guardianship_required"]) == ("intake", WORKER_ID, True)
    through_services(world, case_id)
    world.app.record_service(WORKER, case_id, RecordService(on="2022-03-20", domain="social_assistance",
                                                            service_type="resource_linking", minutes=45))
    reviewed = world.app.review_case(WORKER, case_id, ReviewCase(on="2022-06-01", goals_met=2))
    assert reviewed["stage"] == "reviewed"
    closed = world.app.close_case(WORKER, case_id, CloseCase(on="2022-06-05", outcome="goals_met"))
    assert closed["stage"] == "closed" and closed["closures"] == [{"on": date(2022, 6, 5), "outcome": "goals_met"}]
    again = world.app.reopen_case(WORKER, case_id, ReopenCase(on="2022-09-01", notes="又辍学"))
    assert again["stage"] == "planned" and len(again["services"]) == 2
    assert {s["domain"] for s in again["services"]} == {"child_welfare", "social_assistance"}


def test_steps_out_of_order_are_refused_with_their_rule(world: World) -> None:
    case_id, _ = opened(world)
    refused(world, "casework.case.not_assessed",
            lambda: world.app.plan_case(WORKER, case_id, PlanCase(on="2022-03-12", goals=["x"])))
    refused(world, "casework.case.no_plan", lambda: world.app.record_service(
        WORKER, case_id, RecordService(on="2022-03-12", domain="child_welfare", service_type="safety_education",
                                       minutes=30)))
    refused(world, "casework.case.no_services",
            lambda: world.app.review_case(WORKER, case_id, ReviewCase(on="2022-03-12", goals_met=0)))
    refused(world, "casework.case.not_reviewed",
            lambda: world.app.close_case(WORKER, case_id, CloseCase(on="2022-03-12", outcome="goals_met")))
    refused(world, "casework.case.not_closed",
            lambda: world.app.reopen_case(WORKER, case_id, ReopenCase(on="2022-03-12")))


def test_a_childs_case_needs_a_guardianship_assessment(world: World) -> None:
    case_id, _ = opened(world)
    refused(world, "casework.case.guardianship_assessment_required",
            lambda: assess(world, case_id, guardianship=None))
    adult_case, _ = opened(world, adult_body())
    assert assess(world, adult_case, guardianship=None)["stage"] == "assessed"


def test_a_closed_case_takes_nothing_until_reopened(world: World) -> None:
    case_id, _ = opened(world)
    through_services(world, case_id)
    world.app.review_case(WORKER, case_id, ReviewCase(on="2022-04-01", goals_met=1))
    world.app.close_case(WORKER, case_id, CloseCase(on="2022-04-02", outcome="goals_partly_met"))
    refused(world, "casework.case.closed", lambda: world.app.record_service(
        WORKER, case_id, RecordService(on="2022-04-03", domain="child_welfare", service_type="safety_education",
                                       minutes=30)))
    refused(world, "casework.case.closed",
            lambda: world.app.close_case(WORKER, case_id, CloseCase(on="2022-04-03", outcome="goals_met")))
    reopened = world.app.reopen_case(WORKER, case_id, ReopenCase(on="2022-05-01", reassess=True))
    assert reopened["stage"] == "intake"
    assert assess(world, case_id, on="2022-05-02")["stage"] == "assessed"


def test_dates_never_go_back_and_unknown_services_name_the_field(world: World) -> None:
    case_id, _ = opened(world)
    refused(world, "casework.case.before_last_step", lambda: assess(world, case_id, on="2022-03-01"))
    assess(world, case_id)
    world.app.plan_case(WORKER, case_id, PlanCase(on="2022-03-12", goals=["x"]))
    with pytest.raises(Invalid) as unknown:
        world.app.record_service(WORKER, case_id, RecordService(on="2022-03-15", domain="child_welfare",
                                                                service_type="end_of_life_care", minutes=30))
    assert unknown.value.field == "service_type"
    with pytest.raises(Invalid) as goals:
        world.app.record_service(WORKER, case_id, RecordService(on="2022-03-15", domain="child_welfare",
                                                                service_type="safety_education", minutes=30))
        world.app.review_case(WORKER, case_id, ReviewCase(on="2022-03-16", goals_met=2))
    assert goals.value.field == "goals_met"


def test_only_the_cases_station_records_on_it(world: World) -> None:
    case_id, _ = opened(world)
    before = len(world.stored())
    with pytest.raises(Forbidden):
        world.app.assess_case(OTHER_WORKER, case_id,
                              AssessCase(on="2022-03-10", needs=["child_welfare"], guardianship="adequate"))
    assert len(world.stored()) == before


def test_a_transfer_goes_to_a_worker_assigned_to_the_station(world: World) -> None:
    case_id, _ = opened(world)
    refused(world, "casework.case.worker_not_at_station", lambda: world.app.transfer_case(
        WORKER, case_id, TransferCase(on="2022-03-06", worker_id=OTHER_WORKER_ID)))
    moved = world.app.transfer_case(WORKER, case_id, TransferCase(on="2022-03-06", worker_id=OTHER_WORKER_ID,
                                                                  station_id=WEST))
    assert (moved["worker_id"], moved["station_id"]) == (OTHER_WORKER_ID, WEST)
    assert world.app.assess_case(OTHER_WORKER, case_id, AssessCase(
        on="2022-03-10", needs=["child_welfare"], guardianship="adequate"))["stage"] == "assessed"
    with pytest.raises(Forbidden):
        world.app.assess_case(WORKER, case_id, AssessCase(on="2022-03-11", needs=["child_welfare"],
                                                          guardianship="adequate"))


def test_an_erased_persons_case_keeps_its_facts_and_takes_no_new_notes(world: World) -> None:
    case_id, case = opened(world)
    through_services(world, case_id)
    world.app.erase_beneficiary(ADMIN, UUID(str(case["beneficiary_id"])),
                                EraseBeneficiary(erased_on="2022-04-01", reason="request"))
    with pytest.raises(DomainError):
        world.app.review_case(WORKER, case_id, ReviewCase(on="2022-04-02", goals_met=1, notes="x"))
    assert world.app.get_case(ADMIN, case_id)["services"][0]["minutes"] == 90
    first_note = world.app.repository.get(case_id).sealed[0]["sealed"]
    assert world.app.vault.open(UUID(str(case["beneficiary_id"])), first_note) is None


def test_a_cases_notes_are_read_by_its_station_and_logged(world: World) -> None:
    case_id, _ = opened(world)
    through_services(world, case_id)
    notes = world.app.read_case_notes(WORKER, case_id, "case conference")
    assert [(n["step"], n.get("notes"), n.get("goals")) for n in notes["notes"]] == [
        ("intake", "祖母反映孩子夜里哭闹", None), ("plan", None, ["按时上学", "监护落实"])]
    with pytest.raises(Forbidden):
        world.app.read_case_notes(OTHER_WORKER, case_id, "curious")
    assert [(e["record"], e["purpose"]) for e in world.app.personal_data_reads(ADMIN, None, 0, 10)] == [
        (f"case:{case_id}", "case conference")]


def test_a_retried_service_is_recorded_once_and_its_record_keeps_no_note(world: World) -> None:
    case_id, _ = opened(world)
    assess(world, case_id)
    world.app.plan_case(WORKER, case_id, PlanCase(on="2022-03-12", goals=["x"]))
    service = RecordService(on="2022-03-15", domain="child_welfare", service_type="safety_education", minutes=30,
                            notes="孩子说起继父的事")
    first = world.app.record_service(WORKER, case_id, service, idempotency_key="s-1")
    again = world.app.record_service(WORKER, case_id, service, idempotency_key="s-1")
    assert first == again and len(again["services"]) == 1
    other = service.model_copy(update={"notes": "另一件事"})
    with pytest.raises(Invalid):
        world.app.record_service(WORKER, case_id, other, idempotency_key="s-1")
    text = "\n".join(n.state.decode("utf-8", "replace") for n in world.stored())
    assert "继父" not in text, "neither the event nor the idempotency record holds the note"
