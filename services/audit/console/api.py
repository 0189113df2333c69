"""Calls to the services' own APIs with the signed-in user's bearer token (the console keeps no rule of its own)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from services.audit.console.settings import ConsoleSettings

OWN_CALLS = asyncio.Semaphore(1)
"""Calls to this service's own API, one at a time: each holds one of its few pooled connections."""
BUSY_RETRIES, BUSY_WAIT_MAX_S = 3, 2.0  # a 503's Retry-After, honoured a few times, never long


@dataclass
class ApiError(Exception):
    """A refusal or failure: the RFC 9457 problem the API answered (or one describing why none came)."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None

    @property
    def detail(self) -> str:
        """The API's own explanation."""
        return str(self.problem.get("detail") or self.problem.get("title") or "")


@dataclass
class Download:
    """A file an API answered."""

    body: bytes
    media_type: str
    disposition: str


@dataclass
class Api:
    """The services' APIs as one user sees them."""

    settings: ConsoleSettings
    token: str
    own_url: str

    def base(self, service: str) -> str:
        """The base URL of ``service``."""
        return self.settings.url(service) or self.own_url.rstrip("/")

    async def get(self, service: str, path: str, **query: Any) -> Any:
        """The JSON answer of a query (``None`` parameters left out)."""
        if service != "audit":
            return await asyncio.to_thread(self._json, "GET", service, path, query, None)
        async with OWN_CALLS:
            return await asyncio.to_thread(self._json, "GET", service, path, query, None)

    async def send(self, service: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A command, with a fresh Idempotency-Key, so a retried form submission is recorded once."""
        return await asyncio.to_thread(self._json, method, service, path, {}, body or {})

    async def download(self, service: str, path: str, **query: Any) -> Download:
        """A file (an export) as the API answered it."""
        async with OWN_CALLS:
            return await asyncio.to_thread(self._download, service, path, query)

    async def attempt(self, service: str, path: str, **query: Any) -> Any | ApiError:
        """The answer of a query, or its refusal as a value (a page shows what each part answered)."""
        try:
            return await self.get(service, path, **query)
        except ApiError as exc:
            return exc

    def _request(self, method: str, service: str, path: str, query: dict[str, Any],
                 body: dict[str, Any] | None) -> urllib.request.Request:
        params = urllib.parse.urlencode({k: v for k, v in query.items() if v not in (None, "")})
        url = f"{self.base(service)}{path}" + (f"?{params}" if params else "")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers |= {"Content-Type": "application/json", "Idempotency-Key": f"console-{uuid.uuid4()}"}
            data = json.dumps(body).encode()
        return urllib.request.Request(url, data=data, headers=headers, method=method)

    def _open(self, request: urllib.request.Request) -> tuple[bytes, Any]:
        """The answer; a 503 (a busy pool, a store restarting) is asked again after its ``Retry-After``, a few
        times, with the same request (a command keeps its Idempotency-Key, so it is recorded once)."""
        for attempt in range(BUSY_RETRIES + 1):
            try:
                return self._open_once(request)
            except ApiError as exc:
                if exc.status != 503 or exc.retry_after is None or attempt == BUSY_RETRIES:
                    raise
                time.sleep(min(exc.retry_after, BUSY_WAIT_MAX_S))
        raise AssertionError("unreachable")

    def _open_once(self, request: urllib.request.Request) -> tuple[bytes, Any]:
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_seconds) as response:
                return response.read(), response.headers
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, _problem(exc.read(), exc.code), _retry_after(exc.headers)) from None
        except (OSError, TimeoutError) as exc:
            raise ApiError(503, {"title": "Service unavailable", "detail": f"{request.full_url}: {exc}"}) from None

    def _json(self, method: str, service: str, path: str, query: dict[str, Any],
              body: dict[str, Any] | None) -> Any:
        raw, _headers = self._open(self._request(method, service, path, query, body))
        return json.loads(raw) if raw else None

    def _download(self, service: str, path: str, query: dict[str, Any]) -> Download:
        request = self._request("GET", service, path, query, None)
        request.remove_header("Accept")
        raw, headers = self._open(request)
        return Download(raw, headers.get("Content-Type", "application/octet-stream"),
                        headers.get("Content-Disposition", ""))


def _retry_after(headers: Any) -> float | None:
    """The seconds a 503 asks the caller to wait, when it says."""
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return None


def _problem(raw: bytes, status: int) -> dict[str, Any]:
    try:
        problem = json.loads(raw)
    except ValueError:
        problem = None
    return problem if isinstance(problem, dict) else {"status": status, "detail": raw.decode(errors="replace")[:300]}
