"""The stations API's input boundary, over HTTP on a stations service of its own.

Each hostile input once accepted (and then stalled the relay, vanished from the audit ledger or broke its
verification) is now refused with a problem naming the field, nothing is stored, and a normal command sent
afterwards still reaches the stream.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.stations.application import Stations
from shared import stream
from shared.settings import Settings
from tests.kit.infra import documents, isolated, read_subject
from tests.kit.plan import PLAN
from tests.kit.problems import refused
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually

T01, T02 = (str(Stations.station_id_for(code)) for code in ("T01", "T02"))
SITE = {"office_area_m2": 60, "facilities": ["office"], "on": "2021-05-01"}
CONTRACT = {
    "contract_number": "HT-BOUNDARY", "organisation_id": "org-b", "organisation_name": "边界社工",
    "station_ids": [T02], "period_start": "2023-03-01", "period_end": "2024-02-28", "amount_fen": 1_000_000,
    "supervision_fen": 0, "budget_year": 2023, "budget_line": "2080299",
    "payment_schedule": [{"due_on": "2023-03-15", "amount_fen": 1_000_000}], "signed_on": "2023-02-20",
}
LISTS = ["/v1/station-status", "/v1/contracts", "/v1/ledgers", "/v1/disclosures", "/v1/evaluations",
         "/v1/misuse-reports"]
VILLAGES = itertools.count(1)
DAYS = itertools.count(1)


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    running = start_system(isolated(settings), tmp_path_factory.mktemp("boundary"), services=("stations",))
    yield running
    stop_system(running)


@pytest.fixture(scope="module")
def admin(own: System) -> httpx.Client:
    client = own.client("stations")
    assert client.put("/v1/county-plan", json=PLAN).status_code == 200
    for code in ("T01", "T02"):
        assert client.post("/v1/stations", json={"township_code": code}).status_code == 201
    assert client.put(f"/v1/stations/{T02}/site", json=SITE).status_code == 200
    return client


def version(admin: httpx.Client, path: str) -> int:
    response = admin.get(path)
    assert response.status_code == 200, response.text
    return response.json()["version"]


def raw(admin: httpx.Client, method: str, path: str, text: str, **headers: str) -> httpx.Response:
    """A request whose JSON body is sent as written (``Infinity`` is what a careless client sends)."""
    return admin.request(method, path, content=text.encode(), headers={"Content-Type": "application/json",
                                                                        **headers})


async def _on_stream(settings: Settings, aggregate_id: str, aggregate_version: int) -> bool:
    nc = await stream.connect(settings, "tests-boundary")
    try:
        msgs = await read_subject(nc.jetstream(), settings, f"{settings.subject_prefix}.stations.>", wait=0.3)
    finally:
        await nc.close()
    return any(d["aggregateid"] == aggregate_id and d["aggregateversion"] == aggregate_version
               for d in documents(msgs))


def a_normal_command_still_flows(own: System, admin: httpx.Client) -> None:
    """Adds a village to the plan and waits until its event is on the stream."""
    code = f"T01-B{next(VILLAGES)}"
    response = admin.post("/v1/county-plan/townships/T01/villages",
                          json={"village_code": code, "name": f"边界村{code}", "kind": "village"})
    assert response.status_code == 201, response.text
    plan = response.json()
    eventually(lambda: asyncio.run(_on_stream(own.settings, plan["id"], plan["version"])))


def test_two_megabytes_of_facilities_are_refused_and_the_flow_keeps_moving(own: System, admin: httpx.Client) -> None:
    before = version(admin, f"/v1/stations/{T01}")
    body = {**SITE, "facilities": ["设施" * 500] * 1000}
    problem = admin.put(f"/v1/stations/{T01}/site", json=body)
    assert problem.status_code in (413, 422), problem.text
    assert problem.headers["content-type"] == "application/problem+json"
    many = {**SITE, "facilities": ["桌"] * 51}
    refused(admin.put(f"/v1/stations/{T01}/site", json=many), 422, field="facilities")
    assert version(admin, f"/v1/stations/{T01}") == before
    a_normal_command_still_flows(own, admin)


@pytest.mark.parametrize("population", [2**53 + 1, 9007199254740993, 10**20, -1])
def test_a_population_beyond_any_township_is_refused(own: System, admin: httpx.Client, population: int) -> None:
    before = version(admin, "/v1/county-plan")
    township = {"code": "B01", "name": "边界乡", "kind": "township", "population": population, "batch": 2}
    refused(admin.post("/v1/county-plan/townships", json=township), 422, field="population")
    refused(admin.post("/v1/county-plan/townships/T01/population",
                       json={"population": population, "effective_on": "2022-01-01"}), 422, field="population")
    assert version(admin, "/v1/county-plan") == before
    a_normal_command_still_flows(own, admin)


@pytest.mark.parametrize("area", ["Infinity", "-Infinity", "NaN", "1e16", "true", '"60"'])
def test_an_office_area_that_is_not_a_finite_number_of_square_metres_is_refused(own: System, admin: httpx.Client,
                                                                               area: str) -> None:
    before = version(admin, f"/v1/stations/{T01}")
    text = f'{{"office_area_m2": {area}, "facilities": ["office"], "on": "2021-05-01"}}'
    refused(raw(admin, "PUT", f"/v1/stations/{T01}/site", text), 422, field="office_area_m2")
    assert version(admin, f"/v1/stations/{T01}") == before
    a_normal_command_still_flows(own, admin)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("offset", [2**63, 2**64 + 5, -1])
def test_an_offset_out_of_range_is_422_on_every_list(admin: httpx.Client, path: str, offset: int) -> None:
    refused(admin.get(path, params={"offset": offset}), 422, field="offset")
    assert admin.get(path, params={"offset": 0}).status_code == 200


def test_lists_come_a_page_at_a_time(admin: httpx.Client) -> None:
    def both_projected() -> dict[str, Any] | None:
        page = admin.get("/v1/station-status", params={"limit": 1}).json()
        return page if page["next"] == 1 else None

    first = eventually(both_projected)
    second = admin.get("/v1/station-status", params={"limit": 1, "offset": first["next"]}).json()
    assert len(first["items"]) == 1 and second["next"] is None
    assert {first["items"][0]["station_id"], second["items"][0]["station_id"]} == {T01, T02}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2021-02-30", "20210101"])
def test_a_date_outside_the_programme_is_refused_and_later_changes_still_apply(own: System, admin: httpx.Client,
                                                                              day: str) -> None:
    before = version(admin, "/v1/county-plan")
    refused(admin.post("/v1/county-plan/townships/T03/population",
                       json={"population": 20_000, "effective_on": day}), 422, field="effective_on")
    refused(admin.put(f"/v1/stations/{T01}/site", json={**SITE, "on": day}), 422, field="on")
    assert version(admin, "/v1/county-plan") == before
    # A change dated within the programme still applies: nothing dated 9999 blocks it.
    later = date(2023, 1, 1) + timedelta(days=next(DAYS))
    changed = admin.post("/v1/county-plan/townships/T03/population",
                         json={"population": 20_000 + later.day, "effective_on": later.isoformat()})
    assert changed.status_code == 200, changed.text
    a_normal_command_still_flows(own, admin)


@pytest.mark.parametrize("amount", ["true", '"100"', "100.5", "9007199254740993", "0"])
def test_money_is_a_whole_positive_number_of_fen(own: System, admin: httpx.Client, amount: str) -> None:
    text = httpx.Request("POST", "/", json={**CONTRACT, "amount_fen": "AMOUNT"}).content.decode()
    before = version(admin, f"/v1/stations/{T02}")
    refused(raw(admin, "POST", "/v1/contracts", text.replace('"AMOUNT"', amount)), 422, field="amount_fen")
    assert admin.get(f"/v1/contracts/{Stations.contract_id_for('HT-BOUNDARY')}").status_code == 404
    assert version(admin, f"/v1/stations/{T02}") == before
    a_normal_command_still_flows(own, admin)


@pytest.mark.parametrize("as_of", ["20210101", "1609459200", "0001-01-01", "9999-12-31", "2021-1-1"])
def test_as_of_is_an_iso_date_within_the_programme(admin: httpx.Client, as_of: str) -> None:
    refused(admin.get("/v1/county-status", params={"as_of": as_of}), 422, field="as_of")
    assert admin.get("/v1/county-status", params={"as_of": "2021-12-31"}).status_code == 200


def test_a_weak_etag_never_matches(own: System, admin: httpx.Client) -> None:
    before = version(admin, f"/v1/stations/{T01}")
    refused(admin.put(f"/v1/stations/{T01}/site", json=SITE, headers={"If-Match": f'W/"{before}"'}), 412)
    assert version(admin, f"/v1/stations/{T01}") == before
    response = admin.put(f"/v1/stations/{T01}/site", json=SITE, headers={"If-Match": f'"{before}"'})
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{before + 1}"'
    eventually(lambda: asyncio.run(_on_stream(own.settings, T01, before + 1)))
