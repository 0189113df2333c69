"""The embedded path: with no servers configured, the wheels' nats-server and PostgreSQL carry the slice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy import infra
from shared.settings import Settings
from tests.kit.plan import PLAN
from tests.kit.system import start_system, stop_system
from tests.kit.waiting import eventually


@pytest.fixture
def embedded(tmp_path: Path, settings: Settings) -> Iterator[Settings]:
    """A private nats-server and an embedded PostgreSQL, both on addresses nothing else uses."""
    unreachable_nats = f"nats://127.0.0.1:{infra.free_port()}"
    unreachable_pg = f"postgresql://postgres@127.0.0.1:{infra.free_port()}/postgres"
    servers = infra.ensure(unreachable_nats, unreachable_pg, data_dir=tmp_path / "data", log=lambda _m: None)
    try:
        assert servers.started == ["nats", "postgres"]
        yield settings.model_copy(update={"nats_url": servers.nats_url, "database_url": servers.database_url})
    finally:
        servers.stop()


def test_the_slice_runs_on_the_embedded_servers(embedded: Settings, tmp_path: Path) -> None:
    assert "host=" in embedded.database_url, "embedded PostgreSQL listens on a Unix socket"
    system = start_system(embedded, tmp_path, services=("stations", "audit"))
    try:
        admin = system.client("stations")
        assert admin.put("/v1/county-plan", json=PLAN).status_code == 200
        created = admin.post("/v1/stations", json={"township_code": "T07"})
        assert created.status_code == 201, created.text
        auditor = system.client("audit", role="auditor")
        entries = eventually(lambda: [e for e in auditor.get("/v1/ledger").json()["items"]
                                      if e["subject"] == created.json()["id"]])
        assert entries[0]["type"] == "sw.stations.station.planned.v1"
        assert auditor.get("/v1/ledger/verify").json()["ok"]
    finally:
        stop_system(system)
