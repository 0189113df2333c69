"""Casework HTTP API (``/v1``): one router per resource. Every command route answers the changed resource with its
ETag (creates: 201 + ``Location``); every list is a ``Page``. Personal data is answered only by the logged read."""

from __future__ import annotations

from services.casework.api import beneficiaries, cases, programme
from services.casework.api.access import ACCESS
from shared.access import guarded

router = guarded([resource.router for resource in (beneficiaries, cases, programme)], ACCESS, prefix="/v1")
"""Every route checks the role × scope matrix (``access.ACCESS``) before anything else."""

__all__ = ["router"]
