"""The county plan's commands and queries: establishing it, townships, populations, villages."""

from __future__ import annotations

from typing import Any

from services.stations.commands import AddTownship, AddVillage, AmendTownshipPopulation, EstablishCountyPlan
from services.stations.domain import CountyPlan
from shared.application import Outcome
from shared.domain import Context, RuleViolated

from .base import ADMIN, StationsBase
from .views import plain, plan_view


class CountyPlanCommands(StationsBase):
    """The county plan's commands and queries."""

    def establish_county_plan(self, ctx: Context, county_code: str, command: EstablishCountyPlan, *,
                              idempotency_key: str | None = None) -> dict[str, Any]:
        """Establishes a county's plan; re-establishing the same data changes nothing."""

        def handler() -> Outcome:
            ctx.require(ADMIN)
            data = CountyPlan.normalise(county_code=county_code, **command.model_dump(exclude_none=True))
            plan_id = CountyPlan.id_for(data["county_code"])
            if self.exists(plan_id):
                plan = self.load(CountyPlan, plan_id)
                if plain(plan.established) != plain(data):
                    raise RuleViolated(
                        rule="county_plan.establish.already_established",
                        detail=f"county {data['county_code']} already has a different plan: amend it instead",
                    )
                return Outcome(result=plan_view(plan), changed=[])
            plan = CountyPlan(**data, ctx=ctx)
            return Outcome(result=plan_view(plan), changed=[plan])

        return self.execute(ctx, command, handler, idempotency_key, about=(county_code,))

    def amend_township_population(self, ctx: Context, county_code: str, township_code: str,
                                  command: AmendTownshipPopulation, *, expected_version: int | None = None,
                                  idempotency_key: str | None = None) -> dict[str, Any]:
        """Records a township's new household-registered population (户籍人口) from a date."""
        ctx.require(ADMIN)
        return self.change(
            ctx, command, CountyPlan, self._plan_id(county_code),
            lambda plan: plan.amend_population(township_code, command.population, command.effective_on, ctx),
            plan_view, expected_version=expected_version, idempotency_key=idempotency_key,
            about=(township_code,),
        )

    def add_township(self, ctx: Context, county_code: str, command: AddTownship, *,
                     expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Adds a township to the county plan, in one of its batches (its station can then be planned)."""
        ctx.require(ADMIN)
        return self.change(
            ctx, command, CountyPlan, self._plan_id(county_code),
            lambda plan: plan.add_township(command.model_dump(exclude_none=True), ctx),
            plan_view, expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def add_village(self, ctx: Context, county_code: str, township_code: str, command: AddVillage, *,
                    expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Adds a village or community (村/社区) to a township."""
        ctx.require(ADMIN)
        return self.change(
            ctx, command, CountyPlan, self._plan_id(county_code),
            lambda plan: plan.add_village(township_code, ctx=ctx, **command.model_dump()),
            plan_view, expected_version=expected_version, idempotency_key=idempotency_key,
            about=(township_code,),
        )

    def get_county_plan(self, county_code: str) -> dict[str, Any]:
        """The county's plan: period, batches, townships with populations and villages."""
        return plan_view(self._plan(county_code))

    def township(self, county_code: str, township_code: str) -> dict[str, Any]:
        """One township of a county's plan, with its batch deadline; 422 if unknown."""
        return plain(self._plan(county_code).township(township_code))
