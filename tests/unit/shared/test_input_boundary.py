"""The input boundary: I-JSON numbers, strict types, bounded sizes and dates, strong ETags, the event size guard."""

from __future__ import annotations

import json
from datetime import date

import pytest
from eventsourcing.domain import Aggregate, event
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from shared.access import Scope
from shared.application import Command, Outcome, ServiceApplication
from shared.auth import mint
from shared.domain import Context, PayloadTooLarge, Role
from shared.fields import Area, Day, Fen, Name, SafeInt, Text, items
from shared.http import AsOf, CurrentContext, IfMatch, Limit, Offset, Page, install_error_mapper, page_of
from shared.settings import get_settings

SETTINGS = get_settings()
AUTH = {"Authorization": f"Bearer {mint(SETTINGS, subject='u1', role='civil_affairs_admin')}"}
CTX = Context(actor="u1", role="civil_affairs_admin")


class ProvideSite(Command):
    name: Name
    area_m2: Area
    pay_fen: Fen
    counted: SafeInt = 0
    opened_on: Day
    facilities: list[Text] = items(max_length=5)


def _client() -> TestClient:
    app = FastAPI()
    install_error_mapper(app)

    @app.put("/sites")
    def put_site(body: ProvideSite, ctx: CurrentContext, version: IfMatch) -> dict:
        return {"version": version, "opened_on": body.opened_on.isoformat()}

    @app.get("/sites", response_model=Page[int])
    def list_sites(ctx: CurrentContext, offset: Offset = 0, limit: Limit = 10, as_of: AsOf = None) -> dict:
        return page_of(list(range(offset, offset + limit + 1)), offset, limit)

    return TestClient(app)


GOOD = {"name": "T01 站", "area_m2": 120.5, "pay_fen": 190000, "opened_on": "2021-06-30", "facilities": ["desk"]}


def _put(body: dict | str, **headers: str):
    content = body if isinstance(body, str) else json.dumps(body)
    return _client().put("/sites", content=content, headers={**AUTH, "Content-Type": "application/json", **headers})


def _fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def test_a_valid_body_is_accepted() -> None:
    assert _put(GOOD).status_code == 200


@pytest.mark.parametrize(("field", "value"), [
    ("pay_fen", True), ("pay_fen", "100"), ("pay_fen", 1.5), ("pay_fen", -1), ("pay_fen", 2**53),
    ("counted", 9007199254740993), ("area_m2", True), ("area_m2", 1e16), ("area_m2", "12"),
    ("opened_on", 20210101), ("opened_on", "0001-01-01"), ("opened_on", "9999-12-31"), ("opened_on", "2021-6-30"),
    ("name", ""), ("name", "x" * 101), ("facilities", ["x"] * 6), ("facilities", ["x" * 4001]),
])
def test_a_value_outside_the_boundary_is_a_422_naming_the_field(field: str, value: object) -> None:
    response = _put({**GOOD, field: value})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(f.startswith(field) for f in _fields(response))


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN"])
def test_non_json_numbers_are_refused(literal: str) -> None:
    text = json.dumps(GOOD).replace("120.5", literal)
    response = _put(text)
    assert response.status_code == 422
    assert _fields(response) == {"area_m2"}


def test_a_body_larger_than_the_limit_is_a_413_problem_before_parsing() -> None:
    huge = {**GOOD, "facilities": ["x" * 4000] * 100}
    response = _put(huge)
    assert response.status_code == 413
    assert response.json()["type"] == "urn:sw:problem:body-too-large"


def test_only_strong_etags_match() -> None:
    assert _put(GOOD, **{"If-Match": '"3"'}).json()["version"] == 3
    assert _put(GOOD, **{"If-Match": "*"}).json()["version"] is None
    assert _put(GOOD, **{"If-Match": 'W/"3"'}).status_code == 412
    assert _put(GOOD, **{"If-Match": '"99999999999999999999"'}).status_code == 422


def test_paging_and_as_of_are_bounded() -> None:
    client = _client()
    assert client.get("/sites?offset=0&limit=2", headers=AUTH).json() == {"items": [0, 1], "next": 2}
    assert client.get(f"/sites?offset={2**63}", headers=AUTH).status_code == 422
    assert client.get("/sites?limit=0", headers=AUTH).status_code == 422
    assert client.get("/sites?as_of=20211231", headers=AUTH).status_code == 422
    assert client.get("/sites?as_of=2021-12-31", headers=AUTH).status_code == 200


def test_the_openapi_declares_the_bearer_scheme() -> None:
    schema = _client().get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str, ctx: Context) -> None:
        self.text = text


class WriteNote(Command):
    text: str


class Notes(ServiceApplication):
    def write(self, text: str) -> dict:
        def handler() -> Outcome:
            note = Note(text=text, ctx=CTX)
            return Outcome({"id": str(note.id)}, [note])

        return self.execute(CTX, WriteNote(text=text), handler)


def test_a_command_whose_event_exceeds_the_publishable_size_is_refused_and_nothing_is_stored() -> None:
    app = Notes(env={"MAX_EVENT_BYTES": "1000"})
    app.write("short")
    with pytest.raises(PayloadTooLarge) as refused:
        app.write("x" * 2000)
    assert refused.value.status == 413
    assert app.recorder.max_notification_id() == 1


def test_a_typed_command_fingerprint_depends_on_its_type_and_values() -> None:
    one = ProvideSite.model_validate(GOOD)
    assert one.fingerprint() == ProvideSite.model_validate(dict(GOOD)).fingerprint()
    assert one.fingerprint() != ProvideSite.model_validate({**GOOD, "pay_fen": 1}).fingerprint()
    assert one.opened_on == date(2021, 6, 30)


def test_a_query_parameter_the_route_does_not_declare_is_refused_by_name_not_ignored() -> None:
    from shared.access import PUBLIC, guarded

    router = APIRouter()

    @router.get("/v1/status")
    def status(as_of: AsOf = None) -> dict:
        return {"as_of": str(as_of)}

    @router.get("/v1/open")
    def open_data() -> dict:
        return {}

    app = FastAPI()
    install_error_mapper(app)
    app.include_router(guarded([router], {"GET /v1/status": {Role.AUDITOR: Scope.ALL}, "GET /v1/open": PUBLIC}))
    client, auditor = TestClient(app), {"Authorization": f"Bearer {mint(SETTINGS, subject='a', role='auditor')}"}
    assert client.get("/v1/status", params={"as_of": "2021-12-31"}, headers=auditor).json() == {"as_of": "2021-12-31"}
    misspelt = client.get("/v1/status", params={"asof": "2021-12-31"}, headers=auditor)
    assert misspelt.status_code == 422 and misspelt.json()["errors"] == [
        {"field": "asof", "message": "not a parameter of this route (known: as_of)"}]
    assert client.get("/v1/open", params={"x": "1"}).status_code == 422
    assert client.get("/v1/status", params={"asof": "1"}).status_code == 401, "who asks comes first"
