"""Entry point of the workforce service."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from services.workforce.api import router
from services.workforce.application import Workforce
from services.workforce.domain import Policy
from services.workforce.policies import ContractsHeld
from services.workforce.published import PUBLISHED
from services.workforce.read_models import Roster, Targets
from shared.application import ServiceApplication
from shared.projection import Projection
from shared.service import ServiceSpec, create_app
from shared.settings import Settings


def policy_from(settings: Settings) -> Policy:
    """The plan's workforce figures, from settings."""
    return Policy(
        minimum_wage_fen=settings.minimum_wage_fen,
        supervisor_min_stations=settings.supervisor_min_stations,
        supervisor_max_stations=settings.supervisor_max_stations,
        certified_growth_rate=Decimal(str(settings.certified_growth_per_year)),
        certified_multiple=Decimal(str(settings.certified_multiple_by_2023)),
        professionals_share=Decimal(str(settings.professionals_population_share)),
        registered_organisations_target=settings.registered_organisations_min,
    )


def make_application(settings: Settings, env: dict[str, str]) -> Workforce:
    """The workforce application on its encrypted store."""
    key = settings.identity_key or hashlib.sha256(f"identity:{settings.jwt_secret}".encode()).hexdigest()
    return Workforce(env={**env, "WORKFORCE_IDENTITY_KEY": key}, policy=policy_from(settings))


def projections(_settings: Settings, app: ServiceApplication | None) -> list[Projection]:
    """The roster and targets read models, and the stations-contract policy issuing commands to ``app``."""
    assert app is None or isinstance(app, Workforce)
    return [Roster(), Targets(), ContractsHeld(app)]


SPEC = ServiceSpec(
    name="workforce",
    title="Workforce service (社工人才)",
    make_application=make_application,
    published=PUBLISHED,
    projections=projections,
    routers=[router],
    encrypt_store=True,
)


def make_app(settings: Settings | None = None):
    """The workforce service's ASGI app."""
    return create_app(SPEC, settings)
