"""Casework's bulk history through the real application on PostgreSQL: what the steps say is what the store holds —
every person registered once at their station, every case at the stage of its last step — and a second growth
carries on the same years with new commands, none refused or answered from an earlier one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from benchmarks.casework_history import CaseworkHistory, Step
from benchmarks.load import stored_events
from deploy.cleanup import drop_run_databases
from services.casework.domain import Beneficiary, Case
from shared import store
from shared.settings import Settings

UNTIL = date(2026, 10, 31)
STAGE_AFTER = {"case": "intake", "assessments": "assessed", "plan": "planned", "services": "in_service",
               "reviews": "reviewed", "closure": "closed"}


@pytest.fixture
def history(iso: Settings) -> Iterator[tuple[CaseworkHistory, list[Step]]]:
    """A casework history on this test's own database, with the steps it applied."""
    grown = CaseworkHistory(iso, seed=11, until=UNTIL)
    applied: list[Step] = []
    apply = grown.writer.apply

    def recording(step: Step) -> None:
        apply(step)
        applied.append(step)

    grown.writer.apply = recording  # type: ignore[method-assign]
    yield grown, applied
    grown.close()
    drop_run_databases(iso)


def originators(settings: Settings, topic: str) -> list[UUID]:
    """The aggregates whose events of a topic (its class and event name) the store holds, oldest first."""
    with store.connect(store.service_url(settings, "casework")) as conn:
        rows = conn.execute("SELECT originator_id, min(notification_id) AS first FROM casework_events "
                            "WHERE topic LIKE %s GROUP BY originator_id ORDER BY first", (f"%{topic}",)).fetchall()
    return [row["originator_id"] for row in rows]


def test_the_store_holds_every_person_and_case_at_the_stage_of_its_last_step(
        iso: Settings, history: tuple[CaseworkHistory, list[Step]]) -> None:
    grown, applied = history
    written = grown.grow(600)
    assert written == stored_events(grown.app) >= 600
    registered = [s for s in applied if s.kind == "beneficiary"]
    last_kind = {s.person: s.kind for s in applied if s.kind not in ("posting", "beneficiary")}
    people = [grown.app.load(Beneficiary, b) for b in originators(iso, "Beneficiary.Registered")]
    assert [(p.household_ref, p.station_id, str(p.registered_on), list(p.possible_duplicates)) for p in people] == [
        (s.body["household_ref"], s.body["station_id"], s.body["registered_on"], []) for s in registered]
    cases = [grown.app.load(Case, c) for c in originators(iso, "Case.Opened")]
    assert len(cases) == len(last_kind) > 20  # each person ~10 events and an idempotency record per command
    number_of = {str(p.id): int(p.household_ref.rsplit("-", 1)[1]) for p in people}
    for case in cases:
        n = number_of[case.beneficiary_id]
        assert case.stage == STAGE_AFTER[last_kind[n]]
        assert case.guardianship_required == (n % 4 == 3)  # the fourth kind: left-behind children
        if case.guardianship_required and case.assessments:
            assert case.assessments[0]["guardianship"] == "inadequate"
    assert {c.stage for c in cases} >= {"closed"}


def test_a_second_growth_carries_on_the_same_years_with_new_commands_only(
        iso: Settings, history: tuple[CaseworkHistory, list[Step]]) -> None:
    grown, applied = history
    first = grown.grow(300)
    second = grown.grow(600)
    assert first >= 300 and first + second == stored_events(grown.app) >= 600
    commands = [s for s in applied if s.kind != "posting"]
    assert len({s.key for s in commands}) == len(commands)
    assert len(originators(iso, "IdempotencyRecord.Recorded")) == len(commands)  # none answered from an earlier one
    people = [s.person for s in applied if s.kind == "beneficiary"]
    assert people == list(range(len(people)))
    assert len(originators(iso, "Beneficiary.Registered")) == len(people)
