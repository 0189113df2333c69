"""Workforce HTTP API (``/v1``): one router per resource, thin routes turning requests into application calls and
read-model queries. Every command route answers the changed resource with its ETag (creates: 201 + ``Location``);
every list is a ``Page`` (``items``, ``next``). List responses never carry whole personal data."""

from __future__ import annotations

from services.workforce.api import baseline, organisations, roster, supervisors, workers
from services.workforce.api.access import ACCESS
from shared.access import guarded

RESOURCES = (organisations, workers, supervisors, roster, baseline)
router = guarded([resource.router for resource in RESOURCES], ACCESS, prefix="/v1")
"""Every route checks the role × scope matrix (``access.ACCESS``) before anything else."""

__all__ = ["router"]
