"""``python -m deploy.launcher run|test``: what ``make run`` and ``make test`` do.

run:  infrastructure, the four services (one process each), the seed county and its demonstration year
      (``deploy.demo``, through the APIs; ``--no-demo`` leaves it out), URLs and a dev token; Ctrl-C stops
      everything it started.
test: Debian's chromium when missing (the browser tests drive it), infrastructure, then ruff, the import-linter
      contracts and the whole pytest suite.
chromium: only the first step of test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from deploy import infra
from shared.auth import mint
from shared.settings import SERVICE_PORTS, Settings

SERVICES = tuple(SERVICE_PORTS)
CHROMIUM = "/usr/bin/chromium"
"""The browser the console's browser tests drive (tests/browser/): Debian's package, installed when missing."""
BROWSER_PACKAGES = {"chromium": CHROMIUM, "fonts-wqy-microhei": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"}
"""Debian packages the browser tests need, each with a file that shows it installed."""


def start_services(env: dict[str, str], own_env: dict[str, dict[str, str]] | None = None
                   ) -> dict[str, subprocess.Popen]:
    """One uvicorn process per service, on its fixed port (each with its own NATS user and inbox when given)."""
    procs = {}
    for name, port in SERVICE_PORTS.items():
        own = own_env[name] if own_env else {}
        procs[name] = subprocess.Popen(infra.service_command(name, port, quiet=True), env={**env, **own},
                                       cwd=infra.ROOT)
    return procs


def wait_ready(procs: dict[str, subprocess.Popen], timeout: float = 90) -> None:
    """Waits until every service's /readyz says ready."""
    deadline = time.monotonic() + timeout
    for name, proc in procs.items():
        url = f"http://127.0.0.1:{SERVICE_PORTS[name]}/readyz"
        while not _ready(url):
            if proc.poll() is not None:
                raise RuntimeError(f"service {name} exited with code {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"service {name} not ready after {timeout}s")
            time.sleep(0.3)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def stop_all(procs: dict[str, subprocess.Popen]) -> None:
    """Asks each service to stop, then waits for it."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # a second SIGINT would make uvicorn force-exit
    for proc in procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _interrupt_on_sigterm() -> None:
    """Ctrl-C and SIGTERM both stop the children (even where SIGINT was inherited as ignored)."""

    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run(demo: bool = True) -> int:
    """make run."""
    _interrupt_on_sigterm()
    settings = Settings()
    servers = infra.ensure(settings.nats_url, settings.database_url, access=settings)
    env = {**os.environ, **servers.env()}
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs = start_services(env, {name: servers.service_env(name) for name in SERVICES})
        wait_ready(procs)
        subprocess.run([sys.executable, "-m", "services.stations.seed"], env=env, cwd=infra.ROOT, check=True)
        if demo:  # idempotent: a second make run records nothing new
            subprocess.run([sys.executable, "-m", "deploy.demo"], env=env, cwd=infra.ROOT, check=True)
        _print_welcome(settings, infra.safe_url(servers.nats_url))
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
        print("a service stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…")
        return 0
    finally:
        stop_all(procs)
        servers.stop()


def _print_welcome(settings: Settings, nats_url: str) -> None:
    token = mint(settings, subject="dev-admin", role="civil_affairs_admin", organisation="county-civil-affairs")
    auditor = mint(settings, subject="dev-auditor", role="auditor", organisation="county-audit")
    print("\nThe county social work system is running:")
    for name, port in SERVICE_PORTS.items():
        print(f"  {name:<10} http://127.0.0.1:{port}/docs")
    print(f"  console    http://127.0.0.1:{SERVICE_PORTS['audit']}/ (dev sign-in: choose a role)")
    print(f"  NATS       {nats_url} (stream {settings.stream_name}, subjects {settings.subject_prefix}.>)")
    print(f"\nDev token (civil_affairs_admin):\n  {token}")
    print(f"Dev token (auditor):\n  {auditor}")
    print("\nPress Ctrl-C to stop.\n", flush=True)


def ensure_chromium() -> None:
    """Installs Debian's ``chromium`` (and a Chinese font for its screenshots) for the browser tests when missing
    and ``apt-get`` exists."""
    missing = [package for package, path in BROWSER_PACKAGES.items() if not os.path.exists(path)]
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt is None:
        print(f"{' and '.join(missing)} missing and there is no apt-get: install them so that "
              f"{CHROMIUM} exists (the browser tests in tests/browser/ need it)", file=sys.stderr, flush=True)
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"$ apt-get install -y {' '.join(missing)}   (the browser tests need them)", flush=True)
    for step in ([apt, "update", "-q"], [apt, "install", "-y", "-q", "--no-install-recommends", *missing]):
        if subprocess.run([*sudo, *step], env=env).returncode != 0:
            print(f"could not install {' '.join(missing)} ({' '.join(step[1:3])} failed): install them so that "
                  f"{CHROMIUM} exists", file=sys.stderr, flush=True)
            return


def test(pytest_args: list[str]) -> int:
    """make test."""
    _interrupt_on_sigterm()
    ensure_chromium()
    settings = Settings()
    servers = infra.ensure(settings.nats_url, settings.database_url, access=settings)
    env = {**os.environ, **servers.env()}
    # A temporary folder of this run's own: pytest's shared one is pruned by any other run on the machine.
    basetemp = tempfile.mkdtemp(prefix="sw-test-")
    own_temp = [] if any(a.startswith("--basetemp") for a in pytest_args) else [f"--basetemp={basetemp}"]
    try:
        steps = [
            [sys.executable, "-m", "ruff", "check", "."],
            [os.path.join(os.path.dirname(sys.executable), "lint-imports")],
            [sys.executable, "-m", "pytest", *own_temp, *pytest_args],
        ]
        for step in steps:
            print("$", " ".join(step[1:] if step[0] == sys.executable else step), flush=True)
            code = subprocess.run(step, env=env, cwd=infra.ROOT).returncode
            if code != 0:
                return code
        return 0
    finally:
        servers.stop()
        shutil.rmtree(basetemp, ignore_errors=True)


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.launcher")
    parser.add_argument("command", choices=["run", "test", "infra", "chromium"])
    parser.add_argument("--no-demo", action="store_true", help="run: load the seed county only")
    args, rest = parser.parse_known_args()
    if args.command == "run":
        return run(demo=not args.no_demo)
    if args.command == "test":
        return test(rest)
    if args.command == "chromium":
        ensure_chromium()
        return 0 if os.path.exists(CHROMIUM) else 1
    settings = Settings()
    servers = infra.ensure(settings.nats_url, settings.database_url)
    print(servers.env())
    servers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
