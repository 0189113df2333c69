"""PostgreSQL helpers: one database per service, its connection pools, and eventsourcing's environment.

One driver for everything: psycopg 3, which eventsourcing requires anyway; the
project's own SQL (read models, tracking, relay position, ledger) uses it too.

Every connection carries ``application_name`` (``sw-<service>``, so a deployment's
connections can be counted in ``pg_stat_activity``), a connect timeout and a statement
timeout, so an unreachable or hung store is an error within seconds, never a hang.
A service process holds at most ``2 + pool_size + event_store_pool_size`` connections
(the relay's lock and LISTEN sessions, the shared pool, eventsourcing's pool): 6 by default.

Why a command is stored before its answer or not at all: the server, not the client, bounds how long
a command may wait for the store. It waits at most ``db_connect_timeout_seconds`` (2 s) for a
connection, ``db_lock_timeout_seconds`` (3 s) for the event table's lock and
``db_statement_timeout_ms`` (5 s) for any statement, and is never retried across an outage (see
``tune_event_store``); so it is settled, stored or refused with 503, seconds before a client's usual
patience (15 s and more) runs out, and nothing is written after the answer. A client that still gives
up earlier retries with the same ``Idempotency-Key`` and gets the first result.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from shared.settings import Settings


def url_for(server_url: str, dbname: str) -> str:
    """The same server, another database."""
    parts = urlsplit(server_url)
    return parts._replace(path=f"/{dbname}").geturl()


def conninfo(url: str) -> dict[str, str]:
    """psycopg keyword arguments of a URL; a ``host`` query parameter may name a socket directory."""
    parts = urlsplit(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    host = unquote(query.get("host") or parts.hostname or "127.0.0.1")
    return {
        "host": host,
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": unquote(parts.path.lstrip("/") or "postgres"),
    }


class RepeatsMuted(logging.Filter):
    """Passes each distinct message once per ``window`` seconds: an outage repeats one failure on every attempt."""

    def __init__(self, window: float = 60.0) -> None:
        super().__init__()
        self.window = window
        self.seen: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """True if this message was not logged within the window."""
        text, now = record.getMessage(), time.monotonic()
        if now - self.seen.get(text, -self.window) < self.window:
            return False
        if len(self.seen) > 1000:
            self.seen.clear()
        self.seen[text] = now
        return True


logging.getLogger("psycopg.pool").addFilter(RepeatsMuted())


class StoreUnreachable(Exception):
    """The store could not be reached in time; nothing was recorded (never retried in a loop)."""


DEFAULT_OPTIONS = {"application_name": "sw", "connect_timeout": "5"}


SESSION_PLANNING = "-c jit=off -c plan_cache_mode=force_custom_plan"
"""How a service's statements are planned: each with its own values, never JIT-compiled.

Every statement a service runs is a short lookup. A prepared statement (psycopg prepares one after its fifth run)
may be given a generic plan that ignores the values; on a roster of 42,000 workers with no statistics yet (a bulk
load, a rebuilt table, a server without autovacuum) that plan took ~220 ms for `GET /v1/roster?limit=100` where a
plan for the values takes ~3 ms. And once the planner's estimate passes `jit_above_cost`, compiling the statement
took longer (~15–25 ms) than running it (~2 ms)."""


def session_options(settings: Settings, name: str) -> dict[str, str]:
    """Connection keywords of a service's sessions: name, connect timeout, statement and lock timeouts, planning."""
    return {
        "application_name": f"sw-{name}"[:63],
        "connect_timeout": str(settings.db_connect_timeout_seconds),
        "options": (f"-c statement_timeout={settings.db_statement_timeout_ms} "
                    f"-c lock_timeout={settings.db_lock_timeout_seconds * 1000} "
                    f"-c idle_in_transaction_session_timeout=60000 {SESSION_PLANNING}"),
    }


