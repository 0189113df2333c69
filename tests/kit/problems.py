"""Checking refusals: an RFC 9457 problem over HTTP, or a domain error that stored nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from shared.application import ServiceApplication
from shared.domain import DomainError, Invalid

PROBLEM = "application/problem+json"


def refused(response: httpx.Response, status: int, rule: str | None = None, field: str | None = None) -> dict:
    """The problem body of a refusal with ``status``, checked to name ``rule`` or ``field`` when given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    if rule is not None:
        assert body["type"] == f"urn:sw:problem:{rule}" and body["rule"] == rule, body
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def refused_command(app: ServiceApplication, error: type[DomainError], command: Callable[[], Any]) -> Any:
    """Runs a command that must be refused with ``error`` and must store nothing; returns the error."""
    before = app.recorder.max_notification_id()
    with pytest.raises(error) as caught:
        command()
    assert app.recorder.max_notification_id() == before, "a refused command stored events"
    return caught.value


def field_of(error: BaseException) -> str:
    """The field a refusal names: the domain's ``Invalid.field`` or the first field of a command's validation."""
    if isinstance(error, ValidationError):
        return str(error.errors()[0]["loc"][0])
    assert isinstance(error, Invalid), error
    return error.field
