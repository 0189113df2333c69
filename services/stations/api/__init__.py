"""Stations HTTP API (``/v1``): one router per resource, thin routes turning requests into application calls and
read-model queries."""

from __future__ import annotations

from . import contracts, county_plan, disclosures, evaluations, ledgers, misuse_reports, stations

ROUTERS = [r.router for r in (county_plan, stations, contracts, ledgers, disclosures, evaluations, misuse_reports)]

__all__ = ["ROUTERS"]
