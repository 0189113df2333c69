"""Casework projections. Not built yet: the service consumes no events."""
