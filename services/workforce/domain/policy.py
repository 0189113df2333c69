"""The plan's workforce figures and the namespace of workforce ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, uuid5

WORKFORCE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:workforce")


@dataclass(frozen=True)
class Policy:
    """The plan's workforce figures (DOMAIN.md section 3), configurable with these defaults."""

    minimum_wage_fen: int = 190_000
    supervisor_min_stations: int = 5
    supervisor_max_stations: int = 8
    supervisor_certificate_levels: tuple[str, ...] = ("senior",)
    plan_start: date = date(2021, 1, 1)
    target_year: int = 2023
    certified_growth_rate: Decimal = Decimal("0.35")
    certified_multiple: Decimal = Decimal("2")
    professionals_share: Decimal = Decimal("0.01")
    registered_organisations_target: int = 1


DEFAULT_POLICY = Policy()

