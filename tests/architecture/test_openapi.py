"""Every service's OpenAPI tells a client generator what it gets: typed answers, the security scheme, problems."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

SERVICES = ("stations", "workforce", "casework", "audit")
OPEN_PATHS = {"/healthz", "/readyz", "/metrics"}
METHODS = {"get", "post", "put", "patch", "delete"}


def _openapi(service: str) -> dict[str, Any]:
    module = importlib.import_module(f"services.{service}.main")
    return module.make_app().openapi()  # building the schema starts no runtime


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()
            if method in METHODS and path not in OPEN_PATHS]


FILE_MEDIA = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _typed(response: dict[str, Any]) -> bool:
    """A named model (or a list of them): a bare ``object`` tells a client generator nothing; a file download
    declares its media type as binary."""
    content = response.get("content", {})
    if any(media.startswith(FILE_MEDIA) and (c.get("schema") or {}).get("format") == "binary"
           for media, c in content.items()):
        return True
    schema = content.get("application/json", {}).get("schema") or {}
    if schema.get("type") == "array":
        schema = schema.get("items") or {}
    return "$ref" in schema


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_a_typed_success_answer(service: str) -> None:
    untyped = []
    for path, method, op in _operations(_openapi(service)):
        success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        if not any(code == "204" or _typed(r) for code, r in success.items()):
            untyped.append(f"{method.upper()} {path}")
    assert not untyped, f"{service}: operations without a typed 2xx schema: {untyped}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_declares_the_bearer_scheme_and_its_problems(service: str) -> None:
    schema = _openapi(service)
    operations = _operations(schema)
    if operations:
        assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    missing = []
    for path, method, op in operations:
        declared = {code for code, r in op["responses"].items() if "application/problem+json" in r.get("content", {})}
        public = {} in op.get("security", [])  # anonymous callers admitted (公开 disclosures): no 401 to declare
        if not op.get("security") or not ({"422"} if public else {"401", "422"}) <= declared:
            missing.append(f"{method.upper()} {path}")
    assert not missing, f"{service}: operations without bearer security or problem responses: {missing}"
