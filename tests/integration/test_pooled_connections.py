"""Pooled connections are not asked a round trip on every checkout, yet a dead one is never a failed command.

A connection that rested in its pool is checked before it is handed out; one taken back at once (under load) is not,
so a server that dropped it since fails the statement itself: eventsourcing then retries on a fresh connection, and
a read-model query fails with an error that answers 503 (``shared.http.STORE_UNAVAILABLE``).
"""

from __future__ import annotations

import time

import psycopg
import pytest

from benchmarks.widgets import CTX, SERVICE, Widget, Widgets
from shared import store
from shared.http import STORE_UNAVAILABLE
from shared.settings import Settings


def _kill(iso: Settings, pid: int) -> None:
    with store.connect(iso.database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _rest(conn: psycopg.Connection) -> None:
    """As if the connection had rested in its pool for longer than the check's threshold."""
    conn._sw_returned_at -= store.IDLE_CHECK_SECONDS + 1  # type: ignore[attr-defined]


def _just_returned(conn: psycopg.Connection) -> None:
    """As if the connection had come back to its pool a moment ago (under load, every one has)."""
    conn._sw_returned_at = time.monotonic()  # type: ignore[attr-defined]


def test_a_rested_connection_the_server_dropped_is_replaced_before_use(iso: Settings) -> None:
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    pool = store.open_pool(iso, SERVICE)
    try:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        _kill(iso, pid)
        _rest(conn)
        with pool.connection() as fresh:
            assert fresh.execute("SELECT 1 AS one").fetchone() == {"one": 1}
            assert fresh.info.backend_pid != pid
    finally:
        pool.close()


def test_a_connection_dropped_while_in_use_fails_as_unavailable_and_is_not_handed_out_again(iso: Settings) -> None:
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    pool = store.open_pool(iso.model_copy(update={"pool_size": 1}), SERVICE)  # the same connection comes back
    try:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        _kill(iso, pid)
        _just_returned(conn)  # however long the kill took on a busy machine
        with pytest.raises(STORE_UNAVAILABLE), pool.connection() as same:  # taken back at once: not checked
            same.execute("SELECT 1")
        with pool.connection() as next_one:
            assert next_one.execute("SELECT 1 AS one").fetchone() == {"one": 1}
    finally:
        pool.close()


def test_commands_and_loads_ride_over_event_store_connections_the_server_dropped(iso: Settings) -> None:
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    app = Widgets(env=store.eventsourcing_env(iso, SERVICE))
    store.tune_event_store(app, iso, SERVICE)
    try:
        widget = Widget(name="survivor", ctx=CTX)
        app.save(widget)
        with store.connect(iso.database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                          "AND pid <> pg_backend_pid()", (iso.database_name(SERVICE),))
        loaded = app.load(Widget, widget.id)  # the dead connection fails, eventsourcing retries on a new one
        loaded.count_up(by=2, ctx=CTX)
        app.save(loaded)
        assert app.load(Widget, widget.id).count == 2
    finally:
        app.close()
