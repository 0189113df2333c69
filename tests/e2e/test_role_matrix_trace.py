"""A command's W3C trace context goes onto its stored event, the published event (CloudEvents distributed tracing),
the NATS message's headers, and the log of the service that consumes the event; with an OTLP endpoint configured,
the services' spans of that command (request, publish, each consumer) are exported in the command's trace."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import nats.errors
import pytest

from services.stations.application import Stations
from shared import store, stream
from shared.contracts import stations as stations_contracts
from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.otlp import Receiver, start_receiver
from tests.kit.plan import PLAN, ok
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually

T11 = str(Stations.station_id_for("T11"))
TRACE_ID, SPAN_ID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{SPAN_ID}-01"


async def _last_signed(system: System) -> tuple[dict, dict[str, str]] | None:
    """The last contract-signed message on the stream: its document and its headers."""
    nc = await stream.connect(system.settings, "trace-test")
    try:
        subject = stations_contracts.ServiceContractSigned.subject(system.settings.subject_prefix)
        message = await nc.jetstream().get_last_msg(system.settings.stream_name, subject)
        return json.loads(message.data), dict(message.headers or {})
    except nats.errors.Error:
        return None  # not published yet
    finally:
        await nc.close()


def _sign_contract(system: System, headers: dict[str, str]) -> tuple[str, dict, dict[str, str]]:
    """Signs a contract for T11 with ``headers``; its id, and its published document and message headers."""
    admin = system.client("stations")
    ok(admin.put("/v1/county-plan", json=PLAN))
    assert admin.post("/v1/stations", json={"township_code": "T11"},
                      headers={"Idempotency-Key": "trace-T11"}).status_code == 201
    ok(admin.put(f"/v1/stations/{T11}/site", json={"office_area_m2": 40, "facilities": ["桌"], "on": "2023-01-10"},
                 headers={"Idempotency-Key": "trace-site-T11"}))
    contract = ok(admin.post("/v1/contracts", headers=headers, json={
        "contract_number": "HT-E2E-TRACE", "organisation_id": "org-trace", "organisation_name": "追踪社工",
        "station_ids": [T11], "period_start": "2023-03-01", "period_end": "2024-02-28", "amount_fen": 300_000,
        "supervision_fen": 0, "budget_year": 2023, "budget_line": "2080299",
        "payment_schedule": [{"due_on": "2023-03-15", "amount_fen": 300_000}], "signed_on": "2023-02-20"}), 201)

    def published() -> tuple[dict, dict[str, str]] | None:
        found = asyncio.run(_last_signed(system))
        return found if found is not None and found[0]["aggregateid"] == contract["id"] else None

    document, message_headers = eventually(published)
    return contract["id"], document, message_headers


def _stored_trace(system: System, contract_id: str) -> dict[str, str]:
    """The trace context stored with the contract's first event in the stations event store."""
    with store.connect(store.service_url(system.settings, "stations")) as conn:
        row = conn.execute("SELECT state FROM stations_events WHERE originator_id = %s AND originator_version = 1",
                           (contract_id,)).fetchone()
    ctx = json.loads(bytes(row["state"]))["ctx"]["_data_"]  # the context's transcoding (shared.application)
    return {k: v for k, v in ctx.items() if k in ("traceparent", "tracestate")}


def _logged(system: System, service: str, text: str) -> bool:
    return text in (system.logs / f"{service}.log").read_text(encoding="utf-8", errors="replace")


def test_a_traceparent_sent_with_a_command_is_on_the_event_its_message_and_the_consumers_log(system: System) -> None:
    contract_id, document, headers = _sign_contract(system, {"traceparent": TRACEPARENT, "tracestate": "county=xx"})
    assert _stored_trace(system, contract_id) == {"traceparent": TRACEPARENT, "tracestate": "county=xx"}
    assert document["traceparent"] == headers["traceparent"] == TRACEPARENT
    assert document["tracestate"] == headers["tracestate"] == "county=xx"
    assert eventually(lambda: _logged(system, "workforce", f"traceparent {TRACEPARENT}"))


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = start_receiver()
    yield running
    running.close()


@pytest.fixture(scope="module")
def traced(settings: Settings, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """Stations and workforce exporting their spans to ``receiver`` (batches sent every 100 ms)."""
    running = start_system(isolated(settings, otlp_endpoint=receiver.url), tmp_path_factory.mktemp("traced"),
                           services=("stations", "workforce"), env={"OTEL_BSP_SCHEDULE_DELAY": "100"})
    yield running
    stop_system(running)


def test_with_an_endpoint_configured_one_commands_spans_in_every_service_share_its_trace(
        traced: System, receiver: Receiver) -> None:
    contract_id, document, headers = _sign_contract(traced, {"traceparent": TRACEPARENT})

    request = eventually(lambda: next((s for s in receiver.of_trace(TRACE_ID) if s.kind == "server"
                                       and s.service == "stations" and "/v1/contracts" in s.name), None))
    assert request.parent_id == SPAN_ID, "the request's span continues the caller's"
    carried = f"00-{TRACE_ID}-{request.span_id}-01"
    assert document["traceparent"] == headers["traceparent"] == carried, "the event carries the request's span"
    assert _stored_trace(traced, contract_id) == {"traceparent": carried}

    signed = document["type"]
    publish = eventually(lambda: next((s for s in receiver.of_trace(TRACE_ID) if s.kind == "producer"
                                       and s.attributes.get("messaging.message.id") == document["id"]), None))
    assert (publish.service, publish.parent_id) == ("stations", request.span_id)

    expected = {("workforce", "workforce.contracts_held"), ("stations", "stations.station_status"),
                ("stations", "stations.registers")}

    def consumers() -> set[tuple[str, str]] | None:
        found = {(s.service, s.attributes["messaging.consumer.group.name"]) for s in receiver.of_trace(TRACE_ID)
                 if s.kind == "consumer" and s.attributes.get("cloudevents.event_id") == document["id"]}
        return found if expected <= found else None

    assert eventually(consumers), "each service's projections handled the event in the command's trace"
    assert {(s.parent_id, s.name) for s in receiver.of_trace(TRACE_ID) if s.kind == "consumer"
            and s.attributes.get("cloudevents.event_id") == document["id"]} == {(request.span_id, f"process {signed}")}
    assert eventually(lambda: _logged(traced, "workforce", f"traceparent {carried}"))
