"""Workforce read models, fed by the stream: the roster (花名册) and the targets (目标), with their queries."""

from __future__ import annotations

from services.workforce.read_models.roster import Roster, roster, workers_as_of
from services.workforce.read_models.roster_reports import (
    organisations_as_of,
    payroll,
    stations_as_of,
    supervisors_as_of,
)
from services.workforce.read_models.targets import Targets, population_as_of, targets

__all__ = [
    "Roster",
    "Targets",
    "organisations_as_of",
    "payroll",
    "population_as_of",
    "roster",
    "stations_as_of",
    "supervisors_as_of",
    "targets",
    "workers_as_of",
]
