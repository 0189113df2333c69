"""积分管理: a village's points ledger — households earn points for taking part in village affairs and redeem them;
the plan asks stations to promote it in rural villages. Households are named by the village's own household code."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.casework.domain.policy import CASEWORK_NAMESPACE
from shared.domain import Context, RuleViolated


class VillagePoints(Aggregate):
    """The points ledger of one village served by a station."""

    @staticmethod
    def create_id(station_id: str, village_code: str, **_: Any) -> UUID:
        """One ledger per station and village."""
        return uuid5(CASEWORK_NAMESPACE, f"points:{station_id}:{village_code}")

    @event("Opened")
    def __init__(self, station_id: str, village_code: str, opened_on: date, ctx: Context) -> None:
        self.station_id = station_id
        self.village_code = village_code
        self.opened_on = opened_on
        self.balances: dict[str, int] = {}
        self.awarded = 0
        self.redeemed = 0

    def award(self, household_ref: str, points: int, category: str, on: date, ctx: Context) -> None:
        """Points earned by a household (volunteering, village clean-up, meetings ...)."""
        if on < self.opened_on:
            raise RuleViolated("casework.points.before_ledger", "points are dated on or after the ledger opened")
        self._awarded(household_ref=household_ref, points=points, category=category, on=on, ctx=ctx)

    @event("Awarded")
    def _awarded(self, household_ref: str, points: int, category: str, on: date, ctx: Context) -> None:
        self.balances[household_ref] = self.balances.get(household_ref, 0) + points
        self.awarded += points

    def redeem(self, household_ref: str, points: int, item: str, on: date, ctx: Context) -> None:
        """Points a household spends; never more than it holds."""
        held = self.balances.get(household_ref, 0)
        if points > held:
            raise RuleViolated("casework.points.insufficient", f"the household holds {held} points, not {points}",
                               balance=held)
        self._redeemed(household_ref=household_ref, points=points, item=item, on=on, ctx=ctx)

    @event("Redeemed")
    def _redeemed(self, household_ref: str, points: int, item: str, on: date, ctx: Context) -> None:
        self.balances[household_ref] -= points
        self.redeemed += points
