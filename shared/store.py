"""PostgreSQL helpers: one database per service, and eventsourcing's environment for it.

One driver for everything: psycopg 3, which eventsourcing requires anyway; the
project's own SQL (read models, tracking, relay position, ledger) uses it too.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

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


def connect(url: str, autocommit: bool = False) -> psycopg.Connection:
    """A new connection returning rows as dicts."""
    return psycopg.connect(**conninfo(url), autocommit=autocommit, row_factory=dict_row)


@contextmanager
def transaction(url: str) -> Iterator[psycopg.Cursor]:
    """One transaction on a short-lived connection."""
    with connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        yield cur


def ensure_database(server_url: str, dbname: str) -> None:
    """Creates the database if it does not exist."""
    with connect(url_for(server_url, "postgres"), autocommit=True) as conn:
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


def eventsourcing_env(settings: Settings, service: str, encrypt: bool = False) -> dict[str, str]:
    """Environment for a service's eventsourcing Application on its own database."""
    info = conninfo(service_url(settings, service))
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": info["dbname"],
        "POSTGRES_HOST": info["host"],
        "POSTGRES_PORT": info["port"],
        "POSTGRES_USER": info["user"],
        "POSTGRES_PASSWORD": info["password"],
        "POSTGRES_POOL_SIZE": os.environ.get("SW_POOL_SIZE", "5"),
        "CREATE_TABLE": "true",
        "MAX_EVENT_BYTES": str(settings.max_event_bytes),
    }
    if encrypt:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key or dev_cipher_key(settings)
    return env


def dev_cipher_key(settings: Settings) -> str:
    """A key derived from the dev secret, so dev and test runs need no set-up (refused in prod)."""
    import hashlib

    return base64.b64encode(hashlib.sha256(settings.jwt_secret.encode()).digest()).decode()
