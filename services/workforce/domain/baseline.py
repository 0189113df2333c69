"""基数: the county's workforce baseline and yearly figures aggregate."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.workforce.domain.policy import WORKFORCE_NAMESPACE
from shared.domain import Context, Invalid, RuleViolated, whole


class WorkforceBaseline(Aggregate):
    """The county's workforce baseline (基数, 2020) and yearly figures, one per county."""

    @staticmethod
    def create_id(county_code: str, **_: Any) -> UUID:
        """One baseline per county."""
        return uuid5(WORKFORCE_NAMESPACE, f"baseline:{county_code}")

    @event("Entered")
    def __init__(
        self, county_code: str, year: int, certified_social_workers: int, professionals: int, ctx: Context
    ) -> None:
        self.county_code = county_code
        self.year = year
        self.certified_social_workers = certified_social_workers
        self.professionals = professionals
        self.yearly: dict[str, dict[str, int]] = {}

    def correct(self, certified_social_workers: int, professionals: int, ctx: Context) -> None:
        """Corrects the baseline figures; a reason is required."""
        if not ctx.reason.strip():
            raise Invalid("reason", "say why the baseline is corrected")
        self._corrected(
            certified_social_workers=whole("certified_social_workers", certified_social_workers),
            professionals=whole("professionals", professionals),
            ctx=ctx,
        )

    @event("Corrected")
    def _corrected(self, certified_social_workers: int, professionals: int, ctx: Context) -> None:
        self.certified_social_workers = certified_social_workers
        self.professionals = professionals

    def record_year(self, year: int, certified_social_workers: int, professionals: int, ctx: Context) -> None:
        """Records a later year's figures (recording a year again supersedes the earlier figures)."""
        if year <= self.year:
            raise RuleViolated(
                "workforce.baseline.year_not_after_baseline",
                f"yearly figures are for years after the baseline year {self.year}",
            )
        self._yearly_figures_recorded(
            year=year,
            certified_social_workers=whole("certified_social_workers", certified_social_workers),
            professionals=whole("professionals", professionals),
            ctx=ctx,
        )

    @event("YearlyFiguresRecorded")
    def _yearly_figures_recorded(
        self, year: int, certified_social_workers: int, professionals: int, ctx: Context
    ) -> None:
        self.yearly[str(year)] = {
            "certified_social_workers": certified_social_workers,
            "professionals": professionals,
        }


