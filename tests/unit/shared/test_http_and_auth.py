"""Problem responses, tokens, If-Match and settings, through a small FastAPI app."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared import auth
from shared.auth import InvalidToken, mint, verify
from shared.domain import Context, Role, RuleViolated
from shared.http import CurrentContext, IfMatch, install_error_mapper
from shared.settings import DEV_SECRET, Settings, get_settings

SETTINGS = get_settings()  # what the HTTP dependency verifies tokens with (this run's own secret)


class Body(BaseModel):
    township_code: str = Field(min_length=1)
    area_m2: int


def _app() -> TestClient:
    app = FastAPI()
    install_error_mapper(app)

    @app.post("/things")
    def make(body: Body, ctx: CurrentContext, version: IfMatch) -> dict:
        if body.township_code == "closed":
            raise RuleViolated("station.open.requires_site", "cannot open: site not provided")
        return {"actor": ctx.actor, "role": ctx.role, "version": version}

    return TestClient(app)


def _auth(role: str = "civil_affairs_admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(SETTINGS, subject='u1', role=role)}"}


def test_missing_or_bad_token_is_a_401_problem() -> None:
    client = _app()
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic x"}):
        response = client.post("/things", json={"township_code": "T01", "area_m2": 1}, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:sw:problem:unauthorized"


def test_invalid_input_is_a_422_problem_naming_each_field() -> None:
    response = _app().post("/things", json={"township_code": "", "area_m2": "big"}, headers=_auth())
    assert response.status_code == 422
    body = response.json()
    assert {e["field"] for e in body["errors"]} == {"township_code", "area_m2"}
    assert "township_code" in body["detail"] and body["status"] == 422


def test_a_broken_rule_is_a_409_problem_naming_the_rule() -> None:
    response = _app().post("/things", json={"township_code": "closed", "area_m2": 1}, headers=_auth())
    assert response.status_code == 409
    assert response.json()["rule"] == "station.open.requires_site"
    assert response.json()["detail"] == "cannot open: site not provided"


def test_if_match_is_read_as_a_version_and_garbage_is_refused() -> None:
    client = _app()
    ok = client.post("/things", json={"township_code": "T", "area_m2": 1}, headers={**_auth(), "If-Match": '"3"'})
    assert ok.json()["version"] == 3
    bad = client.post("/things", json={"township_code": "T", "area_m2": 1}, headers={**_auth(), "If-Match": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "If-Match"


def test_tokens_carry_role_organisation_and_townships() -> None:
    token = mint(SETTINGS, subject="t-user", role=Role.TOWNSHIP, organisation="T03", townships=("T03",))
    ctx = verify(SETTINGS, token)
    assert (ctx.actor, ctx.role, ctx.organisation, ctx.townships) == ("t-user", "township", "T03", ("T03",))
    with pytest.raises(InvalidToken):
        verify(Settings(environment="test", jwt_secret="another-secret-of-sufficient-length-xx"), token)


def test_a_token_verified_before_still_expires_and_each_request_keeps_its_own_correlation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = mint(SETTINGS, subject="kept", role=Role.FINANCE, ttl_seconds=60)
    first, again = verify(SETTINGS, token, "c-1"), verify(SETTINGS, token, "c-2")
    assert (first.actor, again.actor, first.correlation_id, again.correlation_id) == ("kept", "kept", "c-1", "c-2")
    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        verify(SETTINGS, token)
    with pytest.raises(InvalidToken):  # a token verified with one secret is not taken under another
        verify(Settings(environment="test", jwt_secret="another-secret-of-sufficient-length-xx"),
               mint(SETTINGS, subject="kept", role=Role.FINANCE))


def test_outside_dev_the_default_secret_is_refused() -> None:
    for environment in ("test", "prod"):
        with pytest.raises(ValueError, match="SW_JWT_SECRET"):
            Settings(environment=environment, jwt_secret=DEV_SECRET)
    assert Settings(environment="dev", jwt_secret=DEV_SECRET).jwt_secret == DEV_SECRET


def test_production_needs_its_own_encryption_and_identity_keys() -> None:
    with pytest.raises(ValueError, match="SW_CIPHER_KEY"):
        Settings(environment="prod", jwt_secret="a-production-secret-0123456789abcdef")


def test_roles_are_checked_by_name() -> None:
    ctx = Context(actor="a", role="finance")
    assert ctx.has_role(Role.FINANCE) and not ctx.has_role(Role.AUDITOR)
