"""Entry point of the stations service."""

from __future__ import annotations

from services.stations.api import ROUTERS
from services.stations.application import Stations
from services.stations.application.base import policy_of
from services.stations.policies import StaffingPolicy
from services.stations.published import PUBLISHED
from services.stations.read_models import Registers, StationStatusView
from shared.application import ServiceApplication
from shared.projection import Projection
from shared.service import ServiceSpec, create_app
from shared.settings import Settings


def make_application(settings: Settings, env: dict[str, str]) -> Stations:
    """The stations application on its store, with the plan's policy figures from settings."""
    return Stations(env=env, policy=policy_of(settings))


def projections(_settings: Settings, app: ServiceApplication | None) -> list[Projection]:
    """The read models, and the staffing policy that turns workforce assignments into station headcounts."""
    assert app is None or isinstance(app, Stations)
    return [StationStatusView(), Registers(), StaffingPolicy(app)]


SPEC = ServiceSpec(
    name="stations",
    title="Stations service (社工站)",
    make_application=make_application,
    published=PUBLISHED,
    projections=projections,
    routers=ROUTERS,
)


def make_app(settings: Settings | None = None):
    """The stations service's ASGI app."""
    return create_app(SPEC, settings)
