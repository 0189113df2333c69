"""Stations HTTP API (``/v1``): one router per resource, thin routes turning requests into application calls and
read-model queries."""

from __future__ import annotations

from shared.access import guarded

from . import contracts, county_plan, disclosures, evaluations, ledgers, misuse_reports, stations
from .access import ACCESS

RESOURCES = [r.router for r in (county_plan, stations, contracts, ledgers, disclosures, evaluations, misuse_reports)]
ROUTERS = [guarded(RESOURCES, ACCESS)]
"""Every route checks the role × scope matrix (``access.ACCESS``) before anything else."""

__all__ = ["ROUTERS"]
