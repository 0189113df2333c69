"""What a bearer token may not do: carry the system role, bend its claims, or be guessed at without limit."""

from __future__ import annotations

import base64
import subprocess
import sys
import time

import jwt
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from shared.auth import ALGORITHM, InvalidToken, mint, organisation_id, organisation_refs, same_organisation, verify
from shared.http import CurrentContext, install_error_mapper
from shared.ratelimit import AUTH_FAILURES, LOOKUPS, client_address, limit_lookups
from shared.settings import Settings, get_settings

SETTINGS = get_settings()


def _signed(**claims: object) -> str:
    now = int(time.time())
    base = {"sub": "u1", "role": "township", "iss": SETTINGS.jwt_issuer, "iat": now, "exp": now + 60}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, SETTINGS.jwt_secret, algorithm=ALGORITHM)


def test_the_system_role_is_never_minted_nor_accepted_from_a_token() -> None:
    with pytest.raises(ValueError, match="in-process"):
        mint(SETTINGS, subject="x", role="system")
    with pytest.raises(InvalidToken, match="role"):
        verify(SETTINGS, _signed(role="system"))
    cli = subprocess.run([sys.executable, "-m", "shared.auth", "--role", "system"], capture_output=True, text=True)
    assert cli.returncode != 0 and "invalid choice" in cli.stderr and not cli.stdout


@pytest.mark.parametrize(("claims", "fault"), [
    ({"townships": "T01"}, "townships"),
    ({"townships": ["T01", 7]}, "townships"),
    ({"role": "mayor"}, "role"),
    ({"role": ["township"]}, "role"),
    ({"sub": None}, "sub"),
    ({"sub": ""}, "sub"),
    ({"org": {"id": "x"}}, "org"),
])
def test_claims_of_the_wrong_shape_are_refused(claims: dict[str, object], fault: str) -> None:
    with pytest.raises(InvalidToken, match=fault):
        verify(SETTINGS, _signed(**claims))


def test_well_formed_claims_give_the_scope_they_name() -> None:
    ctx = verify(SETTINGS, _signed(townships=["T01", "T02"], org="org-1"))
    assert (ctx.role, ctx.townships, ctx.organisation) == ("township", ("T01", "T02"), "org-1")


@pytest.mark.parametrize("environment", ["test", "prod"])
def test_outside_dev_the_token_secret_has_at_least_32_bytes(environment: str) -> None:
    keys = {"cipher_key": base64.b64encode(bytes(32)).decode(), "identity_key": "i" * 32, "audit_signing_key": "s"}
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Settings(environment=environment, jwt_secret="x" * 31, **keys)
    assert Settings(environment=environment, jwt_secret="x" * 32, **keys).jwt_secret == "x" * 32
    assert Settings(environment="dev", jwt_secret="x").jwt_secret == "x"


def _client() -> TestClient:
    app = FastAPI()
    install_error_mapper(app)

    @app.get("/me")
    def me(ctx: CurrentContext) -> dict[str, str]:
        return {"actor": ctx.actor}

    @app.post("/lookup")
    def lookup(ctx: CurrentContext) -> dict[str, str]:
        limit_lookups(ctx)
        return {"actor": ctx.actor}

    return TestClient(app)


