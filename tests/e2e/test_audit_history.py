"""History replayed from the ledger equals what the services answered at the time; ledger ranges export as CSV and
XLSX; the replay command prints the plan's progress at a position. Stations and audit run as processes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
from openpyxl import load_workbook

from deploy.infra import settings_env
from services.audit.exports.ledger import HEADERS
from services.stations.application import Stations
from shared import store
from tests.kit.infra import isolated
from tests.kit.plan import PLAN, ok
from tests.kit.system import ROOT, System, start_system, stop_system
from tests.kit.waiting import eventually

T05 = str(Stations.station_id_for("T05"))
T07 = str(Stations.station_id_for("T07"))
BUSINESS_DAY = "2022-06-30"


@pytest.fixture(scope="module")
def audited(settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """Stations and audit on their own databases and stream, with the county plan recorded."""
    running = start_system(isolated(settings, audit_checkpoint_every_s=3600), tmp_path_factory.mktemp("history"),
                           ("stations", "audit"))
    try:
        ok(running.client("stations").put("/v1/county-plan", json=PLAN))
        yield running
    finally:
        stop_system(running)


def _published_head(system: System) -> int | None:
    try:
        with store.connect(store.service_url(system.settings, "stations")) as conn:
            stored = conn.execute("SELECT max(notification_id) AS n FROM stations_events").fetchone()["n"]
            relay = conn.execute("SELECT * FROM relay_position WHERE source = 'stations'").fetchone()
    except psycopg.Error:
        return None
    return relay["last_published"] if relay and relay["position"] == stored else None


def caught_up(system: System, auditor: httpx.Client) -> int:
    """The ledger's head once it holds every event stations published."""
    head = eventually(lambda: _published_head(system), timeout=30)

    def probe() -> int | None:
        verdict = ok(auditor.get("/v1/ledger/verify"))
        mine = [s for s in verdict["sources"] if s["source"] == "/sw/stations"]
        if not (verdict["complete"] and mine and mine[0]["ledger_head"] == head):
            return None
        return ok(auditor.get("/v1/history/plan-progress"))["bounds"]["through_position"]

    return eventually(probe, timeout=30)


def _without(answer: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in keys}


