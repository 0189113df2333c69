"""The county plan (行动方案): its period, batches, townships (乡镇) and villages/communities (村/社区).

The rules are those of ``docs/domain.md`` §2.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, Invalid, choice, day, refuse, text, whole

from .common import NAMESPACE, TownshipKind, VillageKind


class CountyPlan(Aggregate):
    """行动方案: a county's plan period, townships (乡镇), villages/communities (村/社区) and batches."""

    @staticmethod
    def id_for(county_code: str) -> UUID:
        """One plan per county."""
        return uuid5(NAMESPACE, f"county_plan:{county_code}")

    @classmethod
    def create_id(cls, county_code: str, **_: Any) -> UUID:
        """Deterministic id: a county cannot have two plans."""
        return cls.id_for(county_code)

    @staticmethod
    def normalise(
        county_code: str,
        county_name: str,
        period_start_year: int,
        period_end_year: int,
        batches: Iterable[Mapping[str, Any]],
        townships: Iterable[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """Checks a plan's reference data and returns it in its stored form."""
        start = whole("period_start_year", period_start_year, 1949)
        end = whole("period_end_year", period_end_year, start)
        batch_list = [
            {"batch": whole("batches", b.get("batch"), 1), "deadline": day("batches", b.get("deadline"))}
            for b in batches
        ]
        if not batch_list or len({b["batch"] for b in batch_list}) != len(batch_list):
            raise Invalid("batches", "batches must be listed, each number once")
        numbers = {b["batch"] for b in batch_list}
        township_list = [_township(t, numbers, start) for t in townships]
        codes = [t["code"] for t in township_list]
        if not codes or len(set(codes)) != len(codes):
            raise Invalid("townships", "townships must be listed, each code once")
        village_codes = [v["code"] for t in township_list for v in t["villages"]]
        if len(set(village_codes)) != len(village_codes):
            raise Invalid("townships", "each village/community code may appear only once in the county")
        return {
            "county_code": text("county_code", county_code),
            "county_name": text("county_name", county_name),
            "period_start_year": start,
            "period_end_year": end,
            "batches": sorted(batch_list, key=lambda b: b["batch"]),
            "townships": township_list,
        }

    @event("Established")
    def __init__(
        self,
        county_code: str,
        county_name: str,
        period_start_year: int,
        period_end_year: int,
        batches: list[dict[str, Any]],
        townships: list[dict[str, Any]],
        ctx: Context,
    ) -> None:
        self.county_code = county_code
        self.county_name = county_name
        self.period_start_year = period_start_year
        self.period_end_year = period_end_year
        self.batches = {int(b["batch"]): b["deadline"] for b in batches}
        self.townships: dict[str, dict[str, Any]] = {}
        self.villages: dict[str, dict[str, Any]] = {}
        for t in townships:
            self._record_township(t)
        self.established = {
            "county_code": county_code,
            "county_name": county_name,
            "period_start_year": period_start_year,
            "period_end_year": period_end_year,
            "batches": list(batches),
            "townships": list(townships),
        }

    def _record_township(self, t: Mapping[str, Any]) -> None:
        self.townships[t["code"]] = {
            "code": t["code"],
            "name": t["name"],
            "kind": t["kind"],
            "batch": t["batch"],
            "population": t["population"],
            "population_history": [{"population": t["population"], "effective_on": t["population_as_of"]}],
        }
        for v in t["villages"]:
            self.villages[v["code"]] = {**v, "township_code": t["code"]}

    def add_township(self, township: Mapping[str, Any], ctx: Context) -> None:
        """Adds a township (乡镇区划调整: a new or re-divided township) to one of the plan's batches."""
        entry = _township(township, set(self.batches), self.period_start_year)
        if entry["code"] in self.townships:
            refuse(
                "county_plan.township.duplicate",
                f"township code {entry['code']} is already used by {self.townships[entry['code']]['name']}",
            )
        taken = [v["code"] for v in entry["villages"] if v["code"] in self.villages]
        if taken or len({v["code"] for v in entry["villages"]}) != len(entry["villages"]):
            refuse(
                "county_plan.village.duplicate",
                f"village/community codes must be new and listed once; already used: {', '.join(taken) or '-'}",
            )
        self._township_added(county_code=self.county_code, township=entry, ctx=ctx)

    @event("TownshipAdded")
    def _township_added(self, county_code: str, township: dict[str, Any], ctx: Context) -> None:
        self._record_township(township)

    def township(self, township_code: str) -> dict[str, Any]:
        """The township of this code, with its batch deadline; 422 if the county has no such township."""
        found = self.townships.get(township_code)
        if found is None:
            raise Invalid("township_code", f"county {self.county_code} has no township {township_code!r}")
        return {
            **found,
            "deadline": self.batches[found["batch"]],
            "villages": self.villages_of(township_code),
        }

    def village(self, village_code: str) -> dict[str, Any]:
        """The village/community of this code; 422 if unknown."""
        found = self.villages.get(village_code)
        if found is None:
            raise Invalid(
                "village_code", f"county {self.county_code} has no village/community {village_code!r}"
            )
        return dict(found)

    def villages_of(self, township_code: str) -> list[dict[str, Any]]:
        """The villages and communities of one township."""
        return [
            {"code": v["code"], "name": v["name"], "kind": v["kind"]}
            for v in self.villages.values()
            if v["township_code"] == township_code
        ]

    def amend_population(self, township_code: str, population: int, effective_on: date, ctx: Context) -> None:
        """Records a new household-registered population (户籍人口) figure from a date."""
        township = self.township(township_code)
        whole("population", population, 0)
        day("effective_on", effective_on)
        last = township["population_history"][-1]
        if effective_on <= last["effective_on"]:
            refuse(
                "county_plan.population.not_after_last",
                f"the population of {township_code} is recorded as effective from {last['effective_on']}: "
                "a new figure must take effect after that date",
            )
        self._population_amended(
            township_code=township_code,
            population=population,
            previous_population=township["population"],
            effective_on=effective_on,
            ctx=ctx,
        )

    @event("TownshipPopulationAmended")
    def _population_amended(
        self,
        township_code: str,
        population: int,
        previous_population: int,
        effective_on: date,
        ctx: Context,
    ) -> None:
        township = self.townships[township_code]
        township["population"] = population
        township["population_history"].append({"population": population, "effective_on": effective_on})

    def add_village(self, township_code: str, village_code: str, name: str, kind: str, ctx: Context) -> None:
        """Adds a village or community (村/社区) to a township."""
        self.township(township_code)
        code = text("village_code", village_code)
        village_name = text("name", name)
        village_kind = choice("kind", VillageKind, kind)
        if code in self.villages:
            refuse(
                "county_plan.village.duplicate",
                f"village/community code {code} is already used by {self.villages[code]['name']}",
            )
        self._village_added(
            township_code=township_code,
            village_code=code,
            village_name=village_name,
            village_kind=village_kind,
            ctx=ctx,
        )

    @event("VillageAdded")
    def _village_added(
        self,
        township_code: str,
        village_code: str,
        village_name: str,
        village_kind: str,
        ctx: Context,
    ) -> None:
        self.villages[village_code] = {
            "code": village_code,
            "name": village_name,
            "kind": village_kind,
            "township_code": township_code,
        }


def _township(data: Mapping[str, Any], batches: set[int], start_year: int) -> dict[str, Any]:
    """Checks one township entry of a plan."""
    batch = whole("townships", data.get("batch"), 1)
    if batch not in batches:
        raise Invalid("townships", f"township {data.get('code')!r} is in batch {batch}, which the plan lacks")
    villages = [
        {
            "code": text("villages", v.get("code")),
            "name": text("villages", v.get("name")),
            "kind": choice("villages", VillageKind, v.get("kind")),
        }
        for v in data.get("villages") or ()
    ]
    return {
        "code": text("townships", data.get("code")),
        "name": text("townships", data.get("name")),
        "kind": choice("townships", TownshipKind, data.get("kind")),
        "population": whole("townships", data.get("population"), 0),
        "population_as_of": day("townships", data.get("population_as_of", date(start_year, 1, 1))),
        "batch": batch,
        "villages": villages,
    }
