"""The base of the stations application: policy, loading by id given as text, and what several commands share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.stations.domain import CountyPlan, Policy, ServiceContract, Station
from shared.application import ServiceApplication
from shared.auth import same_organisation
from shared.domain import Context, Forbidden, Invalid, NotFound, Role
from shared.settings import Settings, get_settings

A = TypeVar("A", bound=Aggregate)
ADMIN = Role.CIVIL_AFFAIRS_ADMIN


def as_id(value: UUID | str, what: str) -> UUID:
    """An aggregate id given as UUID or text; 404 if the text is not an id."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} {value} not found") from None


def policy_of(settings: Settings) -> Policy:
    """The plan's policy figures, as the deployment's settings give them."""
    return Policy(minimum_staffing=settings.min_workers_per_station, ledger_due_days=settings.ledger_due_days)


class StationsBase(ServiceApplication):
    """What every part of the stations application shares."""

    def __init__(self, env: Mapping[str, str] | None = None, policy: Policy | None = None) -> None:
        super().__init__(env=env)
        self.policy = policy or policy_of(get_settings())

    def load(self, cls: type[A], aggregate_id: UUID | str, expected_version: int | None = None) -> A:
        """Like the base ``load``, but also takes an id as text (404 if it is not an id)."""
        try:
            return super().load(cls, as_id(aggregate_id, cls.__name__.lower()), expected_version)
        except NotFound:
            if cls is CountyPlan:
                raise NotFound("the county has no plan yet") from None
            raise

    @staticmethod
    def _plan_id(county_code: str) -> UUID:
        return CountyPlan.id_for(county_code)

    def _plan(self, county_code: str, expected_version: int | None = None) -> CountyPlan:
        """The county's plan; 404 if not established."""
        return self.load(CountyPlan, CountyPlan.id_for(county_code), expected_version)

    def _stations(self, station_ids: Iterable[UUID | str]) -> list[Station]:
        """The stations named in a contract; 422 if one does not exist."""
        stations = []
        for station_id in station_ids:
            try:
                stations.append(self.load(Station, UUID(str(station_id))))
            except (NotFound, ValueError):
                raise Invalid("station_ids", f"there is no station {station_id}") from None
        return stations

    def _contract_held_by(self, ctx: Context, station: Station) -> ServiceContract:
        """The station's active contract, which must be held by the acting contractor."""
        ctx.require(Role.CONTRACTOR)
        if station.contract_id is None:
            raise Forbidden(f"no active contract covers station {station.township_code}")
        contract = self.load(ServiceContract, UUID(station.contract_id))
        if not same_organisation(contract.organisation_id, ctx.organisation):
            raise Forbidden(f"station {station.township_code} is not covered by a contract of your organisation")
        return contract
