"""Casework's bulk history: deterministic, dated inside its year, every case in the order of its lifecycle, every
child with a guardian's consent and its guardianship assessed, every person served by a worker of their station."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date

import pytest

from benchmarks.casework_history import CODES, PEOPLE_PER_COUNTY, CaseworkYears, Step, county_station
from benchmarks.load import month_start
from services.casework.domain import validate_national_id

UNTIL = date(2026, 11, 30)
LIFECYCLE = ["beneficiary", "case", "assessments", "plan", "services", "reviews", "closure"]
AHEAD = {"review_by"}  # a date a step may set in the future


def steps(seed: int = 7, counties: int = 2, until: date = UNTIL) -> list[Step]:
    return list(CaseworkYears(seed, counties, until).steps())


def people(all_steps: list[Step]) -> dict[int, list[Step]]:
    found: dict[int, list[Step]] = {}
    for step in all_steps:
        if step.kind != "posting":
            found.setdefault(step.person, []).append(step)
    return found


def dates(body: dict) -> list[date]:
    return [date.fromisoformat(v) for k, v in body.items()
            if k not in AHEAD and isinstance(v, str) and k.endswith(("_on", "on"))]


def test_the_same_seed_and_end_date_give_the_same_steps_and_another_seed_others() -> None:
    assert steps(7, 1) == steps(7, 1)
    assert steps(7, 1) != steps(8, 1)
    assert steps(7, 1, date(2026, 11, 30)) != steps(7, 1, date(2026, 6, 30))


def test_a_longer_history_begins_with_the_shorter_one() -> None:
    longer = CaseworkYears(7, 10**6, UNTIL).steps()
    assert list(itertools.islice(longer, len(shorter := steps(7, 2)))) == shorter


@pytest.mark.parametrize("until", [date(2026, 11, 30), date(2025, 2, 28), date(2024, 12, 31)])
def test_every_step_is_dated_in_the_year_and_never_after_its_end(until: date) -> None:
    start = month_start(until, -12)
    for step in steps(3, 1, until):
        on = dates(step.body)
        assert on, step
        assert all(start <= d <= until for d in on), step


def test_every_county_year_serves_its_people_and_every_case_follows_its_lifecycle() -> None:
    generated = steps()
    by_person = people(generated)
    assert len(by_person) == 2 * PEOPLE_PER_COUNTY
    closed = 0
    for n, own in by_person.items():
        kinds = [s.kind for s in own]
        assert kinds[:5] == LIFECYCLE[:5], n
        assert kinds == sorted(kinds, key=LIFECYCLE.index), n
        assert kinds.count("reviews") == kinds.count("closure") <= 1
        assert kinds.count("services") <= 6
        if "reviews" in kinds:
            assert kinds.count("services") == 6  # reviewed once the plan's six services are given
            closed += 1
        on = [dates(s.body)[0] for s in own]
        assert on == sorted(on), n
    assert closed > len(by_person) / 4  # a year's cases are closed as well as open
    assert 9 < sum(len(own) for own in by_person.values()) / len(by_person) < 13


def test_children_have_their_guardians_consent_and_their_guardianship_assessed() -> None:
    children = 0
    for own in people(steps()).values():
        registered = own[0].body
        if "minor" in registered["target_groups"]:
            children += 1
            born = date.fromisoformat(registered["personal"]["birth_date"])
            assert (date.fromisoformat(registered["registered_on"]) - born).days < 14 * 365
            assert registered["personal"]["guardian"]["consented_on"] <= registered["registered_on"]
            assert own[2].kind == "assessments" and own[2].body["guardianship"]
        else:
            assert "guardian" not in registered["personal"]
            assert "guardianship" not in own[2].body
    assert children > 0


def test_every_person_is_registered_at_a_station_of_the_county_by_a_worker_posted_there_before() -> None:
    generated = steps()
    posted: dict[str, tuple[str, date]] = {}
    counties = Counter()
    for step in generated:
        if step.kind == "posting":
            posted[step.actor] = (step.body["station_id"], date.fromisoformat(step.body["on"]))
            continue
        station, since = posted[step.actor]
        if step.kind == "beneficiary":
            assert step.body["station_id"] == station
            assert station in {county_station(step.person // PEOPLE_PER_COUNTY, c) for c in CODES}
            assert since <= date.fromisoformat(step.body["registered_on"])
            counties[step.person // PEOPLE_PER_COUNTY] += 1
    assert len(posted) == 2 * len(CODES) * 2 and counties == {0: PEOPLE_PER_COUNTY, 1: PEOPLE_PER_COUNTY}


def test_every_command_has_its_own_idempotency_key_and_every_person_their_own_id_number() -> None:
    generated = steps()
    assert len({s.key for s in generated}) == len(generated)
    numbers = [s.body["personal"]["national_id_number"] for s in generated if s.kind == "beneficiary"]
    assert len(set(numbers)) == len(numbers)
    assert all(validate_national_id(n) == n for n in numbers)
