"""Entry point of the workforce service."""

from __future__ import annotations

import hashlib

from services.workforce.api import router
from services.workforce.application import Workforce, policy_from
from services.workforce.application.queries import identity_index_ddl, training_index_ddl
from services.workforce.policies import ContractsHeld
from services.workforce.published import PUBLISHED
from services.workforce.read_models import Roster, StationTownships, Targets
from shared.application import ServiceApplication
from shared.projection import Projection
from shared.service import ServiceSpec, create_app
from shared.settings import Settings
from shared.store import Owned


def make_application(settings: Settings, env: dict[str, str]) -> Workforce:
    """The workforce application on its encrypted store."""
    key = settings.identity_key or hashlib.sha256(f"identity:{settings.jwt_secret}".encode()).hexdigest()
    return Workforce(env={**env, "WORKFORCE_IDENTITY_KEY": key}, policy=policy_from(settings))


def projections(_settings: Settings, app: ServiceApplication | None) -> list[Projection]:
    """The roster, targets and station → township read models, and the stations-contract policy issuing commands."""
    assert app is None or isinstance(app, Workforce)
    return [Roster(), Targets(), StationTownships(), ContractsHeld(app)]


def tables(_settings: Settings) -> list[Owned]:
    """Beside the store's own index, one of only the events that carry identities (masked lists read those) and one of
    only the training events (a worker's record lists its courses from those)."""
    events = f"{Workforce.name.lower()}_events"
    return [Owned((*identity_index_ddl(events), training_index_ddl(events)), ())]


SPEC = ServiceSpec(
    name="workforce",
    title="Workforce service (社工人才)",
    make_application=make_application,
    published=PUBLISHED,
    projections=projections,
    routers=[router],
    encrypt_store=True,
    tables=tables,
)


def make_app(settings: Settings | None = None):
    """The workforce service's ASGI app."""
    return create_app(SPEC, settings)
