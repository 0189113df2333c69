"""/readyz tells which loop is stuck and since when; store outages are 503 problems with Retry-After."""

from __future__ import annotations

import logging

import psycopg
import pytest
from eventsourcing import persistence
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import PoolTimeout

from shared.http import Unavailable, install_error_mapper, ops_router
from shared.store import RepeatsMuted, StoreUnreachable


async def fine() -> str | None:
    return None


async def broker_down() -> str | None:
    return "not connected to NATS"


def _ops(loops: dict, checks: dict | None = None) -> TestClient:
    app = FastAPI()
    app.include_router(ops_router("svc", checks or {"store": fine}, loops=lambda: loops, stall_threshold=30))
    return TestClient(app)


RUNNING = {"state": "running", "since": "2026-01-01T00:00:00+00:00"}


def test_ready_lists_every_loop_state() -> None:
    loops = {"relay": {"state": "standby", "reason": "another replica holds the relay lock"},
             "projection:a": RUNNING}
    answer = _ops(loops).get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["loops"] == loops


def test_a_loop_stalled_past_the_threshold_makes_the_service_not_ready_naming_the_event_and_reason() -> None:
    stuck = {"state": "stalled", "stalled_seconds": 31.0, "event_id": "stations-281",
             "reason": "MaxPayloadError: maximum payload exceeded"}
    answer = _ops({"relay": stuck, "projection:a": RUNNING}).get("/readyz")
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    body = answer.json()
    assert "loop relay" in body["detail"] and "stations-281" in body["detail"] and "MaxPayload" in body["detail"]
    assert body["loops"]["relay"]["event_id"] == "stations-281"


def test_a_loop_stalled_briefly_is_reported_but_not_yet_alarming() -> None:
    answer = _ops({"relay": {"state": "stalled", "stalled_seconds": 2.0, "reason": "reconnecting"}}).get("/readyz")
    assert answer.status_code == 200 and answer.json()["loops"]["relay"]["state"] == "stalled"


def test_an_unreachable_broker_makes_the_service_not_ready() -> None:
    answer = _ops({}, {"store": fine, "broker": broker_down}).get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"] == {"store": "ok", "broker": "not connected to NATS"}


@pytest.mark.parametrize("error", [
    PoolTimeout("couldn't get a connection after 2.00 sec"),
    psycopg.OperationalError("server closed the connection unexpectedly"),
    psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
    persistence.OperationalError("couldn't get a connection"),
    persistence.InterfaceError("connection already closed"),
    StoreUnreachable("no connection to the event store"),
    Unavailable("the service is starting"),
])
def test_store_outages_are_503_problems_with_retry_after(error: Exception) -> None:
    app = FastAPI()
    install_error_mapper(app)

    @app.post("/command")
    def command() -> None:
        raise error

    answer = TestClient(app, raise_server_exceptions=False).post("/command")
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:sw:problem:unavailable"


def test_a_bug_is_still_a_500() -> None:
    app = FastAPI()
    install_error_mapper(app)

    @app.get("/bug")
    def bug() -> None:
        raise psycopg.errors.SyntaxError("syntax error at or near")

    assert TestClient(app, raise_server_exceptions=False).get("/bug").status_code == 500


def test_a_repeated_pool_failure_is_logged_once_per_window() -> None:
    muted = RepeatsMuted(window=60)
    record = logging.LogRecord("psycopg.pool", logging.WARNING, "", 0, "error connecting: %s", ("refused",), None)
    other = logging.LogRecord("psycopg.pool", logging.WARNING, "", 0, "error connecting: %s", ("timeout",), None)
    assert [muted.filter(record), muted.filter(record), muted.filter(other), muted.filter(record)] == \
        [True, False, True, False]
