"""The plan's four workforce targets (docs/domain.md §11), assessed from figures (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from services.workforce.domain.policy import Policy


def assess_targets(
    baseline: Mapping[str, Any],
    certified_by_year: Mapping[int | str, int],
    professionals: int,
    population: int,
    registered_orgs: int,
    as_of: date,
    policy: Policy,
) -> list[dict[str, Any]]:
    """The plan's four workforce targets, each ``{target, value, threshold, status, deadline}``.

    ``baseline`` has ``year``, ``certified_social_workers`` and ``professionals`` (as
    ``get_baseline`` returns it); ``certified_by_year`` maps a year to the certified count.
    Status: ``met`` (threshold reached), ``on_track`` (current pace reaches it by the
    deadline) or ``at_risk``.
    """
    base_year = int(baseline["year"])
    base_certified = int(baseline["certified_social_workers"])
    latest_year, latest = _latest_certified(certified_by_year, base_year, base_certified, as_of)
    growth = _average_growth(base_certified, latest, latest_year - base_year)
    deadline = date(policy.target_year, 12, 31)
    return [
        _growth_target(growth, latest_year, base_year, as_of, policy, deadline),
        _multiple_target(base_certified, latest, latest_year, growth, base_year, as_of, policy, deadline),
        _pace_target(
            "professionals_share",
            professionals,
            int(baseline["professionals"]),
            math.ceil(Decimal(population) * policy.professionals_share),
            as_of,
            policy,
            deadline,
        ),
        _pace_target(
            "registered_organisations",
            registered_orgs,
            0,
            policy.registered_organisations_target,
            as_of,
            policy,
            deadline,
        ),
    ]


def _latest_certified(
    by_year: Mapping[int | str, int], base_year: int, base: int, as_of: date
) -> tuple[int, int]:
    figures = {int(y): int(n) for y, n in by_year.items() if base_year < int(y) <= as_of.year}
    if not figures:
        return base_year, base
    year = max(figures)
    return year, figures[year]


def _average_growth(base: int, latest: int, years: int) -> float | None:
    if years <= 0 or base <= 0:
        return None
    return (latest / base) ** (1 / years) - 1


def _no_data_status(base_year: int, as_of: date) -> str:
    # Too early to have a year's figures is not yet a risk.
    return "on_track" if as_of.year <= base_year + 1 else "at_risk"


def _growth_target(
    growth: float | None, latest_year: int, base_year: int, as_of: date, policy: Policy, deadline: date
) -> dict[str, Any]:
    rate = float(policy.certified_growth_rate)
    if growth is None:
        status = _no_data_status(base_year, as_of)
    elif growth >= rate:
        status = "met" if latest_year >= policy.target_year else "on_track"
    else:
        status = "at_risk"
    value = None if growth is None else round(growth, 4)
    return _target("certified_growth_per_year", value, rate, status, deadline)


def _multiple_target(
    base: int,
    latest: int,
    latest_year: int,
    growth: float | None,
    base_year: int,
    as_of: date,
    policy: Policy,
    deadline: date,
) -> dict[str, Any]:
    threshold = math.ceil(Decimal(base) * policy.certified_multiple)
    if latest >= threshold:
        status = "met"
    elif as_of > deadline:
        status = "at_risk"
    elif growth is None:
        status = _no_data_status(base_year, as_of)
    else:
        projected = latest * (1 + growth) ** max(policy.target_year - latest_year, 0)
        status = "on_track" if projected >= threshold else "at_risk"
    return _target("certified_total_multiple", latest, threshold, status, deadline)


def _pace_target(
    name: str, value: int, start: int, threshold: int, as_of: date, policy: Policy, deadline: date
) -> dict[str, Any]:
    if value >= threshold:
        status = "met"
    elif as_of > deadline:
        status = "at_risk"
    else:
        span = (deadline - policy.plan_start).days
        elapsed = min(max((as_of - policy.plan_start).days / span, 0.0), 1.0)
        # Linear pace from the plan's start, rounded half up (a target of 1 is due at mid-plan).
        expected = math.floor(start + (threshold - start) * elapsed + 0.5)
        status = "on_track" if value >= expected else "at_risk"
    return _target(name, value, threshold, status, deadline)


def _target(name: str, value: Any, threshold: Any, status: str, deadline: date) -> dict[str, Any]:
    return {
        "target": name,
        "value": value,
        "threshold": threshold,
        "status": status,
        "deadline": deadline.isoformat(),
    }
