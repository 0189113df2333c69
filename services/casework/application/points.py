"""Commands of village points (积分管理): awards and redemptions on a village's ledger, opened by its first award."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from services.casework.application.base import CaseworkBase
from services.casework.application.fields import Label
from services.casework.domain import VillagePoints
from shared.application import Command, Outcome
from shared.domain import Context
from shared.fields import Code, Day

Points = Annotated[StrictInt, Field(gt=0, le=100_000, description="points, a whole number above zero")]


class AwardPoints(Command):
    """Points a household earned."""

    station_id: UUID
    village_code: Code
    household_ref: Code = Field(description="the village's own household code (no name)")
    points: Points
    category: Label
    on: Day


class RedeemPoints(Command):
    """Points a household spent."""

    station_id: UUID
    village_code: Code
    household_ref: Code
    points: Points
    item: Label
    on: Day


class HouseholdBalance(BaseModel):
    """A household's points."""

    household_ref: str
    balance: int


class VillagePointsPublic(BaseModel):
    """A village's points ledger."""

    id: UUID
    version: int
    station_id: UUID
    village_code: str
    opened_on: date
    awarded: int
    redeemed: int
    households: list[HouseholdBalance]


def points_view(ledger: VillagePoints) -> dict[str, Any]:
    """A village's ledger: totals and each household's balance."""
    return {"id": ledger.id, "version": ledger.version, "station_id": ledger.station_id,
            "village_code": ledger.village_code, "opened_on": ledger.opened_on, "awarded": ledger.awarded,
            "redeemed": ledger.redeemed,
            "households": [{"household_ref": h, "balance": b} for h, b in sorted(ledger.balances.items())]}


class PointsCommands(CaseworkBase):
    """Who may: the bureau; a social worker or contractor for the station."""

    def award_points(self, ctx: Context, command: AwardPoints, idempotency_key: str | None = None) -> dict[str, Any]:
        """积分: records points a household earned (the village's ledger opens with its first award)."""
        self.check_station(ctx, command.station_id, command.on)

        def handler() -> Outcome:
            ledger = self._ledger(ctx, command.station_id, command.village_code, command)
            ledger.award(command.household_ref, command.points, command.category, command.on, ctx=ctx)
            return Outcome(result=points_view(ledger), changed=[ledger])

        return self.execute(ctx, command, handler, idempotency_key)

    def redeem_points(self, ctx: Context, command: RedeemPoints, idempotency_key: str | None = None) -> dict[str, Any]:
        """兑换: records points a household spent, never more than it holds."""
        self.check_station(ctx, command.station_id, command.on)

        def handler() -> Outcome:
            ledger = self.load(VillagePoints, VillagePoints.create_id(str(command.station_id), command.village_code))
            ledger.redeem(command.household_ref, command.points, command.item, command.on, ctx=ctx)
            return Outcome(result=points_view(ledger), changed=[ledger])

        return self.execute(ctx, command, handler, idempotency_key)

    def get_points(self, ctx: Context, station_id: UUID, village_code: str) -> dict[str, Any]:
        """A village's points ledger."""
        self.check_reads_facts(ctx)
        return points_view(self.load(VillagePoints, VillagePoints.create_id(str(station_id), village_code)))

    def _ledger(self, ctx: Context, station_id: UUID, village: str, command: AwardPoints) -> VillagePoints:
        ledger_id = VillagePoints.create_id(str(station_id), village)
        if self.exists(ledger_id):
            return self.load(VillagePoints, ledger_id)
        return VillagePoints(station_id=str(station_id), village_code=village, opened_on=command.on, ctx=ctx)
