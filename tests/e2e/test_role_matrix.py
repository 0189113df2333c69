"""The role × scope matrix walked over HTTP: every route of every service, for every role and without a token.

Each route is called with made-up ids (the caller's own organisation and township where the path names one) and an
empty body: what is checked is the authorisation decision, so an allowed call may still be a 404 or a 422.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from services.audit.access import ACCESS as AUDIT
from services.casework.api.access import ACCESS as CASEWORK
from services.stations.api.access import ACCESS as STATIONS
from services.workforce.api.access import ACCESS as WORKFORCE
from shared.access import PUBLIC, Table, key
from shared.auth import mint
from shared.domain import Role
from tests.kit.system import System

TABLES: dict[str, Table] = {"stations": STATIONS, "workforce": WORKFORCE, "casework": CASEWORK, "audit": AUDIT}
ROLES = [r for r in Role if r is not Role.SYSTEM]
OPERATIONS = {"/healthz", "/readyz", "/metrics"}
ORGANISATION, TOWNSHIP = str(uuid.uuid4()), "T01"
REFUSED = {401, 403}


def routes(system: System, service: str) -> list[str]:
    """Every route of a service's OpenAPI as ``METHOD /path``, the operations routes aside."""
    spec = httpx.get(f"{system.urls[service]}/openapi.json", timeout=15).json()
    return sorted(key(method, path) for path, operations in spec["paths"].items() if path not in OPERATIONS
                  for method in operations if method in {"get", "post", "put", "patch", "delete"})


def _value(name: str) -> str:
    if name == "organisation_id":
        return ORGANISATION
    if name.endswith("code"):
        return TOWNSHIP
    if name in {"size", "position"}:
        return "1"
    return str(uuid.uuid4())


def call(system: System, service: str, route: str, token: str | None) -> httpx.Response:
    """One request of ``route`` with made-up ids and an empty body."""
    method, path = route.split(" ", 1)
    url = system.urls[service] + re.sub(r"{(\w+)}", lambda found: _value(found.group(1)), path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: Any = {} if method in {"POST", "PUT", "PATCH"} else None
    return httpx.request(method, url, json=body, headers=headers, timeout=15)


def token(system: System, role: Role) -> str:
    """A token of ``role``, of the organisation and township the made-up ids name."""
    return mint(system.settings, subject=f"matrix-{role.value}", role=role, organisation=ORGANISATION,
                townships=(TOWNSHIP,))


@pytest.mark.parametrize("service", list(TABLES))
def test_every_route_of_the_service_is_in_its_matrix_and_no_other(system: System, service: str) -> None:
    served = set(routes(system, service))
    assert not served - set(TABLES[service]), f"routes missing from the {service} matrix"
    assert not set(TABLES[service]) - served, f"the {service} matrix names routes the service does not serve"


@pytest.mark.parametrize("service", list(TABLES))
def test_each_role_is_allowed_or_refused_as_the_matrix_says(system: System, service: str) -> None:
    tokens = {role: token(system, role) for role in ROLES}
    wrong = []
    for route in routes(system, service):
        allowed = TABLES[service].get(route)
        assert allowed is not None, f"{route} is missing from the {service} matrix"
        anonymous = call(system, service, route, None).status_code
        if (allowed is PUBLIC) == (anonymous in REFUSED) or (allowed is not PUBLIC and anonymous != 401):
            wrong.append(f"{route} without a token: {anonymous}")
        for role in ROLES:
            status = call(system, service, route, tokens[role]).status_code
            expected_allowed = allowed is PUBLIC or role in allowed
            if (expected_allowed and status in REFUSED) or (not expected_allowed and status != 403):
                wrong.append(f"{route} as {role.value}: {status} ({'allowed' if expected_allowed else 'refused'})")
    assert not wrong, "\n".join(wrong)
