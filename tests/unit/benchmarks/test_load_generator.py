"""The load generator's county year: the twelve months before its end date, a county that keeps the rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from benchmarks.load import CountyYear, Step, month_start
from shared.settings import Settings

SETTINGS = Settings()


def year(until: date, counties: int = 2) -> list[Step]:
    return list(CountyYear(seed=11, counties=counties, until=until).steps())


def per_worker(steps: list[Step]) -> dict[int, list[Step]]:
    workers: dict[int, list[Step]] = {}
    for step in steps:
        if step.kind != "organisation":
            workers.setdefault(step.target, []).append(step)
    return workers


def test_month_start_crosses_years_both_ways() -> None:
    assert month_start(date(2026, 11, 30), -12) == date(2025, 11, 1)
    assert month_start(date(2026, 1, 15), -1) == date(2025, 12, 1)
    assert month_start(date(2025, 11, 1), 36) == date(2028, 11, 1)


def test_same_seed_and_end_date_give_the_same_commands() -> None:
    assert year(date(2026, 11, 30)) == year(date(2026, 11, 30))
    assert year(date(2026, 11, 30)) != year(date(2026, 10, 30))


@pytest.mark.parametrize("until", [date(2026, 11, 30), date(2026, 11, 3), date(2026, 1, 1), date(2024, 2, 29)])
def test_no_command_is_dated_after_the_end_date(until: date) -> None:
    for step in year(until):
        for key in ("hired_on", "starts_on", "enrolled_on", "paid_on", "completed_on", "obtained_on"):
            if key in step.body:
                assert date.fromisoformat(step.body[key]) <= until, (step.kind, step.body)


@pytest.mark.parametrize("until", [date(2026, 11, 30), date(2026, 11, 3), date(2026, 1, 1)])
def test_every_worker_keeps_the_rules_the_audit_checks(until: date) -> None:
    workers = per_worker(year(until))
    assert len(workers) == 60
    pay_grace = timedelta(days=SETTINGS.audit_pay_grace_days)
    insurance_grace = timedelta(days=SETTINGS.audit_insurance_grace_days)
    for steps in workers.values():
        kinds = {s.kind: s.body for s in steps}
        hired = date.fromisoformat(kinds["hire"]["hired_on"])
        assert date.fromisoformat(kinds["insurance"]["enrolled_on"]) <= hired + insurance_grace
        assert date.fromisoformat(kinds["contract"]["starts_on"]) <= hired
        assert date.fromisoformat(kinds["contract"]["ends_on"]) > until
        pay = {s.body["period"]: s.body for s in steps if s.kind == "pay"}
        month = hired.replace(day=1)
        while month_start(month, 1) - timedelta(days=1) + pay_grace < until:  # every month whose pay is due
            period = f"{month:%Y-%m}"
            assert period in pay, (hired, period, sorted(pay))
            due = month_start(month, 1) - timedelta(days=1) + pay_grace
            assert date.fromisoformat(pay[period]["paid_on"]) <= due
            assert pay[period]["gross_fen"] >= SETTINGS.minimum_wage_fen
            month = month_start(month, 1)