@pytest.fixture(scope="module")
def story(audited: System) -> dict[str, Any]:
    """T05 planned, sited and contracted, a payment made: the live answers, the moment and the ledger head then;
    then more events (a second payment, a village covered, T07 planned)."""
    admin, auditor = audited.client("stations"), audited.client("audit", role="auditor")
    ok(admin.post("/v1/stations", json={"township_code": "T05"}, headers={"Idempotency-Key": "history-T05"}), 201)
    etag = admin.get(f"/v1/stations/{T05}").headers["ETag"]
    ok(admin.put(f"/v1/stations/{T05}/site", headers={"If-Match": etag},
                 json={"office_area_m2": 90.0, "facilities": ["电脑"], "on": "2022-02-10"}))
    contract = ok(admin.post("/v1/contracts", json={
        "contract_number": "HT-HISTORY-T05", "organisation_id": "org-history", "organisation_name": "历史社工中心",
        "station_ids": [T05], "period_start": "2022-03-01", "period_end": "2023-02-28", "amount_fen": 30_000_000,
        "supervision_fen": 3_000_000, "budget_year": 2022, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2022-03-15", "amount_fen": 30_000_000}], "signed_on": "2022-02-20"}), 201)
    cid = contract["id"]
    ok(admin.post(f"/v1/contracts/{cid}/disbursements",
                  json={"amount_fen": 10_000_000, "paid_on": "2022-03-15", "reference": "BF-H-1"}))
    position = caught_up(audited, auditor)
    then = {"moment": datetime.now(UTC).isoformat(), "position": position, "contract_id": cid,
            "station": ok(admin.get(f"/v1/stations/{T05}")), "contract": ok(admin.get(f"/v1/contracts/{cid}")),
            "county": ok(admin.get("/v1/county-status", params={"as_of": BUSINESS_DAY}))}
    ok(admin.post(f"/v1/contracts/{cid}/disbursements",
                  json={"amount_fen": 5_000_000, "paid_on": "2022-04-15", "reference": "BF-H-2"}))
    ok(admin.post(f"/v1/stations/{T05}/villages", json={"village_code": "T05-01", "start": "2022-03-10"}))
    ok(admin.post("/v1/stations", json={"township_code": "T07"}, headers={"Idempotency-Key": "history-T07"}), 201)
    then["head"] = caught_up(audited, auditor)
    assert then["head"] > position
    return then


@pytest.fixture(scope="module")
def auditor(audited: System) -> httpx.Client:
    return audited.client("audit", role="auditor")


@pytest.mark.parametrize("bound", ["as_of", "at_position"])
def test_a_station_as_of_a_past_moment_is_what_the_stations_service_said_then(
        story: dict[str, Any], auditor: httpx.Client, bound: str) -> None:
    params = {"as_of": story["moment"]} if bound == "as_of" else {"at_position": story["position"]}
    past = ok(auditor.get(f"/v1/history/stations/{T05}", params=params))
    said = story["station"]
    assert _without(past, "bounds", "positions") == {
        **_without(said, "version", "transitions"),
        "transitions": [_without(t, "actor") for t in said["transitions"]]}
    assert past["bounds"]["through_position"] == story["position"] and past["villages_covered"] == []
    now = ok(auditor.get(f"/v1/history/stations/{T05}"))
    assert now["villages_covered"] == ["T05-01"]  # the later event is in the present answer, not the past one


def test_a_contract_as_of_a_past_moment_is_what_the_stations_service_said_then(
        story: dict[str, Any], auditor: httpx.Client) -> None:
    cid = story["contract_id"]
    past = ok(auditor.get(f"/v1/history/contracts/{cid}", params={"as_of": story["moment"]}))
    assert _without(past, "bounds", "positions") == _without(story["contract"], "version")
    assert past["disbursed_fen"] == 10_000_000
    assert ok(auditor.get(f"/v1/history/contracts/{cid}"))["disbursed_fen"] == 15_000_000


def test_plan_progress_as_of_a_past_moment_is_the_county_status_said_then(
        story: dict[str, Any], auditor: httpx.Client) -> None:
    past = ok(auditor.get("/v1/history/plan-progress", params={"as_of": story["moment"], "as_of_date": BUSINESS_DAY}))
    assert _without(past, "bounds", "positions", "status", "batch_status") == story["county"]
    now = ok(auditor.get("/v1/history/plan-progress", params={"as_of_date": BUSINESS_DAY}))
    assert sum(b["planned"] for b in now["batches"]) == sum(b["planned"] for b in past["batches"]) + 1  # T07


def test_the_business_date_is_asked_apart_from_the_recorded_moment(story: dict[str, Any],
                                                                  auditor: httpx.Client) -> None:
    before_signing = ok(auditor.get(f"/v1/history/stations/{T05}", params={"as_of_date": "2022-02-15"}))
    assert before_signing["status"] == "site_provided" and before_signing["contract_id"] is None
    missing = auditor.get(f"/v1/history/stations/{T07}", params={"at_position": story["position"]})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    bad = auditor.get(f"/v1/history/stations/{T05}", params={"as_of": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "as_of"


def test_a_ledger_range_exports_as_xlsx_and_csv_with_the_entries_of_the_range(
        audited: System, story: dict[str, Any], auditor: httpx.Client) -> None:
    to = story["position"]
    entries = ok(auditor.get("/v1/ledger", params={"after": 1, "limit": to - 1}))["items"]
    xlsx = auditor.get("/v1/exports/ledger.xlsx", params={"after": 1, "to": to})
    assert xlsx.status_code == 200 and f"ledger-2-{to}.xlsx" in xlsx.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert [(r[0], r[1], r[3], r[7], r[8]) for r in rows[1:]] == [
        (e["position"], e["event_id"], e["type"], e["leaf_hash"], e["chain_hash"]) for e in entries]
    text = auditor.get("/v1/exports/ledger.csv", params={"after": 1, "to": to}).content.decode("utf-8-sig")
    assert [r[1] for r in csv.reader(io.StringIO(text))][1:] == [e["event_id"] for e in entries]
    refused = auditor.get("/v1/exports/ledger.csv", params={"after": 5, "to": 2})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to"
    township = audited.client("audit", role="township", townships=["T05"])
    assert township.get("/v1/exports/ledger.xlsx").status_code == 403


def test_the_replay_command_prints_the_plan_progress_at_a_position(audited: System, story: dict[str, Any]) -> None:
    env = settings_env(audited.settings)
    done = subprocess.run([sys.executable, "-m", "services.audit.replay", "--to-position", str(story["position"]),
                           "--as-of-date", BUSINESS_DAY], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"ledger up to position {story['position']}: {story['position']} entries" in done.stdout
    planned = sum(b["planned"] for b in story["county"]["batches"])
    assert f"{story['county']['opened']} of {story['county']['target']} stations opened" in done.stdout
    assert sum(int(line.split("planned ")[1].split(",")[0]) for line in done.stdout.splitlines()
               if "planned " in line) == planned
    assert f"{story['position']}/{story['position']}" in done.stderr  # the progress bar reached the end


def test_the_running_audit_service_connects_as_its_role_and_does_not_own_the_ledger(
        audited: System, story: dict[str, Any]) -> None:
    iso = audited.settings
    with store.connect(store.service_url(iso, "audit")) as conn:
        users = {r["usename"] for r in conn.execute(
            "SELECT usename FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sw-audit'"
        ).fetchall()}
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'ledger' "
                             "AND schemaname = 'public'").fetchone()["tableowner"]
    assert users == {store.runtime_role(iso, "audit")}
    assert owner == store.owner_role(iso) != store.runtime_role(iso, "audit")
