"""What one process of each service holds at run time, measured on this machine (the sizing figures).

    .venv/bin/python -m benchmarks.service_footprint [COMMANDS]

Starts the four services as processes (uvicorn, like production) on the configured PostgreSQL and NATS under a
run's own database and subject prefixes, waits until ready, sends COMMANDS station-planning and organisation
commands, and prints per service: resident memory (RSS) when ready and after the load, the PostgreSQL
connections its process holds (``pg_stat_activity``), and the CPU time its process spent per command (from the
load's start until the projections and the ledger have caught up: the service handling the commands, and every other
consuming their events). The run's databases, roles and stream are removed after.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from deploy import cleanup
from deploy.infra import free_port, service_command, settings_env
from shared import store
from shared.auth import mint
from shared.settings import SERVICE_PORTS, Settings

ROOT = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connections(settings: Settings) -> dict[str, int]:
    with store.connect(store.url_for(settings.database_url, "postgres"), autocommit=True) as conn:
        rows = conn.execute("SELECT datname, count(*) AS n FROM pg_stat_activity WHERE datname LIKE %s GROUP BY 1",
                            (settings.database_prefix + "%",)).fetchall()
    return {r["datname"].removeprefix(settings.database_prefix): r["n"] for r in rows}


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready")


def load(settings: Settings, urls: dict[str, str], commands: int) -> float:
    """Registers organisations; commands per second."""
    token = mint(settings, subject="footprint", role="civil_affairs_admin", organisation="", townships=())
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    with httpx.Client(headers=headers, timeout=30) as client:
        for n in range(commands):
            client.post(f"{urls['workforce']}/v1/organisations", json={
                "name": f"中心{n}", "unified_social_credit_code": _credit_code(n), "registered_in_county": True,
                "registration_place": "本县民政局", "registered_on": "2021-01-05"}).raise_for_status()
    return commands / (time.perf_counter() - started)


def _credit_code(n: int) -> str:
    from services.workforce.domain import credit_code_check_char

    first17 = f"52522700MJB{n:06d}"
    return first17 + credit_code_check_char(first17)


def main() -> int:
    commands = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    tag = secrets.token_hex(2)
    settings = Settings(subject_prefix=f"swfp{tag}", database_prefix=f"swfp_{tag}_")
    env = settings_env(settings)
    procs: dict[str, subprocess.Popen] = {}
    urls: dict[str, str] = {}
    logs = Path(tempfile.mkdtemp(prefix="swfp-"))
    try:
        for name in SERVICE_PORTS:
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}"
            procs[name] = subprocess.Popen(
                service_command(name, port, quiet=True),
                env=env, cwd=ROOT, stdout=open(logs / f"{name}.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        for name, proc in procs.items():
            wait_ready(urls[name], proc)
        ready = {name: rss_mib(proc.pid) for name, proc in procs.items()}
        time.sleep(5)  # start-up work (the seed's catch-up, first checkpoints) out of the figure
        cpu = {name: cpu_seconds(proc.pid) for name, proc in procs.items()}
        rate = load(settings, urls, commands)
        time.sleep(5)  # projections and the ledger catch up
        cpu = {name: (cpu_seconds(proc.pid) - cpu[name]) / commands * 1000 for name, proc in procs.items()}
        after = {name: rss_mib(proc.pid) for name, proc in procs.items()}
        held = connections(settings)
        print(f"{commands} workforce commands at {rate:.1f}/s (one client, each awaited)")
        for name in SERVICE_PORTS:
            print(f"{name:10s} RSS ready {ready[name]:6.1f} MiB, after load {after[name]:6.1f} MiB; "
                  f"PostgreSQL connections {held.get(name, 0)}; CPU {cpu[name]:.2f} ms per command")
        print(f"CPU per command, all four: {sum(cpu.values()):.2f} ms")
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(timeout=20)
        cleanup.drop_run_databases(settings)
        asyncio.run(cleanup.delete_run_streams(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
