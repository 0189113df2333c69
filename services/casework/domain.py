"""Casework domain: beneficiaries, cases, activities, supervision sessions (DOMAIN.md section 4).

Not built yet: this service holds no aggregates and publishes no events.
"""
