"""Entry point of the audit service."""

from __future__ import annotations

from services.audit.api import router
from services.audit.projections import LedgerProjection
from shared.service import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(
    name="audit",
    title="Audit service (审计)",
    projections=lambda _settings, _app: [LedgerProjection()],
    routers=[router],
)


def make_app(settings: Settings | None = None):
    """The audit service's ASGI app."""
    return create_app(SPEC, settings)
