"""OpenTelemetry spans: off without an endpoint; on, one command's request, its published messages and every
projection's handling of its events share the command's trace (spans caught by the SDK's in-memory exporter)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared import envelope, tracing
from shared.auth import mint
from shared.contracts.stations import TownshipPopulationAmended
from shared.envelope import CloudEvent
from shared.http import CurrentContext, install_error_mapper
from shared.projection import Projection, ProjectionRunner
from shared.relay import Outgoing, Position, Relay
from shared.settings import Settings, get_settings

TRACE_ID, SPAN_ID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{SPAN_ID}-01"
TYPE = TownshipPopulationAmended.event_type()
AUTH = {"Authorization": f"Bearer {mint(get_settings(), subject='u', role='civil_affairs_admin')}"}


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert tracing.configure("stations", Settings(), SimpleSpanProcessor(exporter))
    yield exporter
    tracing.shutdown()


def _ids(span: ReadableSpan) -> tuple[str, str, str | None]:
    """(trace id, span id, parent span id) in hex."""
    parent = span.parent.span_id if span.parent is not None else None
    return (f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}",
            None if parent is None else f"{parent:016x}")


def test_without_an_endpoint_nothing_is_traced_and_the_standard_variables_name_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert tracing.endpoint(Settings()) is None
    assert tracing.configure("stations", Settings()) is False
    assert not tracing.enabled() and tracing.current() == {}
    assert isinstance(tracing.publishing("stations", "sw.x", "stations-1", TRACEPARENT), contextlib.nullcontext)
    event = CloudEvent.parse(json.dumps(_document(1, traceparent=TRACEPARENT)).encode())
    assert isinstance(tracing.consuming("p", event), contextlib.nullcontext)

    assert tracing.endpoint(Settings(otlp_endpoint="http://collector:4318/"), {}) == "http://collector:4318/v1/traces"
    assert tracing.endpoint(Settings(), {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}) == "http://c:4318/v1/traces"
    assert tracing.endpoint(Settings(), {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                                         "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:1/x"}) == "http://t:1/x"
    assert tracing.endpoint(Settings(otlp_endpoint="http://c:4318"), {"OTEL_SDK_DISABLED": "true"}) is None


def _app() -> TestClient:
    app = FastAPI()
    install_error_mapper(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/command")
    def command(ctx: CurrentContext) -> dict[str, str]:
        return {"traceparent": ctx.traceparent, "tracestate": ctx.tracestate}

    tracing.instrument_app(app)
    return TestClient(app)


def test_a_request_span_continues_the_callers_trace_and_the_command_carries_its_context(
        spans: InMemorySpanExporter) -> None:
    client = _app()
    carried = client.post("/command", headers={**AUTH, "traceparent": TRACEPARENT, "tracestate": "county=xx"}).json()
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    trace_id, span_id, parent = _ids(server)
    assert (trace_id, parent) == (TRACE_ID, SPAN_ID), "a child of the caller's span"
    assert carried == {"traceparent": f"00-{TRACE_ID}-{span_id}-01", "tracestate": "county=xx"}

    spans.clear()
    fresh = client.post("/command", headers=AUTH).json()["traceparent"]
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert fresh.startswith(f"00-{_ids(server)[0]}-{_ids(server)[1]}-") and _ids(server)[2] is None, \
        "a command without a trace starts one"
    spans.clear()
    assert client.get("/healthz").status_code == 200 and not spans.get_finished_spans()


class FakeConnection:
    """Acknowledges every message at once, on its reply subject (a unit test: no broker)."""

    is_closed = False

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.replies: Any = None

    def new_inbox(self) -> str:
        return "_INBOX.unit"

    async def subscribe(self, subject: str, cb: Any) -> Any:
        self.replies = cb
        return SimpleNamespace()

    async def publish(self, subject: str, body: bytes, reply: str, headers: dict[str, str]) -> None:
        self.sent.append((subject, headers))
        ack = orjson.dumps({"stream": "unit", "seq": len(self.sent)})
        await self.replies(SimpleNamespace(subject=reply, headers=None, data=ack))


class FakeJetStream:
    """A JetStream context on the fake connection."""

    def __init__(self) -> None:
        self._nc = FakeConnection()
        self.sent = self._nc.sent


async def test_the_relay_publishes_each_event_in_a_span_of_its_commands_trace(spans: InMemorySpanExporter) -> None:
    relay = Relay(Settings(), "stations", app=None, published={}, db_url="")  # type: ignore[arg-type]
    js = FakeJetStream()
    batch = [Outgoing(after=Position(1, 1), subject="sw.stations.contract.signed", body=b"{}", msg_id="stations-1",
                      traceparent=TRACEPARENT, tracestate="county=xx"),
             Outgoing(after=Position(2, 2), subject="sw.stations.contract.signed", body=b"{}", msg_id="stations-2")]
    assert await relay.publish(js, batch) == Position(2, 2)  # type: ignore[arg-type]

    stream = {"Nats-Expected-Stream": relay.settings.stream_name}
    assert js.sent[0][1] == {"Nats-Msg-Id": "stations-1", "traceparent": TRACEPARENT, "tracestate": "county=xx",
                             **stream}
    assert js.sent[1][1] == {"Nats-Msg-Id": "stations-2", **stream}
    traced, untraced = spans.get_finished_spans()
    assert traced.kind is SpanKind.PRODUCER and traced.name == "publish sw.stations.contract.signed"
    assert _ids(traced)[0::2] == (TRACE_ID, SPAN_ID) and traced.context.trace_state.get("county") == "xx"
    assert traced.attributes["messaging.message.id"] == "stations-1"
    assert _ids(untraced)[0] != TRACE_ID and _ids(untraced)[2] is None, "an event without a trace gets its own"


class Recording(Projection):
    name = "test.recording"

    def __init__(self, failure: Exception | None = None) -> None:
        self.applied: list[str] = []
        self.failure = failure

    def handlers(self):
        return {TYPE: self._apply}

    def _apply(self, _cur: Any, event: CloudEvent) -> None:
        if self.failure is not None:
            raise self.failure
        self.applied.append(event.id)


CURSOR = SimpleNamespace(connection=SimpleNamespace(transaction=contextlib.nullcontext))


def _document(sequence: int, **extra: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": envelope.event_id("stations", sequence), "type": TYPE, "subject": "agg",
            "source": envelope.source_of("stations"), "time": datetime(2021, 5, 1, tzinfo=UTC).isoformat(),
            "data": {"township_code": "T01", "population": 9000, "previous_population": 8000,
                     "effective_on": "2021-05-01"}, "sequence": sequence, "prevsequence": sequence - 1, **extra}


def test_a_projection_applies_each_event_in_a_span_of_its_commands_trace(spans: InMemorySpanExporter) -> None:
    event = CloudEvent.parse(json.dumps(_document(3, traceparent=TRACEPARENT)).encode())
    projection = Recording()
    assert ProjectionRunner(Settings(), projection, db_url="")._apply_one(CURSOR, event) == ""  # type: ignore[arg-type]
    (span,) = spans.get_finished_spans()
    assert projection.applied == ["stations-3"]
    assert span.kind is SpanKind.CONSUMER and span.name == f"process {TYPE}"
    assert _ids(span)[0::2] == (TRACE_ID, SPAN_ID)
    assert span.attributes["messaging.consumer.group.name"] == "test.recording"
    assert span.attributes["cloudevents.event_id"] == "stations-3" and span.status.status_code is not StatusCode.ERROR


def test_a_failed_handling_is_an_error_span(spans: InMemorySpanExporter) -> None:
    event = CloudEvent.parse(json.dumps(_document(4, traceparent=TRACEPARENT)).encode())
    runner = ProjectionRunner(Settings(), Recording(failure=ValueError("no such station")), db_url="")
    assert runner._apply_one(CURSOR, event) == "ValueError: no such station"  # type: ignore[arg-type]
    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR and "no such station" in (span.status.description or "")
    assert [e.name for e in span.events] == ["exception"]
