"""An application called with keyword arguments, the way unit tests read best.

``ByKeywords(app).record_pay(ctx, worker_id=w, period="2022-03", gross_fen=1, paid_on=day)`` sends
``app.record_pay(ctx, w, RecordPay(period=..., ...))``: the path ids by name, the rest validated as the method's typed
command (a refused field raises ``Invalid`` naming it, as the API answers 422), ``expected_version`` and
``idempotency_key`` passed through.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

from pydantic import ValidationError

from shared.application import ServiceApplication
from shared.domain import Invalid

OPTIONS = ("expected_version", "idempotency_key")


class ByKeywords:
    """Wraps an application: commands take keywords; everything else is the application's own."""

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.app, name)
        hints = get_type_hints(method) if callable(method) else {}
        if "command" not in hints:
            return method
        names = list(inspect.signature(method).parameters)
        return _keywords(method, hints["command"], names[1:names.index("command")])


def _keywords(method: Callable[..., Any], command_type: Any, ids: list[str]) -> Callable[..., Any]:
    def call(ctx: Any, **arguments: Any) -> Any:
        path = [arguments.pop(name) for name in ids]
        options = {key: arguments.pop(key) for key in OPTIONS if key in arguments}
        try:
            command = command_type.model_validate(arguments)
        except ValidationError as error:
            first = error.errors()[0]
            raise Invalid(".".join(str(p) for p in first["loc"]), first["msg"]) from None
        return method(ctx, *path, command, **options)

    return call