def connect(url: str, autocommit: bool = False, **options: str) -> psycopg.Connection:
    """A new connection returning rows as dicts (``options``: e.g. from ``session_options``)."""
    return psycopg.connect(**conninfo(url), **{**DEFAULT_OPTIONS, **options}, autocommit=autocommit,
                           row_factory=dict_row)


IDLE_CHECK_SECONDS = 1.0
"""A pooled connection that rested longer than this is checked (a round trip) before it is handed out."""


def check_if_rested(conn: psycopg.Connection) -> None:
    """A pool's ``check``: a connection found closed is refused at once; one that rested in the pool longer than
    ``IDLE_CHECK_SECONDS`` is also asked an empty query (a round trip), as ``ConnectionPool.check_connection`` asks
    every connection. A connection taken back within a second of its last use (every one, under load) costs no
    round trip: a server that went away since then fails the statement itself, which eventsourcing retries on a
    fresh connection (the pool drops a broken one) and a read-model query answers 503.
    """
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the pooled connection is closed")
    rested = time.monotonic() - getattr(conn, "_sw_returned_at", getattr(conn, "_created_at", 0.0))
    if rested > IDLE_CHECK_SECONDS:
        ConnectionPool.check_connection(conn)


def note_return(conn: psycopg.Connection) -> None:
    """A pool's ``reset``: notes when the connection came back, for ``check_if_rested``."""
    conn._sw_returned_at = time.monotonic()  # type: ignore[attr-defined]


def open_pool(settings: Settings, name: str, runtime: bool = False) -> ConnectionPool:
    """The process's shared pool (reads, projections, readiness), opened without waiting for the server.

    Connections that rested are checked before use (``check_if_rested``), so the first requests after a database
    restart do not get a dead connection; a caller waits at most ``db_connect_timeout_seconds`` for one. A failed
    connection attempt is not retried in the background with a growing pause (which could leave the pool
    waiting for seconds after the server is back): the next request that needs a connection tries at once.
    """
    pool = ConnectionPool(
        kwargs={**conninfo((runtime_url if runtime else service_url)(settings, name)),
                **session_options(settings, name), "row_factory": dict_row},
        min_size=1, max_size=max(settings.pool_size, 1), open=False, name=f"sw-{name}",
        timeout=settings.db_connect_timeout_seconds, check=check_if_rested, reset=note_return,
        max_idle=60.0, reconnect_timeout=0.0,
    )
    pool.open(wait=False)
    return pool



def ensure_database(server_url: str, dbname: str, **options: str) -> None:
    """Creates the database if it does not exist."""
    with connect(url_for(server_url, "postgres"), autocommit=True, **options) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def drop_database(server_url: str, dbname: str) -> None:
    """Drops a database, closing its sessions first (tests clean up with it)."""
    with connect(url_for(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))


def service_url(settings: Settings, service: str) -> str:
    """URL of a service's own database."""
    return url_for(settings.database_url, settings.database_name(service))


def eventsourcing_env(
    settings: Settings, service: str, encrypt: bool = False, create_table: bool = True, runtime: bool = False,
) -> dict[str, str]:
    """Environment for a service's eventsourcing Application on its own database.

    As the runtime role (``runtime``, with roles on) it creates no table and takes the insert lock through the
    owner's procedure (``shared.runtime_role.LockingRecorder``). Its pool is small (one connection at rest,
    ``event_store_pool_size`` at most), checks a connection that rested before use (``tune_event_store``), and
    waits ``db_connect_timeout_seconds`` at most for one; its inserts wait ``db_lock_timeout_seconds`` at most for
    the table lock.
    """
    info = conninfo((runtime_url if runtime else service_url)(settings, service))
    size = max(settings.event_store_pool_size, 1)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": info["dbname"],
        "POSTGRES_HOST": info["host"],
        "POSTGRES_PORT": info["port"],
        "POSTGRES_USER": info["user"],
        "POSTGRES_PASSWORD": info["password"],
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": str(size - 1),
        "POSTGRES_CONNECT_TIMEOUT": str(settings.db_connect_timeout_seconds),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": str(settings.db_lock_timeout_seconds),
        "CREATE_TABLE": "true" if create_table and not (runtime and settings.database_roles) else "false",
        "MAX_EVENT_BYTES": str(settings.max_event_bytes),
    }
    if runtime and settings.database_roles:  # the owner created the tables (provision); see LockingRecorder
        env["APPLICATION_RECORDER_TOPIC"] = "shared.runtime_role:LockingRecorder"
    if encrypt:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key or dev_cipher_key(settings)
    return env


