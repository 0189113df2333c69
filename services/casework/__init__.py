"""Casework service: beneficiaries, cases, activities and supervision sessions (DOMAIN.md section 4)."""
