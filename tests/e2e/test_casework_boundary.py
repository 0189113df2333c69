"""The casework API's input boundary over HTTP: bad input is a 422 problem naming the field (never repeating a
personal value), a missing token 401, and nothing is recorded."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx
import pytest

from tests.kit.ids import national_id
from tests.kit.system import System

STATION = str(uuid5(NAMESPACE_URL, "urn:e2e:casework:boundary-station"))
ID_NUMBER = national_id(91, born="19600101")


def body(**personal: Any) -> dict[str, Any]:
    return {"station_id": STATION, "township_code": "T09", "village_code": "V91",
            "target_groups": ["elderly_in_difficulty"], "registered_on": "2022-05-01",
            "personal": {"name": "孙大娘", "national_id_number": ID_NUMBER, "birth_date": "1960-01-01", **personal}}


def fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize(("change", "field"), [
    ({"personal": {"name": "孙大娘", "birth_date": "2999-01-01"}}, "personal.birth_date"),
    ({"personal": {"name": "孙大娘", "birth_date": "1960-1-1"}}, "personal.birth_date"),
    ({"personal": {"name": "", "birth_date": "1960-01-01"}}, "personal.name"),
    ({"household_size": 0}, "household_size"),
    ({"target_groups": []}, "target_groups"),
    ({"registered_on": "1999-12-31"}, "registered_on"),
    ({"nickname": "x"}, "nickname"),
    ({"station_id": "T09"}, "station_id"),
])
def test_a_bad_registration_names_its_field(system: System, change: dict[str, Any], field: str) -> None:
    admin = system.client("casework")
    assert field in fields(admin.post("/v1/beneficiaries", json={**body(), **change}))


def test_a_wrong_id_number_is_named_but_never_repeated(system: System) -> None:
    admin = system.client("casework")
    wrong = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    response = admin.post("/v1/beneficiaries", json=body(national_id_number=wrong))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "national_id_number"
    assert wrong not in response.text and ID_NUMBER[:10] not in response.text
    listed = admin.get("/v1/beneficiaries", params={"station_id": STATION})
    assert listed.status_code == 200 and listed.json()["items"] == [], "nothing was recorded"


def test_no_token_is_401_and_a_read_without_purpose_is_422(system: System) -> None:
    anonymous = httpx.Client(base_url=system.urls["casework"], timeout=10)
    assert anonymous.post("/v1/beneficiaries", json=body()).status_code == 401
    admin = system.client("casework")
    bid = admin.post("/v1/beneficiaries", json=body(national_id_number=national_id(92, born="19600101"))).json()["id"]
    assert fields(admin.get(f"/v1/beneficiaries/{bid}/personal-data")) == {"purpose"}
    assert admin.get("/v1/personal-data-reads", params={"beneficiary_id": bid}).json()["items"] == []
    assert fields(admin.post(f"/v1/cases/{uuid5(NAMESPACE_URL, 'nope')}/services", json={
        "on": "2022-05-02", "domain": "elderly_care", "service_type": "health_service", "minutes": 2000})) == \
        {"minutes"}
