"""What every workforce route depends on: the application, read access, and the one shape of a command route.

Commands check roles in the application; read access is checked here with ``readable_by``: county departments read
everything they need, a contractor only its own organisation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, get_type_hints
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from services.workforce.application import Workforce
from services.workforce.application.fields import Month
from shared.domain import Context, Forbidden, Invalid, Role
from shared.http import COMMAND_PROBLEMS, CurrentContext, IdempotencyKey, IfMatch, with_etag
from shared.service import application_of

ADMIN, HR, PARTY = Role.CIVIL_AFFAIRS_ADMIN, Role.HR_SOCIAL_SECURITY, Role.PARTY_ORGANISATION
FINANCE, AUDITOR, CONTRACTOR = Role.FINANCE, Role.AUDITOR, Role.CONTRACTOR
ROSTER_READERS = (ADMIN, HR, PARTY, AUDITOR, CONTRACTOR)
PAYROLL_READERS = (ADMIN, HR, FINANCE, AUDITOR, CONTRACTOR)
COUNTY_READERS = (ADMIN, HR, PARTY, FINANCE, AUDITOR)

App = Annotated[Workforce, Depends(application_of(Workforce))]
MonthQuery = Annotated[Month | None, Query(description="a month, YYYY-MM")]


def readable_by(ctx: Context, roles: tuple[Role, ...], organisation_id: str | None = None) -> str | None:
    """Checks read access; returns the organisation a contractor is limited to (None: no limit)."""
    ctx.require(*roles)
    if not ctx.has_role(CONTRACTOR):
        return organisation_id
    own = own_organisation(ctx)
    if organisation_id is not None and organisation_id != own:
        raise Forbidden("a contractor may only read its own organisation")
    return own


def own_organisation(ctx: Context) -> str:
    """A contractor's organisation id (its token names the id or the unified social credit code)."""
    try:
        return str(UUID(ctx.organisation))
    except ValueError:
        pass
    try:
        return str(Workforce.organisation_id_for(ctx.organisation))
    except Invalid:
        raise Forbidden("the contractor's token names no organisation") from None


def command_route(router: APIRouter, verb: str, path: str, action: Callable[..., dict[str, Any]],
                  answer: type[BaseModel]) -> None:
    """Adds ``verb path`` running ``action`` on the aggregate named by the path's one id (e.g. ``{worker_id}``).

    The request body is the command ``action`` takes; ``If-Match`` and ``Idempotency-Key`` pass through; the answer is
    the aggregate as it now is, with its ETag. The route's description is the action's docstring.
    """
    (id_name,) = re.findall(r"{(\w+)}", path)

    def route(aggregate_id: UUID, body: BaseModel, ctx: CurrentContext, app: App, version: IfMatch,
              key: IdempotencyKey, response: Response) -> dict[str, Any]:
        result = action(app, ctx, aggregate_id, body, expected_version=version, idempotency_key=key)
        return with_etag(response, result)

    # FastAPI reads the path parameter and the body from these annotations: the path's id, the action's command.
    route.__annotations__["aggregate_id"] = Annotated[UUID, Path(alias=id_name)]
    route.__annotations__["body"] = get_type_hints(action)["command"]
    name = action.__name__
    router.add_api_route(path, route, methods=[verb.upper()], name=name, summary=name.replace("_", " ").capitalize(),
                         description=action.__doc__, response_model=answer, responses=COMMAND_PROBLEMS)
