"""Field types of casework commands beyond ``shared.fields``: a word of a domain vocabulary, a household size."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StringConstraints

Choice = Annotated[str, StringConstraints(max_length=40)]
"""One word of a domain vocabulary (target group, service type, ...): the domain names the choices."""

HouseholdSize = Annotated[StrictInt, Field(ge=1, le=50, description="people in the household")]

Purpose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200),
                    Field(description="why the personal data is read (kept in the access log)")]
