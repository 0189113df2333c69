"""The base of the stations application: policy, loading by id given as text, and shared helpers of commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.stations.domain import CountyPlan, Policy, ServiceContract, Station
from shared.application import ServiceApplication
from shared.domain import Context, Forbidden, Invalid, NotFound, Role

from .views import plain, station_view

A = TypeVar("A", bound=Aggregate)
ADMIN = Role.CIVIL_AFFAIRS_ADMIN
IGNORED = ("self", "ctx", "idempotency_key")
DEFAULT_POLICY = Policy()


def as_id(value: UUID | str, what: str) -> UUID:
    """An aggregate id given as UUID or text; 404 if the text is not an id."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} {value} not found") from None


def payload_of(args: dict[str, Any]) -> dict[str, Any]:
    """A command's input, for the idempotency fingerprint."""
    return plain({k: v for k, v in args.items() if k not in IGNORED})


class StationsBase(ServiceApplication):
    """What every part of the stations application shares."""

    def __init__(self, env: Mapping[str, str] | None = None, policy: Policy = DEFAULT_POLICY) -> None:
        super().__init__(env=env)
        self.policy = policy

    def load(self, cls: type[A], aggregate_id: UUID | str, expected_version: int | None = None) -> A:
        """Like the base ``load``, but also takes an id as text (404 if it is not an id)."""
        return super().load(cls, as_id(aggregate_id, cls.__name__.lower()), expected_version)


    def _station_command(
        self,
        ctx: Context,
        command: str,
        args: dict[str, Any],
        station_id: UUID,
        expected_version: int | None,
        action: Callable[[Station], None],
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        """Runs an admin command on one station."""
        ctx.require(ADMIN)
        return self.change(
            ctx, command, args, Station, station_id, action, station_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def _plan(self, county_code: str, expected_version: int | None = None) -> CountyPlan:
        """The county's plan; 404 if not established."""
        try:
            return self.load(CountyPlan, CountyPlan.id_for(county_code), expected_version)
        except NotFound:
            raise NotFound(f"county {county_code} has no plan yet") from None

    def _stations(self, station_ids: Iterable[UUID | str]) -> list[Station]:
        """The stations named in a contract; 422 if one does not exist."""
        stations = []
        for station_id in station_ids:
            try:
                stations.append(self.load(Station, UUID(str(station_id))))
            except NotFound:
                raise Invalid("station_ids", f"there is no station {station_id}") from None
        return stations

    def _contract_held_by(self, ctx: Context, station: Station) -> ServiceContract:
        """The station's active contract, which must be held by the acting contractor."""
        ctx.require(Role.CONTRACTOR)
        if station.contract_id is None:
            raise Forbidden(f"no active contract covers station {station.township_code}")
        contract = self.load(ServiceContract, UUID(station.contract_id))
        if contract.organisation_id != ctx.organisation:
            raise Forbidden(
                f"station {station.township_code} is not covered by a contract of your organisation"
            )
        return contract
