"""The role × scope matrix: which role may call which route, over which scope, checked in one place per service.

Each service keeps a table ``"METHOD /path" → {role: scope}`` (``services/<service>/api/access.py``). Every route of
the service depends on ``guard(table)``: a route missing from the table is refused, a public route needs no token, any
other route needs a valid token of a role the table names (401 without one, 403 for another role). The scope says
how far the caller reaches; the narrow scopes (own township, own organisation, own station) need the resource's own
data, so the application checks them against the record, and the table documents which of them applies.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials

from shared.domain import Forbidden, Role
from shared.http import BEARER, authenticate
from shared.routing import include_flat


class Scope(StrEnum):
    """How far a role reaches on a route."""

    PUBLIC = "public"
    ALL = "all"
    OWN_TOWNSHIP = "own township"
    OWN_ORGANISATION = "own organisation"
    OWN_STATION = "own station"
    OWN_RECORD = "own record"


Rule = Mapping[Role, Scope]
Table = Mapping[str, Rule]
PUBLIC: Rule = {}
"""The rule of a route anyone may call without a token."""

EVERYONE = tuple(r for r in Role if r is not Role.SYSTEM)
ADMIN, FINANCE, HR = Role.CIVIL_AFFAIRS_ADMIN, Role.FINANCE, Role.HR_SOCIAL_SECURITY
PARTY, TOWNSHIP, CONTRACTOR = Role.PARTY_ORGANISATION, Role.TOWNSHIP, Role.CONTRACTOR
WORKER, SUPERVISOR, EVALUATOR, AUDITOR = Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.EVALUATOR, Role.AUDITOR
NARROW = {TOWNSHIP: Scope.OWN_TOWNSHIP, CONTRACTOR: Scope.OWN_ORGANISATION, WORKER: Scope.OWN_STATION,
          SUPERVISOR: Scope.OWN_STATION}


def rule(*roles: Role, **wider: Scope) -> dict[Role, Scope]:
    """``roles`` with their usual scope (all for county departments, the narrow one for the others).

    ``wider`` names a role whose scope differs on this route, e.g. ``township=Scope.ALL``.
    """
    scopes = {role: NARROW.get(role, Scope.ALL) for role in roles}
    scopes.update({Role(name): scope for name, scope in wider.items()})
    return scopes


def key(method: str, path: str) -> str:
    """The table's key of a route."""
    return f"{method.upper()} {path}"


def guard(table: Table) -> Callable[..., Awaitable[None]]:
    """The dependency enforcing ``table`` on every route of a service."""
    patterns = [(re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(route)) + "$"), route) for route in table]
    candidates: dict[tuple[str, str], list[tuple[re.Pattern[str], str]]] = {}

    async def check(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> None:
        route = _template(request, patterns, candidates)
        allowed = table.get(route) if route else None
        if allowed is None:
            raise Forbidden("this route is not in the role matrix: nobody may call it")
        if allowed is not PUBLIC and allowed:
            ctx = authenticate(request, credentials)
            if Role(ctx.role) not in allowed:
                roles = ", ".join(r.value for r in allowed)
                raise Forbidden(f"role {ctx.role!r} may not call {route}; allowed: {roles}")
        _refuse_unknown_query(request, route)

    return check


def _refuse_unknown_query(request: Request, route: str) -> None:
    """A query parameter the route does not declare is refused (422 naming it), never silently ignored: a misspelt
    ``as_of`` must not answer for today."""
    if not request.query_params:
        return
    known = _declared_query(request.app).get(route, frozenset())
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        message = f"not a parameter of this route (known: {', '.join(sorted(known)) or 'none'})"
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name),
                                       "input": request.query_params[name], "msg": message} for name in unknown])


def _declared_query(app: Any) -> dict[str, frozenset[str]]:
    """Each route's query parameters, as the service's OpenAPI document declares them (read once)."""
    declared = getattr(app.state, "declared_query", None)
    if declared is None:
        declared = {key(method, path): frozenset(p["name"] for p in op.get("parameters", []) if p.get("in") == "query")
                    for path, operations in app.openapi().get("paths", {}).items()
                    for method, op in operations.items() if isinstance(op, dict)}
        app.state.declared_query = declared
    return declared


def _template(request: Request, patterns: list[tuple[re.Pattern[str], str]],
              candidates: dict[tuple[str, str], list[tuple[re.Pattern[str], str]]]) -> str | None:
    """The table key of the request's route.

    An included router's route knows its path without the prefixes it was included under, so the key is the table's
    template that matches the request's path and ends with the route's own path (the most literal one if several do).
    The templates ending with a route's own path are found once per route (``candidates``), not per request.
    """
    method = "GET" if request.method == "HEAD" else request.method
    own = getattr(request.scope.get("route"), "path", "")
    mine = candidates.get((method, own))
    if mine is None:
        prefix = f"{method} "
        mine = [(pattern, route) for pattern, route in patterns if route.startswith(prefix) and route.endswith(own)]
        candidates[(method, own)] = mine
    target = key(method, request.url.path)
    found = [route for pattern, route in mine if pattern.match(target)]
    return min(found, key=lambda route: route.count("{")) if found else None


def guarded(routers: Iterable[APIRouter], table: Table, prefix: str = "") -> APIRouter:
    """One router holding ``routers``' routes (under ``prefix``), every one of which checks ``table`` first."""
    outer = APIRouter()
    check = Depends(guard(table))
    for router in routers:
        include_flat(outer, router, prefix, dependencies=[check])
    return outer


def markdown(tables: Mapping[str, Table]) -> str:
    """The matrix as Markdown tables, one per service (the README's "Roles" section; – means refused)."""
    roles = [r for r in Role if r is not Role.SYSTEM]
    lines: list[str] = []
    for service, table in tables.items():
        lines += [f"**{service}**", "", "| route | " + " | ".join(r.value for r in roles) + " |",
                  "|---|" + "---|" * len(roles)]
        for route, allowed in sorted(table.items(), key=lambda item: (item[0].split()[1], item[0])):
            cells = ["public" if not allowed else allowed[r].value if r in allowed else "–" for r in roles]
            lines.append(f"| `{route}` | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
