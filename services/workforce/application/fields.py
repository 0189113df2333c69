"""Field types of workforce commands beyond ``shared.fields``: the pay month, a word of a domain vocabulary, and an
organisation named by its id or its unified social credit code."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from services.workforce.domain import ServiceOrganisation, validate_credit_code
from shared.domain import Invalid
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


def _organisation(value: object) -> object:
    """An organisation's id as given, or the id its unified social credit code derives (in any case)."""
    if not isinstance(value, str) or len(value.strip()) != 18:
        return value
    try:
        return ServiceOrganisation.create_id(validate_credit_code(value))
    except Invalid as exc:
        raise ValueError(exc.detail) from None


OrganisationRef = Annotated[UUID, BeforeValidator(_organisation), WithJsonSchema(
    {"type": "string", "maxLength": 36, "description": "the organisation's id, or its 统一社会信用代码"})]
"""An organisation named the way a token may name it: by id or by unified social credit code, alike."""
