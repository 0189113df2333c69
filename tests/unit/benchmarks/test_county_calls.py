"""A whole county's year as HTTP calls: deterministic, well ordered, dated inside its year, keeping the plan's rules."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from benchmarks.county import SUPERVISED, Call, CountyYearCalls, station
from benchmarks.county_run import CountyRunner
from benchmarks.load import month_start
from services.stations.seed import TOWNSHIPS
from shared.settings import Settings

SETTINGS = Settings()
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AHEAD = {"ends_on", "period_end", "due_on", "review_by", "deadline"}  # dates a call may set in the future


def calls(until: date, beneficiaries: int = 60, seed: int = 3) -> list[Call]:
    return [c for phase in CountyYearCalls(seed, beneficiaries, until).phases() for chain in phase.chains
            for c in chain]


def names(value: Any) -> set[str]:
    """The ``@name`` references in a path, a body or a subject."""
    if isinstance(value, dict):
        return set().union(*map(names, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(names, value)) if value else set()
    if isinstance(value, str):
        return {part[1:] for part in value.split("/") if part.startswith("@")}
    return set()


def dates(value: Any) -> list[date]:
    """The days a body says something happened (not the ends and deadlines it sets)."""
    if isinstance(value, dict):
        return [d for k, v in value.items() if k not in AHEAD for d in dates(v)]
    if isinstance(value, list):
        return [d for v in value for d in dates(v)]
    return [date.fromisoformat(value)] if isinstance(value, str) and DAY.match(value) else []


def test_the_same_seed_and_end_date_give_the_same_calls() -> None:
    assert calls(date(2026, 11, 30)) == calls(date(2026, 11, 30))
    assert calls(date(2026, 11, 30)) != calls(date(2026, 11, 30), seed=4)
    assert calls(date(2026, 11, 30)) != calls(date(2026, 10, 30))


def test_every_call_has_its_own_idempotency_key() -> None:
    keys = Counter(c.key for c in calls(date(2026, 11, 30), beneficiaries=300))
    assert keys.most_common(1)[0][1] == 1


def test_every_id_a_call_names_was_saved_by_an_earlier_phase_or_earlier_in_its_chain() -> None:
    saved: set[str] = set()
    for phase in CountyYearCalls(5, 100, date(2026, 11, 30)).phases():
        answered_this_phase: set[str] = set()
        for chain in phase.chains:
            in_chain = set(saved)
            for call in chain:
                needed = names(call.path) | names(call.body) | names(call.caller.subject)
                assert needed <= in_chain, f"{call.key} names {needed - in_chain} before it is answered"
                if call.save:
                    in_chain.add(call.save)
                    answered_this_phase.add(call.save)
        saved |= answered_this_phase


@pytest.mark.parametrize("until", [date(2026, 11, 30), date(2026, 11, 2), date(2026, 1, 1), date(2024, 2, 29)])
def test_nothing_is_said_to_have_happened_after_the_end_date(until: date) -> None:
    start = month_start(until, -12)
    for call in calls(until):
        for on in dates(call.body):
            assert on <= until, f"{call.key} is dated {on}, after the end {until}"
            if call.path.startswith(("/v1/cases", "/v1/supervision", "/v1/activities")) or "pay" in call.key:
                assert on >= start, f"{call.key} is dated {on}, before the year begins on {start}"


def test_every_station_is_staffed_and_every_supervisor_supervises_within_the_bounds() -> None:
    year = CountyYearCalls(9, 20, date(2026, 11, 30))
    year.phases()
    assert set(year.workers) == {t["code"] for t in TOWNSHIPS}
    assert min(map(len, year.workers.values())) >= SETTINGS.min_workers_per_station
    assert sorted(c for codes in SUPERVISED for c in codes) == sorted(year.workers)
    for codes in SUPERVISED:
        assert SETTINGS.supervisor_min_stations <= len(codes) <= SETTINGS.supervisor_max_stations


def test_every_station_is_supervised_every_month_from_its_opening_for_the_minimum_hours() -> None:
    until = date(2026, 11, 30)
    sessions = [c for c in calls(until) if c.path == "/v1/supervision-sessions"]
    opening = month_start(until, -10)
    months = {f"{month_start(opening, m):%Y-%m}" for m in range(10)}
    for t in TOWNSHIPS:
        held = {c.body["held_on"][:7] for c in sessions if c.body["station_id"] == station(t["code"])}
        assert held == months, t["code"]
    assert {c.body["hours"] for c in sessions} == {SETTINGS.supervision_min_hours}


def test_every_ended_quarter_of_the_contract_has_its_ledger_submitted_before_it_is_due() -> None:
    until = date(2026, 11, 30)  # the contract runs from 2025-12-01: 2025 Q4 to 2026 Q3 have ended
    ledgers = [c for c in calls(until) if c.path.endswith("/ledgers")]
    for t in TOWNSHIPS:
        quarters = {(c.body["year"], c.body["quarter"]) for c in ledgers if station(t["code"]) in c.path}
        assert quarters == {(2025, 4), (2026, 1), (2026, 2), (2026, 3)}, t["code"]
    for c in ledgers:
        ends = month_start(date(c.body["year"], 3 * c.body["quarter"], 1), 1) - timedelta(days=1)
        assert ends < date.fromisoformat(c.body["submitted_on"]) <= ends + timedelta(days=SETTINGS.ledger_due_days)


def test_every_case_follows_its_steps_in_order_and_children_have_their_guardians_consent() -> None:
    chain: dict[str, list[Call]] = {}
    for c in calls(date(2026, 11, 30), beneficiaries=40):
        if c.service == "casework" and (c.key.startswith("case-") or c.key.startswith("beneficiary-")):
            chain.setdefault(c.key.split("-")[1], []).append(c)
    for steps in chain.values():
        kinds = [c.path.rsplit("/", 1)[-1] for c in steps]
        assert kinds[:5] == ["beneficiaries", "cases", "assessments", "plan", "services"]
        assert set(kinds[5:]) <= {"services", "reviews", "closure"}
        on = [dates({k: v for k, v in c.body.items() if k != "personal"})[0] for c in steps]
        assert on == sorted(on)
        registered = steps[0].body
        if "minor" in registered["target_groups"]:
            assert registered["personal"]["guardian"]["consented_on"] <= registered["registered_on"]
            assert steps[2].body["guardianship"]


def test_the_runner_puts_the_answered_ids_in_paths_bodies_and_subjects() -> None:
    runner = CountyRunner(SETTINGS, {}, seed=1)
    runner.ids.update({"w1": "1111", "b2": "2222"})
    assert runner.resolve("/v1/workers/@w1/pay") == "/v1/workers/1111/pay"
    assert runner.resolve({"beneficiary_id": "@b2", "ids": ["@w1", "plain"], "n": 3}) \
        == {"beneficiary_id": "2222", "ids": ["1111", "plain"], "n": 3}
    assert runner.resolve("someone@example") == "someone@example"