def test_a_burst_of_bad_tokens_is_answered_429_with_retry_after_even_for_a_good_one() -> None:
    AUTH_FAILURES.clear()
    client = _client()
    bad = {"Authorization": "Bearer not-a-token"}
    answers = [client.get("/me", headers=bad).status_code for _ in range(SETTINGS.auth_failure_burst)]
    assert answers == [401] * SETTINGS.auth_failure_burst
    refused = client.get("/me", headers={"Authorization": f"Bearer {mint(SETTINGS, subject='u', role='finance')}"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["type"] == "urn:sw:problem:rate-limited"
    AUTH_FAILURES.clear()
    assert client.get("/me", headers={"Authorization": f"Bearer {mint(SETTINGS, subject='u', role='finance')}"}
                      ).status_code == 200


def test_identity_lookups_are_limited_per_user() -> None:
    LOOKUPS.clear()
    client = _client()
    token = {"Authorization": f"Bearer {mint(SETTINGS, subject='prober', role='contractor')}"}
    answers = [client.post("/lookup", headers=token).status_code for _ in range(SETTINGS.identity_lookup_burst)]
    assert set(answers) == {200}
    refused = client.post("/lookup", headers=token)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    other = {"Authorization": f"Bearer {mint(SETTINGS, subject='someone-else', role='contractor')}"}
    assert client.post("/lookup", headers=other).status_code == 200
    LOOKUPS.clear()


def test_an_organisation_is_the_same_whether_named_by_id_or_by_credit_code() -> None:
    from services.workforce.application import Workforce

    code = "91110000MA01ABCD3U"
    identifier = str(Workforce.organisation_id_for(code))
    assert organisation_id(code.lower()) == organisation_id(identifier) == identifier
    assert same_organisation(identifier, code) and same_organisation(code, identifier) and same_organisation(code, code)
    assert not same_organisation(identifier, "91110000MA01ABCD4X") and not same_organisation("org-1", "org-2")
    assert organisation_refs(code) == [code, identifier] and organisation_refs("第三方评估所") == ["第三方评估所"]


def test_only_a_well_formed_traceparent_is_carried_onto_the_callers_context() -> None:
    app = FastAPI()
    install_error_mapper(app)

    @app.get("/trace")
    def trace(ctx: CurrentContext) -> dict[str, str]:
        return {"traceparent": ctx.traceparent}

    client = TestClient(app)
    auth = {"Authorization": f"Bearer {mint(SETTINGS, subject='u', role='finance')}"}
    good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert client.get("/trace", headers={**auth, "traceparent": good}).json() == {"traceparent": good}
    for bad in ("00-" + "0" * 32 + "-00f067aa0ba902b7-01", "garbage", "00-4bf92f3577b34da6-00f067aa0ba902b7-01"):
        assert client.get("/trace", headers={**auth, "traceparent": bad}).json() == {"traceparent": ""}
    assert client.get("/trace", headers=auth).json() == {"traceparent": ""}


def _peer_client(peer: str, trusted: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """A client whose connections come from ``peer``, served with ``SW_TRUSTED_PROXIES=trusted``."""
    monkeypatch.setattr(get_settings(), "trusted_proxies", trusted)
    app = FastAPI()
    install_error_mapper(app)

    @app.get("/who")
    def who(request: Request) -> dict[str, str]:
        return {"client": client_address(request)}

    @app.get("/me")
    def me(ctx: CurrentContext) -> dict[str, str]:
        return {"actor": ctx.actor}

    return TestClient(app, client=(peer, 50000))


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("10.0.0.5", "203.0.113.7", "203.0.113.7"),  # the proxy says who connected to it
    ("10.0.0.5", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # what the client wrote itself is not believed
    ("10.0.0.5", "198.51.100.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # past every trusted proxy
    ("10.0.0.5", "not-an-address", "10.0.0.5"),
    ("10.0.0.5", None, "10.0.0.5"),
    ("192.0.2.44", "203.0.113.7", "192.0.2.44"),  # a spoofed header from an untrusted peer is ignored
    ("2001:db8::1", "203.0.113.7", "2001:db8::1"),
])
def test_x_forwarded_for_names_the_client_only_from_a_trusted_proxy(
        peer: str, forwarded: str | None, client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = _peer_client(peer, "10.0.0.0/24, 127.0.0.1", monkeypatch).get(
        "/who", headers={"X-Forwarded-For": forwarded} if forwarded else {})
    assert answer.json() == {"client": client}


def test_without_trusted_proxies_a_forwarded_header_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().trusted_proxies == ""
    answer = _peer_client("10.0.0.5", "", monkeypatch).get("/who", headers={"X-Forwarded-For": "203.0.113.7"})
    assert answer.json() == {"client": "10.0.0.5"}
    with pytest.raises(ValueError, match="SW_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/24, proxy.example")


def test_a_spoofing_client_cannot_escape_the_limit_on_bad_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    AUTH_FAILURES.clear()
    bad = {"Authorization": "Bearer not-a-token"}
    direct = _peer_client("192.0.2.44", "10.0.0.0/24", monkeypatch)
    answers = [direct.get("/me", headers={**bad, "X-Forwarded-For": f"198.51.100.{i}"}).status_code
               for i in range(SETTINGS.auth_failure_burst + 1)]
    assert answers == [401] * SETTINGS.auth_failure_burst + [429], "one address, whatever the header says"

    behind = _peer_client("10.0.0.5", "10.0.0.0/24", monkeypatch)  # clients behind the trusted proxy count apart
    assert behind.get("/me", headers={**bad, "X-Forwarded-For": "203.0.113.7"}).status_code == 401
    assert behind.get("/me", headers={**bad, "X-Forwarded-For": "192.0.2.44"}).status_code == 429
    AUTH_FAILURES.clear()


def test_a_tracestate_is_carried_only_well_formed_and_with_a_traceparent() -> None:
    app = FastAPI()
    install_error_mapper(app)

    @app.get("/trace")
    def trace(ctx: CurrentContext) -> dict[str, str]:
        return {"traceparent": ctx.traceparent, "tracestate": ctx.tracestate}

    client = TestClient(app)
    auth = {"Authorization": f"Bearer {mint(SETTINGS, subject='u', role='finance')}"}
    good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert client.get("/trace", headers={**auth, "traceparent": good, "tracestate": "county=xx, vendor@sw=1"}
                      ).json() == {"traceparent": good, "tracestate": "county=xx,vendor@sw=1"}
    for bad in ("County=xx", "county", "county=x,=y", ",".join(f"k{i}=v" for i in range(33)), "k=" + "v" * 600):
        assert client.get("/trace", headers={**auth, "traceparent": good, "tracestate": bad}).json()["tracestate"] == ""
    assert client.get("/trace", headers={**auth, "tracestate": "county=xx"}).json() == {"traceparent": "",
                                                                                       "tracestate": ""}


@pytest.mark.parametrize("environment", ["test", "prod"])
def test_outside_dev_the_identity_and_cipher_keys_have_at_least_32_bytes(environment: str) -> None:
    good = {"jwt_secret": "x" * 32, "cipher_key": base64.b64encode(bytes(32)).decode(), "identity_key": "i" * 32,
            "audit_signing_key": base64.b64encode(bytes(32)).decode()}
    assert Settings(environment=environment, **good).identity_key == "i" * 32
    with pytest.raises(ValueError, match="SW_IDENTITY_KEY"):
        Settings(environment=environment, **{**good, "identity_key": "i" * 31})
    for cipher in (base64.b64encode(bytes(16)).decode(), "not base64!"):
        with pytest.raises(ValueError, match="SW_CIPHER_KEY"):
            Settings(environment=environment, **{**good, "cipher_key": cipher})
    assert Settings(environment="dev", identity_key="i", cipher_key="k").identity_key == "i"
