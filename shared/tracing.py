"""OpenTelemetry traces: one command followed from its HTTP request through the relay to every projection.

Off unless an OTLP endpoint is configured (``SW_OTLP_ENDPOINT``, or the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` /
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``; ``OTEL_SDK_DISABLED=true`` turns it off again). Off, nothing is instrumented,
no SDK is loaded and each hook costs one test of a module variable. On, a process exports its spans with the OTLP
HTTP exporter (batched; the exporter's other ``OTEL_EXPORTER_OTLP_*`` settings apply):

- **HTTP**: FastAPI's instrumentation makes a server span per request, a child of the request's ``traceparent``; the
  events a command records carry that span's context (CloudEvents distributed tracing: ``traceparent``,
  ``tracestate``), so their trace is the request's.
- **Relay**: a producer span per published message, a child of the event's ``traceparent``.
- **Projections**: a consumer span per event a projection applies, a child of the event's ``traceparent``, so every
  service's handling of one command lands in the command's trace.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    from shared.envelope import CloudEvent
    from shared.settings import Settings

TRACES_PATH = "/v1/traces"
UNTRACED = ("healthz", "readyz", "metrics")
_PROPAGATOR = TraceContextTextMapPropagator()
_NOTHING = contextlib.nullcontext()  # what a hook gives while tracing is off (reusable)
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None


def endpoint(settings: Settings, environ: dict[str, str] | None = None) -> str | None:
    """Where spans go: the OTLP HTTP traces URL configured, or None (tracing off)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    if settings.otlp_endpoint:
        return settings.otlp_endpoint.rstrip("/") + TRACES_PATH
    if env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return env["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + TRACES_PATH
    return None


def configure(service: str, settings: Settings, processor: SpanProcessor | None = None) -> bool:
    """Starts tracing for this process if an endpoint is configured (or ``processor`` is given); True if on.

    Once per process: a later call while tracing is on changes nothing.
    """
    global _provider, _tracer
    if _provider is not None:
        return True
    if processor is None:
        url = endpoint(settings)
        if url is None:
            return False
        processor = _otlp_processor(url)
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service, "service.namespace": "sw"}))
    provider.add_span_processor(processor)
    _provider, _tracer = provider, provider.get_tracer("shared.tracing")
    return True


def _otlp_processor(url: str) -> SpanProcessor:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    return BatchSpanProcessor(OTLPSpanExporter(endpoint=url))


def enabled() -> bool:
    """True while this process records spans."""
    return _tracer is not None


def shutdown() -> None:
    """Exports what is pending and turns tracing off (at the end of a process, and in tests)."""
    global _provider, _tracer
    if _provider is not None:
        _provider.shutdown()
    _provider, _tracer = None, None


def instrument_app(app: FastAPI) -> None:
    """A server span per request (not for the operations routes), when tracing is on."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider, excluded_urls=",".join(UNTRACED),
                                       exclude_spans=["receive", "send"])


def current() -> dict[str, str]:
    """The W3C trace context of the span now running (``traceparent`` and ``tracestate``), or {} when none is."""
    if _tracer is None or not trace.get_current_span().get_span_context().is_valid:
        return {}
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return {"traceparent": carrier.get("traceparent", ""), "tracestate": carrier.get("tracestate", "")}


def _parent(traceparent: str, tracestate: str = "") -> Any:
    carrier = {"traceparent": traceparent, **({"tracestate": tracestate} if tracestate else {})}
    return _PROPAGATOR.extract(carrier) if traceparent else None


def publishing(service: str, subject: str, event_id: str, traceparent: str, tracestate: str = ""
               ) -> contextlib.AbstractContextManager[Any]:
    """The relay's span around publishing one event (a child of the event's trace context); nothing when off."""
    if _tracer is None:
        return _NOTHING
    return _span(f"publish {subject}", SpanKind.PRODUCER, _parent(traceparent, tracestate), {
        "messaging.system": "nats", "messaging.operation.type": "send", "messaging.destination.name": subject,
        "messaging.message.id": event_id, "cloudevents.event_id": event_id, "sw.service": service,
    })


def consuming(projection: str, event: CloudEvent) -> contextlib.AbstractContextManager[Any]:
    """A projection's span around applying one event (a child of the event's trace context); nothing when off."""
    if _tracer is None:
        return _NOTHING
    tracestate = str(getattr(event, "tracestate", "") or "")
    return _span(f"process {event.type}", SpanKind.CONSUMER, _parent(event.traceparent, tracestate), {
        "messaging.system": "nats", "messaging.operation.type": "process", "messaging.consumer.group.name": projection,
        "messaging.message.id": event.id, "cloudevents.event_id": event.id, "cloudevents.event_type": event.type,
        "cloudevents.event_source": event.source, "cloudevents.event_subject": event.subject,
    })


@contextlib.contextmanager
def _span(name: str, kind: SpanKind, parent: Any, attributes: dict[str, Any]) -> Iterator[trace.Span]:
    assert _tracer is not None
    with _tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes,
                                       record_exception=False, set_status_on_exception=False) as span:
        try:
            yield span
        except BaseException as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise
