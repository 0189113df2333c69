"""The four services started as processes on free ports, driven over HTTP."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.infra import free_port, service_command, settings_env
from shared.auth import mint
from shared.settings import SERVICE_PORTS, Settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class System:
    """The running services of one test session."""

    settings: Settings
    urls: dict[str, str]
    procs: dict[str, subprocess.Popen]
    logs: Path

    def client(self, service: str, role: str = "civil_affairs_admin", **claims: object) -> httpx.Client:
        """An HTTP client for one service, with a token for ``role``."""
        token = mint(self.settings, subject=str(claims.pop("subject", f"e2e-{role}")), role=role,
                     organisation=str(claims.pop("organisation", "")),
                     townships=tuple(claims.pop("townships", ())))  # type: ignore[arg-type]
        return httpx.Client(base_url=self.urls[service], headers={"Authorization": f"Bearer {token}"}, timeout=15)


def start_system(settings: Settings, tmp: Path, services: tuple[str, ...] = tuple(SERVICE_PORTS),
                 env: dict[str, str] | None = None) -> System:
    """Starts the services as processes on free ports (``env``: more variables) and waits until each is ready."""
    env = {**settings_env(settings), **(env or {})}
    urls: dict[str, str] = {name: f"http://127.0.0.1:{free_port()}" for name in services}
    env.update({f"SW_CONSOLE_{name.upper()}_URL": url for name, url in urls.items()})  # the console's calls
    procs = {}
    for name in services:
        port = int(urls[name].rsplit(":", 1)[1])
        log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        procs[name] = subprocess.Popen(service_command(name, port), env=env, cwd=ROOT, stdout=log,
                                       stderr=subprocess.STDOUT)
    system = System(settings, urls, procs, tmp)
    try:
        for name in services:
            _wait_ready(system, name)
    except BaseException:
        stop_system(system)
        raise
    return system


def _wait_ready(system: System, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if system.procs[name].poll() is not None:
            raise RuntimeError(f"{name} exited: {(system.logs / f'{name}.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{system.urls[name]}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} not ready: {(system.logs / f'{name}.log').read_text()[-3000:]}")


def stop_system(system: System) -> None:
    """Stops every service process."""
    for proc in system.procs.values():
        proc.terminate()
    for proc in system.procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
