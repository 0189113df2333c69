"""The plan-progress chart, drawn as inline SVG on the server (no script, no library): stations opened over time
against the batches' cumulative targets at their deadlines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 44, 16, 16, 40


@dataclass
class Chart:
    """The SVG pieces a template lays out."""

    width: int
    height: int
    line: str
    points: list[tuple[float, float, str]]
    targets: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]


def targets_by_deadline(batches: list[dict[str, Any]]) -> list[tuple[date, int]]:
    """The cumulative target at each batch's deadline, as the API states the batches."""
    total, steps = 0, []
    for batch in sorted(batches, key=lambda b: b["deadline"]):
        total += batch["target"]
        steps.append((date.fromisoformat(batch["deadline"]), total))
    return steps


def progress_chart(series: list[dict[str, Any]], label: Callable[[date], str]) -> Chart | None:
    """The chart of ``series`` (``views.progress_series``), or None when there is nothing to draw."""
    if not series:
        return None
    steps = targets_by_deadline(series[-1]["batches"])
    days = [p["day"] for p in series] + [d for d, _ in steps]
    first, last = min(days), max(days)
    top = max([p["opened"] for p in series] + [t for _, t in steps] + [1])

    def x(day: date) -> float:
        span = max((last - first).days, 1)
        return round(LEFT + (day - first).days / span * (WIDTH - LEFT - RIGHT), 1)

    def y(value: int) -> float:
        return round(HEIGHT - BOTTOM - value / top * (HEIGHT - TOP - BOTTOM), 1)

    points = [(x(p["day"]), y(p["opened"]), f"{label(p['day'])}: {p['opened']}") for p in series]
    return Chart(
        width=WIDTH, height=HEIGHT,
        line=" ".join(f"{px},{py}" for px, py, _ in points),
        points=points,
        targets=[(x(d), y(t), f"{label(d)}: {t}") for d, t in steps],
        y_ticks=[(y(v), v) for v in sorted({0, top // 2, top})],
        x_ticks=spaced([(x(d), label(d)) for d in sorted({*(d for d, _ in steps), series[-1]["day"]})]),
    )


def spaced(ticks: list[tuple[float, str]], gap: float = 90) -> list[tuple[float, str]]:
    """The ticks whose labels do not run into the previous one's."""
    kept: list[tuple[float, str]] = []
    for tick in ticks:
        if not kept or tick[0] - kept[-1][0] >= gap:
            kept.append(tick)
    return kept
