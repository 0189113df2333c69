"""Field types of workforce commands beyond ``shared.fields``: the pay month and a word of a domain vocabulary."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from shared.settings import get_settings

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _month_in_window(value: str) -> str:
    settings = get_settings()
    if not f"{settings.date_min:%Y-%m}" <= value <= f"{settings.date_max:%Y-%m}":
        raise ValueError(f"must be between {settings.date_min:%Y-%m} and {settings.date_max:%Y-%m}")
    return value


Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN), AfterValidator(_month_in_window),
                  Field(description="a month, YYYY-MM, within the programme's window")]
"""A pay period or report month."""

Choice = Annotated[str, StringConstraints(max_length=32)]
"""One word of a domain vocabulary (education level, certificate level, ...): the domain names the choices."""
