"""Workforce policies: projections of other services' events that issue workforce commands."""

from __future__ import annotations

from services.workforce.policies.contracts_held import ContractsHeld, organisation_id_of

__all__ = ["ContractsHeld", "organisation_id_of"]
