"""A station's commands and queries: planning, site, staffing, opening to closure, village coverage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from services.stations.commands import (
    CloseStation,
    CoverVillage,
    EndVillageCoverage,
    OpenStation,
    PlanStation,
    ProvideSite,
    RecordStaffing,
    ReopenStation,
    SuspendStation,
)
from services.stations.domain import Station
from shared.application import Command, Outcome
from shared.domain import Context, Forbidden, Invalid, Role, RuleViolated

from .base import ADMIN, StationsBase
from .views import station_view


class StationCommands(StationsBase):
    """A station's commands and queries."""

    def plan_station(self, ctx: Context, county_code: str, command: PlanStation, *,
                     idempotency_key: str | None = None) -> dict[str, Any]:
        """Plans a township's station, in the township's batch and with its deadline."""
        township_code = command.township_code

        def handler() -> Outcome:
            ctx.require(ADMIN)
            township = self._plan(county_code).township(township_code)
            if self.exists(Station.id_for(township_code)):
                raise RuleViolated(
                    rule="station.plan.already_planned",
                    detail=f"township {township_code} already has a station: one station per township",
                )
            station = Station(
                county_code=county_code, township_code=township_code, township_name=township["name"],
                batch=township["batch"], deadline=township["deadline"],
                minimum_staffing=self.policy.minimum_staffing, ctx=ctx,
            )
            return Outcome(result=station_view(station), changed=[station])

        return self.execute(ctx, command, handler, idempotency_key, about=(county_code,))

    def provide_site(self, ctx: Context, station_id: UUID | str, command: ProvideSite, *,
                     expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """The township provides office space and facilities for its own station."""
        ctx.require(Role.TOWNSHIP, ADMIN)

        def act(station: Station) -> None:
            township = station.township_code
            if ctx.has_role(Role.TOWNSHIP) and township not in ctx.townships:
                raise Forbidden(f"a township user may provide only its own township's site, not {township}'s")
            station.provide_site(ctx=ctx, **command.model_dump())

        return self.change(ctx, command, Station, station_id, act, station_view,
                           expected_version=expected_version, idempotency_key=idempotency_key)

    def record_staffing(self, ctx: Context, station_id: UUID | str, command: RecordStaffing, *,
                        idempotency_key: str | None = None) -> dict[str, Any]:
        """Applies the workforce service's headcount; a ``source_seq`` already applied is ignored."""

        def handler() -> Outcome:
            ctx.require(Role.SYSTEM, ADMIN)
            station = self.load(Station, station_id)
            applied = station.record_staffing(command.headcount, command.as_of, command.source_seq,
                                              self.policy.minimum_staffing, ctx)
            result = {**station_view(station), "applied": applied}
            return Outcome(result=result, changed=[station] if applied else [])

        return self.execute(ctx, command, handler, idempotency_key, about=(station_id,))

    def open_station(self, ctx: Context, station_id: UUID | str, command: OpenStation, *,
                     expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Opens a sited, contracted and staffed station."""
        return self._admin_change(ctx, station_id, command, lambda s: s.open(command.on, ctx),
                                  expected_version, idempotency_key)

    def suspend_station(self, ctx: Context, station_id: UUID | str, command: SuspendStation, *,
                        expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Suspends an open station, saying why."""
        return self._admin_change(ctx, station_id, command, lambda s: s.suspend(command.reason, command.on, ctx),
                                  expected_version, idempotency_key)

    def reopen_station(self, ctx: Context, station_id: UUID | str, command: ReopenStation, *,
                       expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Reopens a suspended station."""
        return self._admin_change(ctx, station_id, command, lambda s: s.reopen(command.on, ctx),
                                  expected_version, idempotency_key)

    def close_station(self, ctx: Context, station_id: UUID | str, command: CloseStation, *,
                      expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Closes a station for good, saying why."""
        return self._admin_change(ctx, station_id, command, lambda s: s.close(command.reason, command.on, ctx),
                                  expected_version, idempotency_key)

    def cover_village(self, ctx: Context, station_id: UUID | str, command: CoverVillage, *,
                      expected_version: int | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """The station starts serving one of its township's villages/communities."""

        def act(station: Station) -> None:
            village = self._plan(station.county_code).village(command.village_code)
            if village["township_code"] != station.township_code:
                raise Invalid("village_code", f"{command.village_code} is not in township {station.township_code}")
            station.cover_village(command.village_code, village["name"], command.start, ctx)

        return self._admin_change(ctx, station_id, command, act, expected_version, idempotency_key)

    def end_village_coverage(self, ctx: Context, station_id: UUID | str, village_code: str,
                             command: EndVillageCoverage, *, expected_version: int | None = None,
                             idempotency_key: str | None = None) -> dict[str, Any]:
        """The station stops serving a village/community."""
        ctx.require(ADMIN)
        return self.change(ctx, command, Station, station_id,
                           lambda s: s.end_village_coverage(village_code, command.end, ctx), station_view,
                           expected_version=expected_version, idempotency_key=idempotency_key, about=(village_code,))

    def get_station(self, station_id: UUID | str) -> dict[str, Any]:
        """A station's state."""
        return station_view(self.load(Station, station_id))

    @staticmethod
    def station_id_for(township_code: str) -> UUID:
        """The id of a township's station (one station per township)."""
        return Station.id_for(township_code)

    def _admin_change(self, ctx: Context, station_id: UUID | str, command: Command,
                      act: Callable[[Station], None], expected_version: int | None,
                      idempotency_key: str | None) -> dict[str, Any]:
        """A change of one station that only the bureau may make."""
        ctx.require(ADMIN)
        return self.change(ctx, command, Station, station_id, act, station_view,
                           expected_version=expected_version, idempotency_key=idempotency_key)
