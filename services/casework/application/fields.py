"""Field types of casework commands beyond ``shared.fields``: a word of a domain vocabulary, a household size, a
label that must be given, a number of participants, a reason for reading personal data, a month."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt, StringConstraints

from shared.settings import get_settings

Choice = Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")]
"""One word of a domain vocabulary (target group, service type, ...): the domain names the choices (no control
characters: a filter goes into a query)."""

HouseholdSize = Annotated[StrictInt, Field(ge=1, le=50, description="people in the household")]

Participants = Annotated[StrictInt, Field(ge=1, le=100_000, description="people who took part")]

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A short text that must be given (a goal, a category, an item)."""

Purpose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200),
                    Field(description="why the personal data is read (kept in the access log)")]

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _month_in_window(value: str) -> str:
    settings = get_settings()
    if not f"{settings.date_min:%Y-%m}" <= value <= f"{settings.date_max:%Y-%m}":
        raise ValueError(f"must be between {settings.date_min:%Y-%m} and {settings.date_max:%Y-%m}")
    return value


Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN), AfterValidator(_month_in_window),
                  Field(description="a month, YYYY-MM, within the programme's window")]
