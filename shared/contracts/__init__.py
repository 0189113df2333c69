"""Event contracts: the versioned payloads departments' systems rely on.

Each published event has one pydantic model here, registered with the
``@contract`` decorator under its service, aggregate, event name and version.
The model's fields are the public payload: anything not declared (personal data
in particular) never leaves the service. Changing a payload means a new version.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

REGISTRY: dict[str, type[Contract]] = {}


class Contract(BaseModel):
    """Base of every event payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    service: ClassVar[str]
    aggregate: ClassVar[str]
    event: ClassVar[str]
    version: ClassVar[int]

    @classmethod
    def subject(cls, prefix: str = "sw") -> str:
        """NATS subject: ``<prefix>.<service>.<aggregate>.<event>``."""
        return f"{prefix}.{cls.service}.{cls.aggregate}.{cls.event}"

    @classmethod
    def event_type(cls) -> str:
        """CloudEvents ``type``: the subject's words plus the payload version."""
        return f"sw.{cls.service}.{cls.aggregate}.{cls.event}.v{cls.version}"

    @classmethod
    def from_event(cls, values: dict[str, Any]) -> Contract:
        """Builds the public payload from a domain event's attributes."""
        return cls.model_validate({k: v for k, v in values.items() if k in cls.model_fields})


def contract(service: str, aggregate: str, event: str, version: int = 1):
    """Class decorator registering a payload model under its CloudEvents type."""

    def register(cls: type[Contract]) -> type[Contract]:
        cls.service, cls.aggregate, cls.event, cls.version = service, aggregate, event, version
        key = cls.event_type()
        if key in REGISTRY and REGISTRY[key] is not cls:
            raise ValueError(f"contract {key} registered twice")
        REGISTRY[key] = cls
        return cls

    return register


def contract_for(event_type: str) -> type[Contract] | None:
    """The payload model of a CloudEvents type, if known."""
    _load_all()
    return REGISTRY.get(event_type)


@cache
def _load_all() -> None:
    """Imports every contract module (once) so the registry is complete."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
