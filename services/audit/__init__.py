"""Audit service: the tamper-evident ledger of every event, for finance and audit departments."""
