"""HTTP conventions of every service: problem responses, auth, If-Match, Idempotency-Key, ops routes."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Any, Generic, TypeVar

import psycopg
from eventsourcing import persistence
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import metrics, tracing
from shared.application import Command
from shared.auth import InvalidToken, verify
from shared.domain import Context, DomainError, Invalid, RuleViolated, StaleVersion
from shared.fields import Day
from shared.ratelimit import AUTH_FAILURES, RateLimited, client_address
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


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    response = problem(429, "Too many requests", f"too many {exc}; retry in {exc.seconds} s", "rate-limited",
                       instance=request.url.path)
    response.headers["Retry-After"] = str(exc.seconds)
    return response


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Context:
    """The caller's context from its bearer token; 401 if absent or invalid, 429 after too many failures.

    Verified once per request: the role guard and the route's own dependency both ask for it.
    """
    known = getattr(request.state, "sw_context", None)
    if known is not None:
        return known
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise InvalidToken("missing bearer token")
    # Only a presented token that fails counts: guessing needs tokens, and an absent one reveals nothing.
    address = client_address(request)
    AUTH_FAILURES.check(address)
    try:
        correlation = request.headers.get("x-correlation-id", "")[:128]
        ctx = verify(get_settings(), credentials.credentials.strip(), correlation)
    except InvalidToken:
        AUTH_FAILURES.take(address)
        raise
    request.state.sw_context = replace(ctx, **trace_context(request))
    return request.state.sw_context


def trace_context(request: Request) -> dict[str, str]:
    """The W3C trace context the request's events carry: its server span's while traces are recorded
    (``shared.tracing``), else the ``traceparent`` it sent, if valid, with its ``tracestate``."""
    recorded = tracing.current()
    if recorded:
        return recorded
    traceparent = traceparent_of(request)
    return {"traceparent": traceparent, "tracestate": tracestate_of(request) if traceparent else ""}


_TRACEPARENT = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")


def traceparent_of(request: Request) -> str:
    """The request's W3C ``traceparent`` if it sent a valid one (its events then carry it), else none."""
    given = request.headers.get("traceparent", "").strip().lower()
    return given if _TRACEPARENT.match(given) else ""


_TRACESTATE_MEMBER = re.compile(
    r"^[a-z0-9][_0-9a-z\-*/@]{0,255}=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$")


def tracestate_of(request: Request) -> str:
    """The request's W3C ``tracestate`` if well formed (at most 32 members, 512 characters), else none."""
    given = ",".join(request.headers.getlist("tracestate")).strip()
    members = [m.strip() for m in given.split(",") if m.strip()]
    if len(given) > 512 or len(members) > 32 or not all(_TRACESTATE_MEMBER.match(m) for m in members):
        return ""
    return ",".join(members)


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
            413: "Content too large", 429: "Too many requests", 503: "Service unavailable"}.get(status, "Error")


def install_error_mapper(app: FastAPI) -> None:
    """The one place exceptions become problem responses (and the body size limit is set)."""
    app.add_middleware(BodyLimit, max_bytes=get_settings().max_body_bytes)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(InvalidToken, _invalid_token)
    app.add_exception_handler(RateLimited, _rate_limited)
    for unavailable in STORE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


BEARER = HTTPBearer(auto_error=False, description="A token from the county's identity provider (JWT, HS256)")


async def current_context(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    x_correlation_id: Annotated[str | None, Header(max_length=128)] = None,
) -> Context:
    """The caller, from the bearer token; 401 if absent or invalid, 429 after too many failures.

    The light dependencies are ``async``: they run on the event loop instead of a hop to the thread pool each.
    """
    return authenticate(request, credentials)


_STRONG_ETAG = re.compile(r'^"([0-9]{1,15})"$')


async def if_match(if_match: Annotated[str | None, Header(alias="If-Match", max_length=64)] = None) -> int | None:
    """The aggregate version the caller last saw (``If-Match: "3"``), if given.

    Only strong ETags name a version (RFC 9110 §13.1.1 compares If-Match strongly): a weak one never matches (412).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip()
    if text.startswith("W/"):
        raise StaleVersion("a weak ETag never matches If-Match: send the strong ETag the resource answered, e.g. \"3\"")
    found = _STRONG_ETAG.match(text)
    if found is None:
        raise Invalid("If-Match", 'If-Match must be the ETag of the resource, e.g. "3"')
    return int(found.group(1))


async def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> str | None:
    """The caller's key making a command safe to retry."""
    return key


CurrentContext = Annotated[Context, Depends(current_context)]
IfMatch = Annotated[int | None, Depends(if_match)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


Body = Command
"""Base of request bodies: every body is a typed command (unknown fields refused)."""

MAX_OFFSET = 1_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="how many items to pass over")]
Limit = Annotated[int, Query(ge=1, le=500, description="how many items to return at most")]
AsOf = Annotated[Day | None, Query(description="the date the answer is for, YYYY-MM-DD (default: today)")]
ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list: its items, and the ``offset`` of the next page (null on the last one)."""

    items: list[ItemT]
    next: int | None = Field(description="offset of the next page; null when this is the last")


def page_of(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    """A page answer from up to ``limit + 1`` fetched items (the extra one says whether a next page exists)."""
    more = len(items) > limit
    return {"items": items[:limit], "next": offset + limit if more else None}


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["urn:sw:problem:invalid"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = Field(default=None, description="the fields at fault, with a message each")
    rule: str | None = Field(default=None, description="the domain rule refusing the command")


_PROBLEM_TEXT = {
    400: "Bad request", 401: "No valid bearer token", 403: "The caller's role or scope does not allow this",
    404: "Not found (or not visible to the caller)", 409: "A domain rule refuses it, or a concurrent change won",
    412: "If-Match names a version that is not the current one", 413: "The request or its event is too large",
    429: "Too many authentication failures or identity lookups: retry after Retry-After",
    422: "Invalid input: the fields at fault are named", 503: "The store or broker is unreachable: retry later",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring problem+json answers for ``statuses``."""
    return {
        status: {"model": Problem, "description": _PROBLEM_TEXT.get(status, "Problem"), "content": {PROBLEM: {}}}
        for status in statuses
    }


COMMAND_PROBLEMS = problems(401, 403, 404, 409, 412, 413, 422, 503)
QUERY_PROBLEMS = problems(401, 403, 404, 422, 503)


class BodyLimit:
    """Refuses a request body larger than ``max_body_bytes`` with a 413 problem, before it is parsed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self.max_bytes} bytes"
        response = problem(413, "Content too large", detail, "body-too-large", instance=scope.get("path"))
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


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

    prometheus_text = {"text/plain": {"schema": {"type": "string"}}}

    @router.get("/metrics", response_class=Response,
                responses={200: {"description": "Prometheus text exposition format", "content": prometheus_text}})
    async def metrics_route() -> Response:
        """Prometheus metrics; lags, pending counts and DLQ depths are measured now, not remembered."""
        if refresh is not None:
            await refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def install_request_metrics(app: FastAPI, service: str) -> None:
    """Counts requests and their duration per route template."""
    app.add_middleware(RequestMetrics, service=service)


class RequestMetrics:
    """Counts requests and their duration per route template (a plain ASGI middleware: no task or stream per
    request, unlike ``BaseHTTPMiddleware``)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics.REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            metrics.REQUEST_SECONDS.labels(self.service, route).observe(time.perf_counter() - started)
