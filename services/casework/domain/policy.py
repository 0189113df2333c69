"""The plan's casework figures and the namespace of casework ids."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, uuid5

CASEWORK_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:casework")


@dataclass(frozen=True)
class Policy:
    """The figures casework rules read (docs/domain.md §16); their defaults are in ``shared.settings.Settings``."""

    supervision_min_hours: float
    guardian_consent_age: int
