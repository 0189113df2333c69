"""The plan's workforce figures and the namespace of workforce ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, uuid5

WORKFORCE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:workforce")


@dataclass(frozen=True)
class Policy:
    """The plan's workforce figures (docs/domain.md §16).

    The configurable figures have no default here: their one default is in ``shared.settings.Settings`` (the
    application builds the policy from it). The plan's own dates are fixed by the plan.
    """

    minimum_wage_fen: int
    supervisor_min_stations: int
    supervisor_max_stations: int
    certified_growth_rate: Decimal
    certified_multiple: Decimal
    professionals_share: Decimal
    registered_organisations_target: int
    supervisor_certificate_levels: tuple[str, ...]
    plan_start: date = date(2021, 1, 1)
    target_year: int = 2023
