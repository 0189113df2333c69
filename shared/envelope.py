"""The one wire format: CloudEvents 1.0 structured JSON, on ``<prefix>.<service>.<aggregate>.<event>``.

Extensions carry what auditors and consumers need: the source's notification id
(``sequence``) and the previous one it published (``prevsequence``, so a consumer
tells a redelivery from a message that overtook another), the aggregate's id and
version, the command context (actor, role, organisation, correlation, causation), and the W3C trace context of
the command's request (``traceparent``, ``tracestate``: the CloudEvents distributed tracing extension).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import rfc8785
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from shared.contracts import Contract
from shared.domain import Context

SPEC_VERSION = "1.0"
_UNKNOWN = Context(actor="unknown", role="unknown")


class CloudEvent(BaseModel):
    """A received event document, checked before anything is applied."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = Field(pattern=r"^1\.0$")
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str = ""
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    sequence: int = Field(ge=1)
    prevsequence: int = Field(ge=0)
    aggregateid: str = ""
    aggregateversion: int = 0
    actor: str = ""
    role: str = ""
    organisation: str = ""
    correlationid: str = ""
    causationid: str = ""
    traceparent: str = ""
    tracestate: str = ""
    _document: dict[str, Any] = PrivateAttr(default_factory=dict)
    _stream_sequence: int | None = PrivateAttr(default=None)

    @classmethod
    def parse(cls, body: bytes) -> CloudEvent:
        """Checks a received document; keeps it exactly as received for hashing."""
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:  # what only json accepts (NaN, big integers, UTF-16) or refuses the same
            document = json.loads(body)
        event = cls.model_validate(document)
        event.__pydantic_private__["_document"] = document  # (pydantic's own attribute lookup is slow)
        return event

    @property
    def document(self) -> dict[str, Any]:
        """The JSON document as received."""
        return self.__pydantic_private__["_document"]

    @property
    def stream_sequence(self) -> int | None:
        """Where the stream held this message, when it was received from the stream."""
        return self.__pydantic_private__["_stream_sequence"]

    def received_at(self, stream_sequence: int) -> CloudEvent:
        """Notes the stream position the message was received at; returns the event."""
        self.__pydantic_private__["_stream_sequence"] = stream_sequence
        return self


def source_of(service: str, county: str = "") -> str:
    """The CloudEvents ``source`` of a service: ``/sw/<county>/<service>`` in a province, ``/sw/<service>`` in a
    deployment whose subject prefix names no county (every event written before counties entered the event space)."""
    return f"/sw/{county}/{service}" if county else f"/sw/{service}"


def service_of(source: str) -> str:
    """The service a ``source`` names, in either form (``/sw/<service>`` or ``/sw/<county>/<service>``); else ""."""
    parts = source.split("/")
    return parts[-1] if parts[:2] == ["", "sw"] and len(parts) in (3, 4) and all(parts[2:]) else ""


def event_id(service: str, notification_id: int) -> str:
    """Stable id of a published event: source plus notification id (also the ``Nats-Msg-Id``)."""
    return f"{service}-{notification_id}"


def build(*, payload: Contract, **fields: Any) -> dict[str, Any]:
    """The CloudEvents document of one stored domain event from its contract payload: ``document`` with the
    payload's type and its data as pydantic writes it (``fields``: the rest of ``document``'s arguments)."""
    return document(event_type=payload.event_type(), data=payload.model_dump(mode="json"), **fields)


def document(
    *,
    service: str,
    event_type: str,
    data: dict[str, Any],
    notification_id: int,
    previous_id: int,
    aggregate_id: str,
    aggregate_version: int,
    timestamp: datetime,
    ctx: Context | None,
    county: str = "",
) -> dict[str, Any]:
    """The same document from the payload's CloudEvents type and JSON data (``shared.payloads.data``)."""
    ctx = ctx or _UNKNOWN
    built = {
        "specversion": SPEC_VERSION,
        "id": event_id(service, notification_id),
        "source": source_of(service, county),
        "type": event_type,
        "subject": aggregate_id,
        "time": timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": data,
        "sequence": notification_id,
        "prevsequence": previous_id,
        "aggregateid": aggregate_id,
        "aggregateversion": aggregate_version,
        "actor": ctx.actor,
        "role": ctx.role,
        "organisation": ctx.organisation,
        "correlationid": ctx.correlation_id,
        "causationid": ctx.causation_id,
    }
    if ctx.traceparent:  # CloudEvents distributed tracing extension: the W3C trace context of the command's request
        built["traceparent"] = ctx.traceparent
        if ctx.tracestate:
            built["tracestate"] = ctx.tracestate
    return built


def encode(document: dict[str, Any]) -> bytes:
    """Wire bytes of a document (compact UTF-8 JSON; orjson, else the standard library for what orjson refuses)."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def canonical(document: dict[str, Any]) -> bytes:
    """RFC 8785 (JCS) canonical form, the input of the ledger's leaf hash."""
    return rfc8785.dumps(document)
