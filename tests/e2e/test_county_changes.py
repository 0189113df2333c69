"""Changing the county itself — a township added — on a system of its own, so other tests' county figures hold."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.plan import PLAN
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = start_system(isolated(settings), tmp_path_factory.mktemp("county"), services=("stations", "audit"))
    yield running
    stop_system(running)


def test_a_township_added_over_http_gets_its_station_planned_and_into_the_ledger(own: System) -> None:
    admin = own.client("stations")
    assert admin.put("/v1/county-plan", json=PLAN).status_code == 200
    township = {"code": "T12", "name": "新设乡", "kind": "township", "population": 9000, "batch": 2,
                "villages": [{"code": "T12-01", "name": "一村", "kind": "village"}]}
    added = admin.post("/v1/county-plan/townships", json=township, headers={"Idempotency-Key": "add-T12"})
    assert added.status_code == 201, added.text
    again = admin.post("/v1/county-plan/townships", json=township)
    assert again.status_code == 409 and again.json()["rule"] == "county_plan.township.duplicate"

    planned = admin.post("/v1/stations", json={"township_code": "T12"})
    assert planned.status_code == 201 and planned.json()["deadline"] == "2022-12-31"
    row = eventually(lambda: admin.get("/v1/station-status", params={"township_code": "T12"}).json()["items"])
    assert row[0]["batch"] == 2 and row[0]["status"] == "planned"
    batch_2 = eventually(lambda: _batch(admin, 2) if _batch(admin, 2)["target"] == 7 else None)
    assert batch_2["planned"] == 1

    auditor = own.client("audit", role="auditor")
    types = eventually(lambda: [e["type"] for e in auditor.get("/v1/ledger").json()["items"]
                                if e["type"].endswith(("township_added.v1", "station.planned.v1"))])
    assert types == ["sw.stations.county_plan.township_added.v1", "sw.stations.station.planned.v1"]


def _batch(admin: httpx.Client, batch: int) -> dict:
    status = admin.get("/v1/county-status", params={"as_of": "2022-01-01"}).json()
    return next(b for b in status["batches"] if b["batch"] == batch)
