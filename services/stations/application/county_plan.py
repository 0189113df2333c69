"""The county plan's commands and queries: establishing it, townships, populations, villages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from services.stations.domain import CountyPlan
from shared.application import Outcome
from shared.domain import Context, RuleViolated

from .base import ADMIN, StationsBase, payload_of
from .views import plain, plan_view


class CountyPlanCommands(StationsBase):
    """The county plan's commands and queries."""

    def establish_county_plan(
        self,
        ctx: Context,
        *,
        county_code: str,
        county_name: str,
        period_start_year: int,
        period_end_year: int,
        batches: Iterable[Mapping[str, Any]],
        townships: Iterable[Mapping[str, Any]],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Establishes a county's plan; re-establishing the same data changes nothing."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            data = CountyPlan.normalise(
                county_code,
                county_name,
                period_start_year,
                period_end_year,
                list(batches),
                list(townships),
            )
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

        return self.execute(ctx, "establish_county_plan", args, handler, idempotency_key)

    def amend_township_population(
        self,
        ctx: Context,
        *,
        county_code: str,
        township_code: str,
        population: int,
        effective_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records a township's new household-registered population (户籍人口) from a date."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            plan = self._plan(county_code, expected_version)
            plan.amend_population(township_code, population, effective_on, ctx)
            return Outcome(result=plan_view(plan), changed=[plan])

        return self.execute(ctx, "amend_township_population", args, handler, idempotency_key)

    def add_township(
        self,
        ctx: Context,
        *,
        county_code: str,
        code: str,
        name: str,
        kind: str,
        population: int,
        batch: int,
        population_as_of: date | None = None,
        villages: Iterable[Mapping[str, Any]] = (),
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Adds a township to the county plan, in one of its batches (its station can then be planned)."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            plan = self._plan(county_code, expected_version)
            entry = {"code": code, "name": name, "kind": kind, "population": population, "batch": batch,
                     "villages": [dict(v) for v in villages]}
            if population_as_of is not None:
                entry["population_as_of"] = population_as_of
            plan.add_township(entry, ctx)
            return Outcome(result=plan_view(plan), changed=[plan])

        return self.execute(ctx, "add_township", args, handler, idempotency_key)

    def add_village(
        self,
        ctx: Context,
        *,
        county_code: str,
        township_code: str,
        village_code: str,
        name: str,
        kind: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Adds a village or community (村/社区) to a township."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            plan = self._plan(county_code, expected_version)
            plan.add_village(township_code, village_code, name, kind, ctx)
            return Outcome(result=plan_view(plan), changed=[plan])

        return self.execute(ctx, "add_village", args, handler, idempotency_key)

    def get_county_plan(self, county_code: str) -> dict[str, Any]:
        """The county's plan: period, batches, townships with populations and villages."""
        return plan_view(self._plan(county_code))

    def township(self, county_code: str, township_code: str) -> dict[str, Any]:
        """One township of a county's plan, with its batch deadline; 422 if unknown."""
        return plain(self._plan(county_code).township(township_code))
