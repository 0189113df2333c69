"""Casework read models, fed by the stream: who works where (from workforce events) and supervision coverage."""

from __future__ import annotations

from services.casework.read_models.directory import PgDirectory, WorkforceDirectory
from services.casework.read_models.supervision import StationCoverage, SupervisionSessions, coverage

__all__ = ["PgDirectory", "StationCoverage", "SupervisionSessions", "WorkforceDirectory", "coverage"]