def tune_event_store(app: Any, settings: Settings, service: str) -> None:
    """Gives eventsourcing's pool the sessions' name and timeouts, and makes an unreachable store fail fast.

    eventsourcing retries a failed read or insert up to ten times; with the store gone that would hold a
    command for ten connection timeouts, and a command the client had given up on could still be stored
    when the server came back. A pool that cannot hand out a connection in time raises ``StoreUnreachable``
    instead, which is not retried: the command answers 503 within one connection timeout, stored or not at
    all before its answer.
    """
    pool = app.recorder.datastore.pool
    pool.kwargs.update(session_options(settings, service))
    pool.reconnect_timeout = 0.0  # see open_pool
    pool.max_idle = 60.0  # a connection opened for a burst is closed after a minute of rest
    pool._check, pool._reset = check_if_rested, note_return  # no round trip per checkout under load
    pool.drain()  # the connection opened while the application was built gets the new options too
    getconn = pool.getconn

    def getconn_or_fail(timeout: float | None = None) -> Any:
        try:
            return getconn(timeout)
        except PoolTimeout as exc:
            raise StoreUnreachable(f"no connection to the event store: {exc}") from exc

    pool.getconn = getconn_or_fail


def dev_cipher_key(settings: Settings) -> str:
    """A key derived from the dev secret, so dev and test runs need no set-up (refused in prod)."""
    import hashlib

    return base64.b64encode(hashlib.sha256(settings.jwt_secret.encode()).digest()).decode()


# --- least privilege (deploy/postgres/README.md) ---------------------------------------------------------------

def owner_role(settings: Settings) -> str:
    """The role owning the append-only tables (the audit ledger): no service logs in as it."""
    return f"{settings.database_prefix}owner"[:63]


def runtime_role(settings: Settings, service: str) -> str:
    """The role a service's process connects as."""
    return f"{settings.database_prefix}{service}_service"[:63]


def runtime_url(settings: Settings, service: str) -> str:
    """URL of a service's own database as its runtime role (as the configured user if roles are off)."""
    url = service_url(settings, service)
    if not settings.database_roles:
        return url
    parts = urlsplit(url)
    user = quote(runtime_role(settings, service), safe="")
    secret = f":{quote(settings.database_role_password, safe='')}" if settings.database_role_password else ""
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=f"{user}{secret}@{host}").geturl()


APPEND_ONLY = "SELECT, INSERT"
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"
BOOKKEEPING = "SELECT, INSERT, UPDATE"


@dataclass(frozen=True)
class Owned:
    """Tables the owner role creates (``ddl``, idempotent) and the DML the runtime role gets on them."""

    ddl: Sequence[str]
    tables: Sequence[str]
    privileges: str = READ_WRITE
    projection: str = ""
    """A read model's name: its DDL is left alone while its tables follow another ``fingerprint`` (a rebuild
    makes the new ones; the old DDL's tables may lack what the new DDL's indexes name)."""
    fingerprint: str = ""


def owner_session(settings: Settings, name: str) -> dict[str, str]:
    """Session keywords acting as the owner role (for the configured user: migrations, rebuilds, set-up)."""
    options = session_options(settings, name)
    if settings.database_roles:
        options["options"] += f" -c role={owner_role(settings)}"
    return options


