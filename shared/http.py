"""HTTP conventions of every service: problem responses, auth, If-Match, Idempotency-Key, ops routes."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import psycopg
from eventsourcing import persistence
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import metrics
from shared.auth import InvalidToken, verify
from shared.domain import Context, DomainError, Invalid, RuleViolated
from shared.settings import get_settings
from shared.store import StoreUnreachable

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
ReadyCheck = Callable[[], Awaitable[str | None]]


def problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem response."""
    body = {"type": f"urn:sw:problem:{slug}", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    slug = exc.rule if isinstance(exc, RuleViolated) else _slug(type(exc).__name__)
    return problem(exc.status, exc.title, exc.detail, slug, instance=request.url.path, **exc.extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]), "message": err["msg"]}
        for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    detail = f"invalid input in: {fields}" if fields else "invalid input"
    return problem(422, "Invalid input", detail, "invalid", instance=request.url.path, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    return problem(exc.status_code, _title(exc.status_code), detail, f"http-{exc.status_code}",
                   instance=request.url.path)


async def _invalid_token(request: Request, exc: Exception) -> JSONResponse:
    return problem(401, "Unauthorized", f"a valid bearer token is required: {exc}", "unauthorized",
                   instance=request.url.path)


class Unavailable(Exception):
    """The service cannot answer right now (starting, or its store is unreachable): 503, retry later."""


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with ``Retry-After``: the store or the service is not reachable right now; nothing was recorded.

    The store's sessions have a connect timeout and a statement timeout (``shared.store``), so a
    request meets this within seconds instead of hanging, and a command is either stored before
    its answer or not at all.
    """
    if isinstance(exc, Unavailable):
        detail = str(exc)
    elif isinstance(exc, psycopg.errors.UndefinedTable):
        detail = "a read model is being rebuilt; try again shortly"
    else:
        detail = f"the event store is unreachable right now ({type(exc).__name__}); nothing was recorded"
        log.warning("%s %s: store unavailable: %s", request.method, request.url.path, exc)
    response = problem(503, "Service unavailable", detail, "unavailable", instance=request.url.path)
    response.headers["Retry-After"] = str(get_settings().retry_after_seconds)
    return response


STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    Unavailable,
    StoreUnreachable,
    psycopg.OperationalError,  # includes pool timeouts, statement and lock timeouts
    psycopg.InterfaceError,
    psycopg.errors.UndefinedTable,  # a read model's tables, while they are rebuilt
    persistence.OperationalError,
    persistence.InterfaceError,
)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem(500, "Internal error", "the request failed; nothing was recorded", "internal",
                   instance=request.url.path)


def _title(status: int) -> str:
    return {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
            405: "Method not allowed", 409: "Conflict", 412: "Precondition failed",
            503: "Service unavailable"}.get(status, "Error")


def install_error_mapper(app: FastAPI) -> None:
    """The one place exceptions become problem responses."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(InvalidToken, _invalid_token)
    for unavailable in STORE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


def current_context(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_correlation_id: Annotated[str | None, Header(max_length=128)] = None,
) -> Context:
    """The caller, from the bearer token; 401 if absent or invalid."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise InvalidToken("missing bearer token")
    ctx = verify(get_settings(), authorization[7:].strip(), x_correlation_id or "")
    request.state.actor = ctx.actor
    return ctx


def if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The aggregate version the caller last saw (``If-Match: "3"``), if given."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Invalid("If-Match", 'If-Match must be the ETag of the resource, e.g. "3"')
    return int(text)


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> str | None:
    """The caller's key making a command safe to retry."""
    return key


CurrentContext = Annotated[Context, Depends(current_context)]
IfMatch = Annotated[int | None, Depends(if_match)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, so a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


def created(response: Response, location: str, body: dict[str, Any]) -> dict[str, Any]:
    """A 201 answer's Location and ETag headers."""
    response.headers["Location"] = location
    return with_etag(response, body)


def with_etag(response: Response, body: dict[str, Any]) -> dict[str, Any]:
    """Sets the ETag header from the body's aggregate version."""
    if "version" in body:
        response.headers["ETag"] = f'"{body["version"]}"'
    return body


def ops_router(
    service: str,
    checks: dict[str, ReadyCheck],
    loops: Callable[[], dict[str, dict[str, Any]]] | None = None,
    refresh: Callable[[], Awaitable[None]] | None = None,
    stall_threshold: float = 30.0,
) -> APIRouter:
    """``/healthz``, ``/readyz`` (checks and each background loop's state) and ``/metrics``."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok", "service": service}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready: the store and the broker answer, and no background loop is stalled past the threshold."""
        results = await asyncio.gather(*(check() for check in checks.values()))
        states = loops() if loops is not None else {}
        failures = {name: err for name, err in zip(checks, results, strict=True) if err}
        for name, state in states.items():
            if state["state"] == "stalled" and state.get("stalled_seconds", 0) > stall_threshold:
                where = f" at {state['event_id']}" if state.get("event_id") else ""
                failures[f"loop {name}"] = f"stalled {state['stalled_seconds']:.0f}s{where}: {state.get('reason', '')}"
        report = {k: (v or "ok") for k, v in zip(checks, results, strict=True)}
        if failures:
            response = problem(503, "Not ready", "; ".join(f"{k}: {v}" for k, v in failures.items()), "not-ready",
                               checks=report, loops=states)
            response.headers["Retry-After"] = "5"
            return response
        return JSONResponse({"status": "ready", "service": service, "checks": report, "loops": states})

    @router.get("/metrics")
    async def metrics_route() -> Response:
        """Prometheus metrics; lags, pending counts and DLQ depths are measured now, not remembered."""
        if refresh is not None:
            await refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def install_request_metrics(app: FastAPI, service: str) -> None:
    """Counts requests and their duration per route template."""

    @app.middleware("http")
    async def _measure(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        metrics.REQUEST_SECONDS.labels(service, route).observe(time.perf_counter() - started)
        return response
