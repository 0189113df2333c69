"""A lean HTTP/1.1 client for the load generator: one kept-alive connection, JSON in and out.

The measured figures are the services', so the client sending the commands should cost as little of the two cores as
it can: ``httpx.Client`` spends about a millisecond of CPU per request in the benchmark's own process (more when 32
threads contend for the interpreter), the standard library's ``http.client`` a fraction of that. Only what the
closed-loop and steady-rate senders and the county year need: requests with a bearer token and JSON bodies, the status,
the decoded answer.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    """A response: its status and body."""

    status_code: int
    body: bytes

    def json(self) -> Any:
        """The body, decoded."""
        return json.loads(self.body)


class LeanClient:
    """POST / GET on one service over one kept-alive connection (reopened if the server closed it)."""

    def __init__(self, base_url: str, token: str, timeout: float = 60) -> None:
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname or "127.0.0.1", parts.port or 80, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, json: Any) -> Answer:
        """POSTs ``json`` as the body."""
        return self.request("POST", path, encode(json))

    def get(self, path: str) -> Answer:
        """GETs ``path``."""
        return self.request("GET", path, None)

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None = None) -> Answer:
        """One request (``headers``: more of them); retried once on a fresh connection if the kept-alive one was
        closed before it was sent."""
        headers = dict(self.headers, **({"Content-Type": "application/json"} if body is not None else {}),
                       **(headers or {}))
        for attempt in (1, 2):
            conn = self.conn or self._open()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return Answer(response.status, response.read())
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _open(self) -> http.client.HTTPConnection:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        """Closes the connection."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def encode(value: Any) -> bytes:
    """A JSON body, compact, with Chinese text as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
