"""Workforce HTTP API (``/v1``): one router per resource, thin routes turning requests into application calls and
read-model queries. Every command route answers the changed resource with its ETag (creates: 201 + ``Location``);
every list is a ``Page`` (``items``, ``next``). List responses never carry whole personal data."""

from __future__ import annotations

from fastapi import APIRouter

from services.workforce.api import baseline, organisations, roster, supervisors, workers

router = APIRouter(prefix="/v1")
for resource in (organisations, workers, supervisors, roster, baseline):
    router.include_router(resource.router)

__all__ = ["router"]
