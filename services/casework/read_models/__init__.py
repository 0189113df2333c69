"""Casework read models, fed by the stream: who works where (from workforce events), the registry and its counts,
and supervision coverage (from the service's own events)."""

from __future__ import annotations

from services.casework.read_models.directory import PgDirectory, WorkforceDirectory
from services.casework.read_models.registry import (
    CaseEntry,
    Registry,
    RegistryEntry,
    Statistics,
    cases,
    registry,
    statistics,
)
from services.casework.read_models.supervision import StationCoverage, SupervisionSessions, coverage

__all__ = [
    "CaseEntry",
    "PgDirectory",
    "Registry",
    "RegistryEntry",
    "StationCoverage",
    "Statistics",
    "SupervisionSessions",
    "WorkforceDirectory",
    "cases",
    "coverage",
    "registry",
    "statistics",
]
