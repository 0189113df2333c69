"""Casework HTTP API. Not built yet: only the operations endpoints are served."""
