"""A station's commands and queries: planning, site, staffing, opening to closure, village coverage."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from services.stations.domain import Station
from shared.application import Outcome
from shared.domain import Context, Forbidden, Invalid, Role, RuleViolated

from .base import ADMIN, StationsBase, payload_of
from .views import station_view


class StationCommands(StationsBase):
    """A station's commands and queries."""

    def plan_station(
        self,
        ctx: Context,
        *,
        county_code: str,
        township_code: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Plans a township's station, in the township's batch and with its deadline."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            township = self._plan(county_code).township(township_code)
            if self.exists(Station.id_for(township_code)):
                raise RuleViolated(
                    rule="station.plan.already_planned",
                    detail=f"township {township_code} already has a station: one station per township",
                )
            station = Station(
                county_code=county_code,
                township_code=township_code,
                township_name=township["name"],
                batch=township["batch"],
                deadline=township["deadline"],
                minimum_staffing=self.policy.minimum_staffing,
                ctx=ctx,
            )
            return Outcome(result=station_view(station), changed=[station])

        return self.execute(ctx, "plan_station", args, handler, idempotency_key)

    def provide_site(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        office_area_m2: float,
        facilities: list[str],
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The township provides office space and facilities for its own station."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.TOWNSHIP, ADMIN)
            station = self.load(Station, station_id, expected_version)
            township = station.township_code
            if ctx.has_role(Role.TOWNSHIP) and township not in ctx.townships:
                raise Forbidden(f"a township user may provide only its own township's site, not {township}'s")
            station.provide_site(office_area_m2, facilities, on, ctx)
            return Outcome(result=station_view(station), changed=[station])

        return self.execute(ctx, "provide_site", args, handler, idempotency_key)

    def record_staffing(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        headcount: int,
        as_of: date,
        source_seq: int,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Applies the workforce service's headcount; a ``source_seq`` already applied is ignored."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.SYSTEM, ADMIN)
            station = self.load(Station, station_id)
            applied = station.record_staffing(headcount, as_of, source_seq, self.policy.minimum_staffing, ctx)
            result = {**station_view(station), "applied": applied}
            return Outcome(result=result, changed=[station] if applied else [])

        return self.execute(ctx, "record_staffing", args, handler, idempotency_key)

    def open_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Opens a sited, contracted and staffed station."""
        return self._station_command(
            ctx,
            "open_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.open(on, ctx),
            idempotency_key,
        )

    def suspend_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        reason: str,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Suspends an open station, saying why."""
        return self._station_command(
            ctx,
            "suspend_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.suspend(reason, on, ctx),
            idempotency_key,
        )

    def reopen_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Reopens a suspended station."""
        return self._station_command(
            ctx,
            "reopen_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.reopen(on, ctx),
            idempotency_key,
        )

    def close_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        reason: str,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Closes a station for good, saying why."""
        return self._station_command(
            ctx,
            "close_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.close(reason, on, ctx),
            idempotency_key,
        )

    def cover_village(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        village_code: str,
        start: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The station starts serving one of its township's villages/communities."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            station = self.load(Station, station_id, expected_version)
            village = self._plan(station.county_code).village(village_code)
            if village["township_code"] != station.township_code:
                raise Invalid("village_code", f"{village_code} is not in township {station.township_code}")
            station.cover_village(village_code, village["name"], start, ctx)
            return Outcome(result=station_view(station), changed=[station])

        return self.execute(ctx, "cover_village", args, handler, idempotency_key)

    def end_village_coverage(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        village_code: str,
        end: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The station stops serving a village/community."""
        return self._station_command(
            ctx,
            "end_village_coverage",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.end_village_coverage(village_code, end, ctx),
            idempotency_key,
        )

    def get_station(self, station_id: UUID) -> dict[str, Any]:
        """A station's state."""
        return station_view(self.load(Station, station_id))

    @staticmethod
    def station_id_for(township_code: str) -> UUID:
        """The id of a township's station (one station per township)."""
        return Station.id_for(township_code)
