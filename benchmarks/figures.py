"""A benchmark's figures: each beside the raw limit it is bounded by, as a Markdown table row."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Figure:
    """One measured figure (every repetition) beside its limit (every repetition), and the target."""

    section: str
    name: str
    unit: str
    values: list[float]
    limit_name: str = ""
    limit: list[float] = field(default_factory=list)
    higher_is_better: bool = True
    target: str = ""

    @property
    def ratio(self) -> float | None:
        """Figure / limit (throughput) or limit / figure (latency), from the medians."""
        if not self.limit or not self.values:
            return None
        value, limit = statistics.median(self.values), statistics.median(self.limit)
        if not value or not limit:
            return None
        return value / limit if self.higher_is_better else limit / value


def fmt(values: list[float]) -> str:
    """min / median / max, or the one value."""
    if not values:
        return "–"
    digits = 0 if statistics.median(values) >= 100 else 1
    parts = [min(values), statistics.median(values), max(values)]
    if len(values) == 1:
        parts = parts[:1]
    return " / ".join(f"{v:,.{digits}f}" for v in parts)


def markdown_row(f: Figure) -> str:
    """One table row."""
    ratio = f"{f.ratio:.0%}" if f.ratio is not None else "–"
    return (f"| {f.section} | {f.name} | {fmt(f.values)} {f.unit} | {f.limit_name or '–'} | "
            f"{fmt(f.limit) + ' ' + f.unit if f.limit else '–'} | {ratio} | {f.target or '–'} |")


HEADER = ("| section | figure | min / median / max | raw limit (same run) | limit min / median / max | ratio | "
          "target |\n|---|---|---|---|---|---|---|")
