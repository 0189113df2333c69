"""Casework service layer. Not built yet: the service takes no commands."""
