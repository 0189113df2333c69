"""Policies of the stations service: consumers of the stream that issue commands."""

from __future__ import annotations

from .staffing import StaffingPolicy

__all__ = ["StaffingPolicy"]