def provision(settings: Settings, service: str, owned: Sequence[Owned] = (), events_table: str = "",
              snapshots_table: str = "", **options: str) -> None:
    """Sets up a service's database for least privilege; idempotent, run by the configured (admin) user.

    The owner role owns everything in the database's ``public`` schema: it creates the event store
    (``events_table``, eventsourcing's DDL, and a procedure taking the table's insert lock; ``snapshots_table``, when
    the application takes snapshots), and every ``owned``
    table; objects an earlier version left to another role are taken over. The runtime role may connect and use
    the schema, and gets on each table the DML its ``Owned`` entry names and nothing else: no CREATE on the
    database or the schema, no TRUNCATE, REFERENCES or TRIGGER, no ownership, so no DDL at all.
    """
    owner, runtime = owner_role(settings), runtime_role(settings, service)
    dbname = settings.database_name(service)
    with connect(url_for(settings.database_url, "postgres"), autocommit=True, **options) as conn:
        _create_role(conn, owner, login=False, password="")
        _create_role(conn, runtime, login=True, password=settings.database_role_password)
        _become_member(conn, owner)
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(dbname), sql.Identifier(runtime)))
        conn.execute(sql.SQL("GRANT CONNECT, CREATE ON DATABASE {} TO {}").format(  # a rebuild's schema
            sql.Identifier(dbname), sql.Identifier(owner)))
        conn.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(
            sql.Identifier(dbname), sql.Identifier(runtime)))
    with connect(service_url(settings, service), **options) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PROVISION_LOCK,))  # replicas starting together
        conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(owner)))
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}, PUBLIC").format(sql.Identifier(runtime)))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(runtime)))
        _take_over(conn, owner)
    if events_table:
        _create_event_store(settings, service, events_table, snapshots_table)
    with connect(service_url(settings, service), **options) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PROVISION_LOCK,))
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)))
        if events_table:
            _event_store_grants(conn, events_table, runtime)
        if snapshots_table:
            _grant_only(conn, (snapshots_table,), APPEND_ONLY, runtime)  # a snapshot is added, never changed
        for entry in owned:
            if not _built_by_another_version(conn, entry):
                for statement in entry.ddl:
                    conn.execute(statement)
            _grant_only(conn, [t for t in entry.tables if _exists(conn, t)], entry.privileges, runtime)
        conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(sql.Identifier(runtime)))
        # A read model rebuilt later (shared/shadow.py, as the owner) is readable and writable the moment it is
        # swapped in; every table made here got its exact grants above, in this transaction.
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES GRANT {} ON TABLES TO {}").format(
            sql.SQL(READ_WRITE), sql.Identifier(runtime)))
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO {}").format(
            sql.Identifier(runtime)))
        conn.execute("RESET ROLE")


def lock_procedure(events_table: str) -> str:
    """The procedure taking an event table's insert lock for a role that may not take it itself."""
    return f"{events_table}_lock"[:63]


def _create_event_store(settings: Settings, service: str, events_table: str, snapshots_table: str = "") -> None:
    """eventsourcing's tables (events, and snapshots if any), type, index and function, created by the owner role."""
    from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresDatastore

    info = conninfo(service_url(settings, service))
    datastore = PostgresDatastore(info["dbname"], info["host"], info["port"], info["user"], info["password"],
                                  connect_timeout=settings.db_connect_timeout_seconds, max_overflow=1)
    datastore.pool.kwargs.update(owner_session(settings, f"{service}-setup"))
    try:
        with datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (PROVISION_LOCK,))
            try:
                PostgresApplicationRecorder(datastore, events_table_name=events_table).create_table()
                if snapshots_table:
                    PostgresAggregateRecorder(datastore, events_table_name=snapshots_table).create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (PROVISION_LOCK,))
    finally:
        datastore.close()


