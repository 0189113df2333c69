"""The whole pipeline, with every service as its own process: HTTP → store → relay → JetStream → projections."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import nats
import pytest

from deploy.infra import settings_env
from tests.kit.plan import PLAN
from tests.kit.system import System
from tests.kit.waiting import eventually


@pytest.fixture(scope="module")
def admin(system: System) -> httpx.Client:
    client = system.client("stations")
    response = client.put("/v1/county-plan", json=PLAN)
    assert response.status_code == 200, response.text
    return client


def _ledger_types(system: System) -> list[dict]:
    auditor = system.client("audit", role="auditor")
    return auditor.get("/v1/ledger", params={"limit": 1000}).json()["items"]


def test_a_planned_station_reaches_the_view_the_ledger_and_subscribers(system: System, admin: httpx.Client) -> None:
    received: list[dict] = []

    async def subscribe_and_plan() -> dict:
        nc = await nats.connect(system.settings.nats_url)
        async def collect(msg) -> None:
            received.append(json.loads(msg.data))

        sub = await nc.subscribe(f"{system.settings.subject_prefix}.stations.>", cb=collect)
        try:
            created = await asyncio.to_thread(admin.post, "/v1/stations", json={"township_code": "T01"},
                                              headers={"Idempotency-Key": "plan-T01"})
            for _ in range(100):
                if any(d["type"] == "sw.stations.station.planned.v1" for d in received):
                    break
                await asyncio.sleep(0.1)
        finally:
            await sub.unsubscribe()
            await nc.close()
        return created.json() | {"status_code": created.status_code}

    created = asyncio.run(subscribe_and_plan())
    assert created["status_code"] == 201 and created["township_code"] == "T01"
    planned = [d for d in received if d["type"] == "sw.stations.station.planned.v1"]
    assert planned and planned[0]["subject"] == created["id"] and planned[0]["specversion"] == "1.0"
    assert planned[0]["data"]["township_code"] == "T01" and planned[0]["role"] == "civil_affairs_admin"

    view = eventually(lambda: admin.get("/v1/station-status", params={"township_code": "T01"}).json()["items"])
    assert view[0]["status"] == "planned" and view[0]["deadline"] == "2021-12-31" and view[0]["batch"] == 1

    entries = eventually(lambda: [e for e in _ledger_types(system) if e["event"]["subject"] == created["id"]])
    assert entries[0]["type"] == "sw.stations.station.planned.v1"
    verdict = system.client("audit", role="auditor").get("/v1/ledger/verify", params={"full": "true"}).json()
    assert verdict["ok"] and verdict["checked"] >= 2


def test_a_retried_plan_returns_the_first_result_and_stores_nothing(system: System, admin: httpx.Client) -> None:
    first = admin.post("/v1/stations", json={"township_code": "T02"}, headers={"Idempotency-Key": "plan-T02"})
    again = admin.post("/v1/stations", json={"township_code": "T02"}, headers={"Idempotency-Key": "plan-T02"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    duplicate = admin.post("/v1/stations", json={"township_code": "T02"})
    assert duplicate.status_code == 409 and duplicate.json()["rule"] == "station.plan.already_planned"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "township_code"), ({"township_code": "NOPE"}, "township_code"), ({"township_code": 7}, "township_code"),
     ({"township_code": "T03", "extra": 1}, "extra")],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    system: System, admin: httpx.Client, body: dict, field: str
) -> None:
    before = len(_ledger_types(system))
    response = admin.post("/v1/stations", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert admin.get(f"/v1/stations/{_station_id('T03')}").status_code == 404
    assert len(_ledger_types(system)) == before


def test_a_missing_or_invalid_token_is_a_401_and_stores_nothing(system: System, admin: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer forged.token.value"}):
        response = httpx.post(f"{system.urls['stations']}/v1/stations", json={"township_code": "T04"}, headers=headers)
        assert response.status_code == 401 and response.json()["type"] == "urn:sw:problem:unauthorized"
    assert admin.get(f"/v1/stations/{_station_id('T04')}").status_code == 404


def test_only_the_bureau_plans_stations(system: System, admin: httpx.Client) -> None:
    township = system.client("stations", role="township", townships=["T05"])
    response = township.post("/v1/stations", json={"township_code": "T05"})
    assert response.status_code == 403
    assert admin.get(f"/v1/stations/{_station_id('T05')}").status_code == 404


def _station_id(code: str) -> str:
    from services.stations.application import Stations

    return str(Stations.station_id_for(code))


def test_rebuilding_the_live_station_status_view_gives_the_same_rows(system: System, admin: httpx.Client) -> None:
    admin.post("/v1/stations", json={"township_code": "T01"}, headers={"Idempotency-Key": "plan-T01"})
    live = eventually(lambda: admin.get("/v1/station-status").json()["items"])
    env = settings_env(system.settings)
    done = subprocess.run([sys.executable, "-m", "deploy.rebuild", "stations", "stations.station_status"],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    rebuilt = eventually(lambda: _rows_if_complete(admin, len(live)))
    assert rebuilt == live


def _rows_if_complete(admin: httpx.Client, count: int) -> list[dict] | None:
    response = admin.get("/v1/station-status")
    if response.status_code != 200:
        return None
    items = response.json()["items"]
    return items if len(items) == count else None



def test_readiness_lists_each_loop_and_what_the_relay_last_found_on_the_stream(system: System) -> None:
    def readiness() -> dict:
        return httpx.get(f"{system.urls['stations']}/readyz", timeout=5).json()

    body = readiness()
    assert body["status"] == "ready"
    assert {"relay", "projection:stations.station_status"} <= set(body["loops"])
    check = eventually(lambda: readiness()["loops"]["relay"].get("stream_check"))
    assert check["checks"] >= 1 and check["last_check"] and check["missing_found"] == 0
