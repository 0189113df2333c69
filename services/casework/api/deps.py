"""What every casework route depends on: the application, and the one shape of a command route."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, get_type_hints
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel

from services.casework.application import Casework
from shared.http import COMMAND_PROBLEMS, CurrentContext, IdempotencyKey, IfMatch, with_etag
from shared.service import application_of

App = Annotated[Casework, Depends(application_of(Casework))]


def command_route(router: APIRouter, verb: str, path: str, action: Callable[..., dict[str, Any]],
                  answer: type[BaseModel]) -> None:
    """Adds ``verb path`` running ``action`` on the aggregate named by the path's one id.

    The request body is the command ``action`` takes; ``If-Match`` and ``Idempotency-Key`` pass through; the answer is
    the aggregate as it now is, with its ETag. The route's description is the action's docstring.
    """
    (id_name,) = re.findall(r"{(\w+)}", path)

    def route(aggregate_id: UUID, body: BaseModel, ctx: CurrentContext, app: App, version: IfMatch,
              key: IdempotencyKey, response: Response) -> dict[str, Any]:
        result = action(app, ctx, aggregate_id, body, expected_version=version, idempotency_key=key)
        return with_etag(response, result)

    route.__annotations__["aggregate_id"] = Annotated[UUID, Path(alias=id_name)]
    route.__annotations__["body"] = get_type_hints(action)["command"]
    name = action.__name__
    router.add_api_route(path, route, methods=[verb.upper()], name=name, summary=name.replace("_", " ").capitalize(),
                         description=action.__doc__, response_model=answer, responses=COMMAND_PROBLEMS)
