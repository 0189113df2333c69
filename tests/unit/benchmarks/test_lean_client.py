"""The load generator's lean client: JSON both ways, the token sent, a connection kept alive or reopened."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.client import LeanClient


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list[tuple[str, int]] = []  # noqa: RUF012 - each accepted connection, shared by the handlers

    def setup(self) -> None:
        super().setup()  # one handler per accepted connection, however many requests it carries
        Echo.connections.append(self.client_address)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self._answer(201, {"got": body, "auth": self.headers["Authorization"], "path": self.path})

    def do_GET(self) -> None:
        self._answer(404 if self.path == "/missing" else 200, {"path": self.path})
        if self.path == "/close":
            self.close_connection = True

    def _answer(self, status: int, doc: dict) -> None:
        data = json.dumps(doc, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Echo.connections.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_posts_json_with_the_token_and_decodes_the_answer(server: str) -> None:
    client = LeanClient(server, "tok")
    answer = client.post("/v1/workers", json={"name": "李娜", "n": 3})
    assert answer.status_code == 201
    assert answer.json() == {"got": {"name": "李娜", "n": 3}, "auth": "Bearer tok", "path": "/v1/workers"}
    assert client.get("/missing").status_code == 404
    client.close()


def test_keeps_one_connection_alive_and_reopens_one_the_server_closed(server: str) -> None:
    client = LeanClient(server, "tok")
    for _ in range(5):
        assert client.get("/x").status_code == 200
    assert len(Echo.connections) == 1
    assert client.get("/close").status_code == 200
    assert client.get("/after").json() == {"path": "/after"}
    assert len(Echo.connections) == 2
    client.close()
