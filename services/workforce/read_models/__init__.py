"""Workforce read models, fed by the stream: the roster (花名册) and the targets (目标), with their queries."""

from __future__ import annotations

from services.workforce.read_models.roster import Roster
from services.workforce.read_models.roster_queries import (
    OrganisationStaffing,
    Payroll,
    RosterEntry,
    StationStaffing,
    SupervisorCoverage,
    organisations_as_of,
    payroll,
    roster,
    stations_as_of,
    supervisors_as_of,
    workers_as_of,
)
from services.workforce.read_models.station_townships import StationTownships, township_stations
from services.workforce.read_models.targets import Targets, TargetsReport, population_as_of, targets

__all__ = [
    "OrganisationStaffing",
    "Payroll",
    "Roster",
    "RosterEntry",
    "StationStaffing",
    "StationTownships",
    "SupervisorCoverage",
    "Targets",
    "TargetsReport",
    "organisations_as_of",
    "payroll",
    "population_as_of",
    "roster",
    "stations_as_of",
    "supervisors_as_of",
    "targets",
    "township_stations",
    "workers_as_of",
]
