"""Casework service: beneficiaries, cases, activities and supervision sessions (docs/domain.md §12)."""
