"""The console's forms turned into the commands' JSON bodies: numbers where the text is one, everything else as
typed, so the API judges the input and names the field it refuses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData


def number(text: str) -> int | float | str:
    """An integer or decimal number when ``text`` is one, else the text (the API refuses it by name)."""
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return cleaned
    return int(value) if value == value.to_integral_value() else float(value)


def fen(yuan: str) -> int | str:
    """An amount in yuan as whole fen, or the text as typed."""
    try:
        value = Decimal(yuan.strip()) * 100
    except InvalidOperation:
        return yuan
    return int(value) if value == value.to_integral_value() else yuan


def text(form: FormData, name: str) -> str:
    """A text field ('' when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def site(form: FormData) -> dict[str, Any]:
    """PUT /v1/stations/{id}/site."""
    facilities = [f.strip() for f in text(form, "facilities").replace("，", ",").split(",") if f.strip()]
    return {"office_area_m2": number(text(form, "office_area_m2")), "facilities": facilities, "on": text(form, "on")}


LEDGER_COUNTS = ("year", "quarter", "services_delivered", "people_served", "activities", "staffing")


def ledger(form: FormData) -> dict[str, Any]:
    """POST /v1/stations/{id}/ledgers."""
    return {**{name: number(text(form, name)) for name in LEDGER_COUNTS},
            "spending_fen": fen(text(form, "spending_yuan")), "submitted_on": text(form, "submitted_on")}


def supervision(form: FormData) -> dict[str, Any]:
    """POST /v1/supervision-sessions."""
    return {"station_id": text(form, "station_id"), "held_on": text(form, "held_on"),
            "hours": number(text(form, "hours")), "content": text(form, "content")}


def service(form: FormData) -> dict[str, Any]:
    """POST /v1/cases/{id}/services."""
    return {"on": text(form, "on"), "domain": text(form, "domain"), "service_type": text(form, "service_type"),
            "minutes": number(text(form, "minutes")), "notes": text(form, "notes")}
