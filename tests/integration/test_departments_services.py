"""The services run under their own NATS users on the launcher's server; departments read what they produce."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deploy import infra, nats_access
from shared import asyncapi, store
from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.plan import PLAN
from tests.kit.system import ROOT, System, _wait_ready, stop_system
from tests.kit.waiting import eventually

SERVICES = ("stations", "audit")


@pytest.fixture
def system(tmp_path: Path, settings: Settings) -> Iterator[tuple[System, infra.Infra]]:
    """A nats-server started the launcher's way (access rules applied) and two services, each as its own user."""
    own = isolated(settings)
    servers = infra.ensure(f"nats://127.0.0.1:{infra.free_port()}", own.database_url, data_dir=tmp_path / "data",
                           log=lambda _m: None, access=own)
    env = infra.settings_env(own)
    urls, procs = {}, {}
    for name in SERVICES:
        port = infra.free_port()
        urls[name] = f"http://127.0.0.1:{port}"
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        procs[name] = subprocess.Popen(
            infra.service_command(name, port),
            env={**env, **servers.service_env(name)}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    running = System(own, urls, procs, tmp_path)
    try:
        for name in SERVICES:
            _wait_ready(running, name)
        yield running, servers
    finally:
        stop_system(running)
        servers.stop()
        for name in SERVICES:
            store.drop_database(own.database_url, own.database_name(name))


def subscribe(department: str, running: System, servers: infra.Infra, schemas: Path) -> list[dict]:
    """What the department subscriber example prints, until nothing is left."""
    variable = nats_access.password_variable(department)
    done = subprocess.run(
        [sys.executable, "-m", "deploy.examples.department_subscriber", department, "--url",
         f"nats://127.0.0.1:{urlsplit(servers.nats_url).port}",
         "--stream", running.settings.stream_name, "--schemas", str(schemas), "--once", "--wait", "1"],
        env={**os.environ, variable: servers.nats_passwords[variable]}, capture_output=True, text=True, timeout=60,
        check=True)
    assert done.stderr == "", done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_services_work_as_their_own_users_and_each_department_reads_only_its_share(
        system: tuple[System, infra.Infra], tmp_path: Path) -> None:
    running, servers = system
    admin = running.client("stations")
    assert admin.put("/v1/county-plan", json=PLAN).status_code == 200
    created = admin.post("/v1/stations", json={"township_code": "T07"})
    assert created.status_code == 201, created.text
    station = created.json()["id"]
    auditor = running.client("audit", role="auditor")
    eventually(lambda: [e for e in auditor.get("/v1/ledger").json()["items"] if e["subject"] == station])

    asyncapi.main(["asyncapi", str(tmp_path / "contracts")])
    schemas = tmp_path / "contracts" / "schemas"
    audited = subscribe("auditors", running, servers, schemas)
    assert [e["type"] for e in audited if e["aggregateid"] == station] == ["sw.stations.station.planned.v1"]
    assert "sw.stations.county_plan.established.v1" in {e["type"] for e in audited}
    finance = {e["type"].rsplit(".", 1)[0] for e in subscribe("finance", running, servers, schemas)}
    assert finance <= {"sw.audit.checkpoint.signed", "sw.audit.finding.raised", "sw.audit.finding.resolved"}
    for log in [*(tmp_path / f"{name}.log" for name in SERVICES), tmp_path / "data" / "nats" / "nats-server.log"]:
        assert "violation" not in log.read_text().lower(), log.name  # the server logs "Publish Violation" etc.
