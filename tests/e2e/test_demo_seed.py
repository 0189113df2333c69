"""The demonstration year (``python -m deploy.demo``, part of ``make run``) fills every view, and loading it twice
records nothing the second time; every event it publishes is a CloudEvent (read with the CloudEvents SDK) matching
its published JSON Schema. On a system of its own, so the shared county's figures in other tests hold."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest
from cloudevents.core.formats.json import JSONFormat

from deploy.demo import load_demo
from shared import store, stream
from shared.asyncapi import json_schemas
from shared.settings import Settings
from tests.kit.infra import isolated, read_subject
from tests.kit.plan import ok
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually

SERVICES = ("stations", "workforce", "casework")
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    own_settings = isolated(settings, audit_checkpoint_every_s=1.0, audit_findings_every_s=2.0)
    running = start_system(own_settings, tmp_path_factory.mktemp("demo"), services=(*SERVICES, "audit"))
    yield running
    stop_system(running)


@pytest.fixture(scope="module")
def loaded(own: System) -> dict[str, Any]:
    """The demonstration, loaded once."""
    return load_demo(own.settings, own.urls)


def events_stored(system: System) -> dict[str, int]:
    """The number of events each service has stored."""
    counts = {}
    for service in SERVICES:
        with store.connect(store.service_url(system.settings, service)) as conn:
            counts[service] = conn.execute(f"SELECT count(*) AS n FROM {service}_events").fetchone()["n"]
    return counts


def station_rows(admin: httpx.Client) -> dict[str, dict]:
    return {r["township_code"]: r for r in ok(admin.get("/v1/station-status", params={"month": "2021-08"}))["items"]}


def test_the_demonstration_fills_every_view_and_a_second_run_records_nothing(own: System, loaded: dict) -> None:
    first = loaded

    workforce, stations, casework = own.client("workforce"), own.client("stations"), own.client("casework")
    targets = eventually(lambda: (r := workforce.get("/v1/targets", params={"as_of": "2021-12-31"})).status_code
                         == 200 and r.json())
    assert targets["baseline"]["certified_social_workers"] == 4
    assert targets["figures"]["certified_by_year"]["2021"] == {"count": 9, "source": "recorded", "official": True}
    roster = eventually(lambda: (w := ok(workforce.get("/v1/roster", params={"as_of": "2021-08-31"}))["items"])
                        and len(w) == 12 and w)
    assert sum(1 for w in roster if w["station_id"] is not None) == 11
    assert sum(1 for w in roster if w["certified"]) == 9
    trained = ok(workforce.get(f"/v1/workers/{first['workers']['李娜']}"))
    assert (trained["training_hours"], trained["training"][0]["course"]) == (8, "机构内训：个案工作记录规范"), \
        "recorded by her employer, the contractor"

    rows = eventually(lambda: (r := station_rows(stations))["T05"]["supervision"]["sessions"] == 1 and r)
    assert [c for c, r in rows.items() if r["status"] == "opened"] == ["T01", "T02", "T03", "T04", "T05"]
    assert rows["T06"]["status"] == "contractor_assigned" and rows["T06"]["headcount"] == 1
    assert rows["T01"]["supervisor"]["name"] == "孙慧" and len(rows["T01"]["workers"]) == 2
    assert rows["T01"]["supervision"]["meets_minimum_hours"] and not rows["T05"]["supervision"]["meets_minimum_hours"]
    assert rows["T01"]["latest_ledger"]["status"] == "accepted"
    county = ok(stations.get("/v1/county-status", params={"as_of": "2021-12-31"}))["batches"][0]
    assert (county["opened"], county["operating"]) == (5, 5)

    stats = eventually(lambda: (s := ok(casework.get("/v1/casework-statistics")))["services"] == 4 and s)
    assert stats["beneficiaries"] == 3 and stats["service_minutes"] == 255
    coverage = ok(casework.get("/v1/supervision-coverage", params={"month": "2021-07"}))["items"]
    assert len(coverage) == 5 and all(c["supervised"] for c in coverage)

    before = events_stored(own)
    again = load_demo(own.settings, own.urls)
    assert again == first
    assert events_stored(own) == before


async def _published(system: System) -> list[Any]:
    """Every message of the system's stream but dead letters."""
    nc = await stream.connect(system.settings, "contract-test")
    try:
        msgs = await read_subject(nc.jetstream(), system.settings, f"{system.settings.subject_prefix}.>")
    finally:
        await nc.close()
    return [m for m in msgs if not m.subject.startswith(f"{system.settings.subject_prefix}.dlq.")]


def test_every_published_event_is_a_cloudevent_whose_data_matches_its_published_schema(
        own: System, loaded: dict) -> None:
    township = {"code": "T12", "name": "新设乡", "kind": "township", "population": 9000, "batch": 2}
    assert own.client("stations").post("/v1/county-plan/townships", json=township, headers={
        "traceparent": TRACEPARENT, "tracestate": "county=xx", "Idempotency-Key": "contract-test-T12"}
    ).status_code in (200, 201)
    sources = {f"/sw/{service}" for service in (*SERVICES, "audit")}
    msgs = eventually(lambda: (m := asyncio.run(_published(own)))
                      and {json.loads(x.data)["source"] for x in m} == sources
                      and any(b"county=xx" in x.data for x in m)
                      and any(x.subject.endswith(".audit.finding.raised") for x in m) and m, timeout=60)
    validators = {event_type: jsonschema_rs.validator_for(schema) for event_type, schema in json_schemas().items()}
    seen: dict[str, int] = {}
    for msg in msgs:
        event = JSONFormat().read(None, msg.data)  # structured JSON mode; refuses a document that is no CloudEvent
        document = json.loads(msg.data)
        assert (event.get_specversion(), event.get_id(), event.get_data()) == ("1.0", document["id"], document["data"])
        assert msg.headers["Nats-Msg-Id"] == event.get_id()
        errors = [f"{e.instance_path}: {e.message}" for e in validators[event.get_type()].iter_errors(document)]
        assert not errors, f"{event.get_type()} {event.get_id()} does not match its schema: {errors}"
        seen[event.get_type()] = seen.get(event.get_type(), 0) + 1
    traced = [JSONFormat().read(None, m.data) for m in msgs if b"county=xx" in m.data]
    assert {(e.get_extension("traceparent"), e.get_extension("tracestate")) for e in traced} == {
        (TRACEPARENT, "county=xx")}
    assert len(seen) >= 35, f"the demonstration publishes {len(seen)} event types: {sorted(seen)}"
