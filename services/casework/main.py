"""Entry point of the casework service."""

from __future__ import annotations

import hashlib

from services.casework.api import router
from services.casework.application import Casework, policy_from
from services.casework.published import PUBLISHED
from services.casework.read_models import PgDirectory, Registry, SupervisionSessions, WorkforceDirectory
from services.casework.storage import PgAccessLog, PgKeyStore, create_tables, owned_tables
from shared.application import ServiceApplication
from shared.projection import Projection
from shared.service import ServiceSpec, create_app
from shared.settings import Settings
from shared.store import dev_cipher_key, open_pool


def make_application(settings: Settings, env: dict[str, str]) -> Casework:
    """The casework application on its encrypted store, with its key table, access log and directory."""
    pool = open_pool(settings, "casework", runtime=True)  # key table and access log: the owner role's (storage.py)
    if not settings.database_roles:
        create_tables(pool)
    master = settings.cipher_key or dev_cipher_key(settings)
    identity = settings.identity_key or hashlib.sha256(f"identity:{settings.jwt_secret}".encode()).hexdigest()
    app_env = {**env, "CASEWORK_MASTER_KEY": master, "CASEWORK_IDENTITY_KEY": identity}
    app = Casework(env=app_env, policy=policy_from(settings), keys=PgKeyStore(pool), directory=PgDirectory(pool),
                   access_log=PgAccessLog(pool))
    app.on_close.append(pool.close)
    return app


def projections(_settings: Settings, _app: ServiceApplication | None) -> list[Projection]:
    """Who works where (from workforce events); supervision coverage and the registry (from its own events)."""
    return [WorkforceDirectory(), SupervisionSessions(), Registry()]


SPEC = ServiceSpec(
    name="casework",
    title="Casework service (个案)",
    make_application=make_application,
    published=PUBLISHED,
    projections=projections,
    routers=[router],
    encrypt_store=True,
    tables=owned_tables,
)


def make_app(settings: Settings | None = None):
    """The casework service's ASGI app."""
    return create_app(SPEC, settings)
