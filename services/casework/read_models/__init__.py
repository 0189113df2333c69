"""Casework read models, fed by the stream: who works where (from workforce events)."""

from __future__ import annotations

from services.casework.read_models.directory import PgDirectory, WorkforceDirectory

__all__ = ["PgDirectory", "WorkforceDirectory"]
