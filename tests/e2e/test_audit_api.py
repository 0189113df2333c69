"""The auditors' view over HTTP and the CLI, with stations and audit running as processes on their own stream."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import psycopg
import pytest

from deploy.infra import settings_env
from services.audit.domain import chain_hash, leaf_hash
from services.stations.seed import BATCHES, COUNTY_NAME, PERIOD_END_YEAR, PERIOD_START_YEAR, TOWNSHIPS
from shared import store
from tests.kit.infra import isolated
from tests.kit.system import ROOT, System, start_system, stop_system
from tests.kit.waiting import eventually

PLAN = {
    "county_name": COUNTY_NAME, "period_start_year": PERIOD_START_YEAR, "period_end_year": PERIOD_END_YEAR,
    "batches": [{"batch": b["batch"], "deadline": str(b["deadline"])} for b in BATCHES],
    "townships": [{k: (str(v) if k == "population_as_of" else v) for k, v in t.items()} for t in TOWNSHIPS],
}


@pytest.fixture(scope="module")
def audited(settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """Stations and audit on their own databases and stream, with a county plan recorded."""
    # no scheduled checkpoint here (test_audit_checkpoints covers them): this module's verdicts stay those of the chain
    running = start_system(isolated(settings, audit_checkpoint_every_s=3600), tmp_path_factory.mktemp("audit"),
                           ("stations", "audit"))
    try:
        planned = running.client("stations").put("/v1/county-plan", json=PLAN)
        assert planned.status_code == 200, planned.text
        yield running
    finally:
        stop_system(running)


def _published_head(system: System) -> int | None:
    """The last sequence stations published, once its relay has handled every stored event."""
    try:
        with store.connect(store.service_url(system.settings, "stations")) as conn:
            stored = conn.execute("SELECT max(notification_id) AS n FROM stations_events").fetchone()["n"]
            relay = conn.execute("SELECT * FROM relay_position WHERE source = 'stations'").fetchone()
    except psycopg.Error:
        return None
    return relay["last_published"] if relay and relay["position"] == stored else None


@pytest.fixture(scope="module")
def auditor(audited: System) -> httpx.Client:
    """An auditor's client, once the ledger holds every event stations published."""
    client = audited.client("audit", role="auditor")
    head = eventually(lambda: _published_head(audited), timeout=30)

    def caught_up() -> bool:
        verdict = client.get("/v1/ledger/verify").json()
        stations = [s for s in verdict["sources"] if s["source"] == "/sw/stations"]
        return verdict["complete"] and stations and stations[0]["ledger_head"] == head

    eventually(caught_up, timeout=30)
    return client


def _cli(system: System) -> subprocess.CompletedProcess[str]:
    env = settings_env(system.settings)
    return subprocess.run([sys.executable, "-m", "services.audit.verify", "--json"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_verify_says_intact_and_complete_over_http_and_the_cli(audited: System, auditor: httpx.Client) -> None:
    verdict = auditor.get("/v1/ledger/verify").json()
    assert verdict["ok"] and verdict["complete"] and verdict["missing"] == [] and verdict["checked"] >= 1
    sources = {s["source"]: s for s in verdict["sources"]}
    assert set(sources) <= {"/sw/stations", "/sw/audit"}  # the audit service's own checkpoints, once it signs one
    assert sources["/sw/stations"]["ledger_head"] == sources["/sw/stations"]["stream_head"] > 0
    run = _cli(audited)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["complete"] is True


def test_pages_follow_next_to_the_end(auditor: httpx.Client) -> None:
    size = auditor.get("/v1/ledger/verify").json()["checked"]
    positions, after = [], 0
    while after is not None:
        page = auditor.get("/v1/ledger", params={"after": after, "limit": 2}).json()
        positions += [item["position"] for item in page["items"]]
        after = page["next"]
    assert positions[:size] == list(range(1, size + 1))
    item = auditor.get("/v1/ledger", params={"limit": 1}).json()["items"][0]
    assert item["event"]["sequence"] == item["sequence"] and item["event"]["id"] == item["event_id"]
    assert isinstance(item["stream_sequence"], int) and item["stream_sequence"] >= 1  # where the stream held it


def test_type_prefix_is_literal(auditor: httpx.Client) -> None:
    def count(prefix: str) -> int:
        return len(auditor.get("/v1/ledger", params={"type_prefix": prefix, "limit": 1000}).json()["items"])

    assert count("sw.stations.") > 0
    assert count("sw.stations.%") == count("sw_stations") == count("%") == 0


def test_as_of_keeps_only_events_up_to_that_day(auditor: httpx.Client) -> None:
    def count(day: str) -> int:
        return len(auditor.get("/v1/ledger", params={"as_of": day, "limit": 1000}).json()["items"])

    assert count("2000-01-01") == 0
    assert count(str(date.today() + timedelta(days=1))) == count("9999-12-31") > 0


@pytest.mark.parametrize(("params", "field"), [
    ({"as_of": "1640908800"}, "as_of"), ({"as_of": "2021-02-30"}, "as_of"), ({"asof": "2021-12-31"}, "asof"),
    ({"after": str(2**53)}, "after"), ({"after": "-1"}, "after"), ({"limit": "1001"}, "limit"),
    ({"type_prefix": "x" * 201}, "type_prefix"), ({"type_prefix": "sw.\x00"}, "type_prefix"),
    ({"as_of": "２０２１-１２-３１"}, "as_of"),
])
def test_bad_or_unknown_parameters_are_refused_by_name(auditor: httpx.Client, params: dict, field: str) -> None:
    response = auditor.get("/v1/ledger", params=params)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_the_largest_exact_position_is_accepted(auditor: httpx.Client) -> None:
    response = auditor.get("/v1/ledger", params={"after": str(2**53 - 1)})
    assert response.status_code == 200 and response.json() == {"items": [], "next": None}


def test_whatever_the_ledger_holds_verify_answers_a_verdict(audited: System, auditor: httpx.Client) -> None:
    url = store.service_url(audited.settings, "audit")
    with store.connect(url) as conn, conn.transaction():  # a superuser writes bytes that are not I-JSON at 1
        conn.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete")
        body = b'{"id":"x","id":"y"}'  # PostgreSQL's jsonb takes it (the generated columns); I-JSON does not
        conn.execute("UPDATE ledger SET canonical = %s, leaf_hash = %s, chain_hash = %s WHERE position = 1",
                     (body, leaf_hash(body), chain_hash(bytes(32), leaf_hash(body))))
        conn.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_or_delete")
    response = auditor.get("/v1/ledger/verify")
    assert response.status_code == 200
    verdict = response.json()
    assert (verdict["ok"], verdict["first_bad_position"], verdict["checked"]) == (False, 1, 0)
    assert "not I-JSON" in verdict["reason"]
    page = auditor.get("/v1/ledger", params={"limit": 1})
    assert page.status_code == 200 and page.json()["items"][0]["event"] is None
    run = _cli(audited)
    assert run.returncode == 1 and json.loads(run.stdout)["first_bad_position"] == 1
