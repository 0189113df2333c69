"""Entry point of the casework service.

The service runs with its store, broker and operations endpoints; its commands
and events (DOMAIN.md section 4) are not built yet, so it publishes nothing.
"""

from __future__ import annotations

from shared.service import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(name="casework", title="Casework service (个案)")


def make_app(settings: Settings | None = None):
    """The casework service's ASGI app."""
    return create_app(SPEC, settings)
