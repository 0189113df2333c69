"""Commands on the county's workforce baseline (基数), all the civil affairs admin's: enter, later years, correct."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Unpack

from pydantic import Field

from services.workforce.application.base import ADMIN, ChangeOptions, WorkforceBase
from services.workforce.application.views import baseline_view
from services.workforce.domain import (
    WorkforceBaseline,
)
from shared.application import Command, Outcome
from shared.domain import Context, RuleViolated, text
from shared.fields import Count, RequiredText, Year


class EnterBaseline(Command):
    """The county's workforce baseline."""

    certified_social_workers: Count
    professionals: Count
    year: Year | None = Field(default=None, description="default: the year before the plan")


class RecordYearlyFigures(Command):
    """A later year's official certified and professional counts."""

    year: Year
    certified_social_workers: Count
    professionals: Count


class CorrectBaseline(Command):
    """Corrected baseline figures, and why."""

    certified_social_workers: Count
    professionals: Count
    reason: RequiredText


class BaselineCommands(WorkforceBase):
    """One baseline per county; later years' figures supersede the roster's count for that year."""

    def enter_baseline(self, ctx: Context, county_code: str, command: EnterBaseline,
                       idempotency_key: str | None = None) -> dict[str, Any]:
        """Enters the county's workforce baseline (default year: the year before the plan starts)."""
        ctx.require(ADMIN)

        def handler() -> Outcome:
            county = text("county_code", county_code)
            if self.exists(WorkforceBaseline.create_id(county)):
                raise RuleViolated("workforce.baseline.already_entered",
                                   f"county {county} has a baseline already: correct it instead")
            year = command.year if command.year is not None else self.policy.plan_start.year - 1
            baseline = WorkforceBaseline(county_code=county, **{**dict(command), "year": year}, ctx=ctx)
            return Outcome(result=baseline_view(baseline), changed=[baseline])

        return self.execute(ctx, command, handler, idempotency_key, about=(county_code,))

    def record_yearly_figures(self, ctx: Context, county_code: str, command: RecordYearlyFigures,
                              **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records a later year's certified and professional counts."""
        ctx.require(ADMIN)
        return self.change(ctx, command, WorkforceBaseline, self.baseline_id_for(county_code.strip()),
                           lambda b: b.record_year(**dict(command), ctx=ctx), baseline_view, **options)

    def correct_baseline(self, ctx: Context, county_code: str, command: CorrectBaseline,
                         **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Corrects the baseline figures; the reason is recorded with the change."""
        ctx.require(ADMIN)
        figures = command.model_dump(exclude={"reason"})
        return self.change(ctx, command, WorkforceBaseline, self.baseline_id_for(county_code.strip()),
                           lambda b: b.correct(**figures, ctx=replace(ctx, reason=command.reason)), baseline_view,
                           **options)
