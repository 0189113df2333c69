"""Rebuilding a read model while the service runs: readers see the whole old view, then the whole new one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.infra import free_port
from shared.auth import mint
from shared.settings import Settings
from tests.integration.test_outages import county_plan
from tests.support import eventually, isolated

ROOT = Path(__file__).resolve().parents[2]


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **{f"SW_{k.upper()}": str(v) for k, v in settings.model_dump().items()
                             if isinstance(v, str | int | float)}}


@pytest.fixture
def stations(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, httpx.Client]]:
    """The stations service as a process, on its own databases and stream, with the seed county planned."""
    iso = isolated(settings)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.stations.main:make_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port)],
        env=_env(iso), cwd=ROOT, stdout=open(tmp_path / "stations.log", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    token = mint(iso, subject="rebuild-admin", role="civil_affairs_admin", organisation="", townships=())
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                          timeout=10)
    try:
        eventually(lambda: _ready(client), timeout=60)
        assert client.put("/v1/county-plan", json=county_plan()).status_code == 200
        for township in county_plan()["townships"]:
            assert client.post("/v1/stations", json={"township_code": township["code"]}).status_code == 201
        yield iso, client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_rebuild_while_the_service_runs_never_shows_readers_an_error_or_a_partial_view(
    stations: tuple[Settings, httpx.Client],
) -> None:
    iso, client = stations
    count = len(county_plan()["townships"])
    before = eventually(lambda: _items_if(client, count), timeout=30)
    answers: list[tuple[int, int]] = []
    done = threading.Event()

    def read_all_along() -> None:
        while not done.is_set():
            response = client.get("/v1/station-status")
            answers.append((response.status_code, len(response.json().get("items", []))))

    reader = threading.Thread(target=read_all_along)
    reader.start()
    try:
        rebuilt = subprocess.run([sys.executable, "-m", "deploy.rebuild", "stations", "stations.station_status"],
                                 env=_env(iso), cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    finally:
        done.set()
        reader.join()
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert "swapped in" in rebuilt.stdout
    print(f"\n{len(answers)} reads during the rebuild: {sorted(set(answers))}")
    assert answers and set(answers) == {(200, count)}, "every read saw the whole view, old or new"
    assert client.get("/v1/station-status").json()["items"] == before


def _items_if(client: httpx.Client, count: int) -> list | None:
    response = client.get("/v1/station-status")
    items = response.json().get("items", []) if response.status_code == 200 else []
    return items if len(items) == count else None