def _event_store_grants(conn: psycopg.Connection, events_table: str, runtime: str) -> None:
    """Reading and appending; the insert lock (EXCLUSIVE mode, which PostgreSQL grants only to roles that may
    UPDATE, DELETE or TRUNCATE) through a procedure running as the owner, which takes that lock and nothing else."""
    table, procedure = sql.Identifier("public", events_table), sql.Identifier("public", lock_procedure(events_table))
    conn.execute(sql.SQL(
        "CREATE OR REPLACE PROCEDURE {}() LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp "
        "AS $$ BEGIN LOCK TABLE {} IN EXCLUSIVE MODE; END $$").format(procedure, table))
    conn.execute(sql.SQL("REVOKE ALL ON PROCEDURE {}() FROM PUBLIC").format(procedure))
    conn.execute(sql.SQL("GRANT EXECUTE ON PROCEDURE {}() TO {}").format(procedure, sql.Identifier(runtime)))
    _grant_only(conn, (events_table,), APPEND_ONLY, runtime)


def _built_by_another_version(conn: psycopg.Connection, entry: Owned) -> bool:
    if not entry.projection or not _exists(conn, "projection_schema"):
        return False
    row = conn.execute("SELECT fingerprint FROM projection_schema WHERE projection = %s",
                       (entry.projection,)).fetchone()
    return row is not None and row["fingerprint"] != entry.fingerprint


def _exists(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (f"public.{table}",)).fetchone()
    return bool(row and row["found"])


def _grant_only(conn: psycopg.Connection, tables: Sequence[str], privileges: str, runtime: str) -> None:
    """The runtime role gets exactly ``privileges`` on the tables (whatever it held before is revoked)."""
    if not tables:
        return
    names = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
    conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(names, sql.Identifier(runtime)))
    conn.execute(sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(privileges), names, sql.Identifier(runtime)))


def _become_member(conn: psycopg.Connection, role: str) -> None:
    """A non-superuser administrator acts as the owner role by membership (a superuser needs none)."""
    me = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if me is not None and not me["rolsuper"]:
        conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role)))


def _take_over(conn: psycopg.Connection, owner: str) -> None:
    """Gives the owner role whatever in ``public`` another role owns (an earlier version let the runtime roles
    create their tables): tables, views, composite types, functions and procedures; extensions' objects stay."""
    relations = conn.execute(
        "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'c') AND c.relowner <> to_regrole(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')", (owner,)).fetchall()
    for row in relations:
        kind = "TYPE" if row["relkind"] == "c" else "TABLE"
        conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(
            sql.SQL(kind), sql.Identifier("public", row["relname"]), sql.Identifier(owner)))
    routines = conn.execute(
        "SELECT p.oid::regprocedure::text AS signature, p.prokind FROM pg_proc p "
        "WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> to_regrole(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')", (owner,)).fetchall()
    for row in routines:
        kind = "PROCEDURE" if row["prokind"] == "p" else "FUNCTION"
        conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(
            sql.SQL(kind), sql.SQL(row["signature"]), sql.Identifier(owner)))
    schemas = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, 'rebuild_') AND nspowner <> to_regrole(%s)",
        (owner,)).fetchall()
    for row in schemas:  # a rebuild's schema left by an earlier version: the next rebuild recreates it
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(row["nspname"])))


PROVISION_LOCK = 0x5357_524C


def _create_role(conn: psycopg.Connection, role: str, login: bool, password: str) -> None:
    """Creates the role unless it exists; another process creating it at the same moment is no error."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
        statement = sql.SQL("CREATE ROLE {} {}").format(sql.Identifier(role), sql.SQL("LOGIN" if login else "NOLOGIN"))
        with contextlib.suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            conn.execute(statement)
    if password:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))


def drop_roles(settings: Settings) -> None:
    """Drops the roles named by the run's prefix (after its databases: a role owning objects cannot be dropped)."""
    with connect(url_for(settings.database_url, "postgres"), autocommit=True) as conn:
        names = [r["rolname"] for r in conn.execute(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", (settings.database_prefix,)).fetchall()]
        for name in names:
            with contextlib.suppress(psycopg.errors.DependentObjectsStillExist):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
