"""The published events as AsyncAPI 3.0 and JSON Schema, for departments' systems.

``faststream docs gen shared.asyncapi:app`` writes the AsyncAPI document;
``python -m shared.asyncapi DIR`` writes it and one JSON Schema per event type into DIR.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

from faststream import FastStream
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import SkipJsonSchema

from shared.contracts import REGISTRY, Contract, _load_all

Traceparent = Annotated[str, Field(pattern=r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", max_length=55)]
Tracestate = Annotated[str, Field(pattern=r"^[\x20-\x7e]*$", max_length=512)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # an optional attribute is absent, never null


class EventEnvelope(BaseModel):
    """CloudEvents 1.0 structured JSON, with the project's extensions."""

    model_config = ConfigDict(extra="allow")

    specversion: str = Field("1.0", description="CloudEvents version")
    id: str = Field(description="unique per source: <service>-<sequence>; also the Nats-Msg-Id")
    source: str = Field(description="/sw/<service>")
    type: str = Field(description="sw.<service>.<aggregate>.<event>.v<version>")
    subject: str = Field(description="the aggregate's id")
    time: str = Field(description="when the fact happened, RFC 3339 UTC")
    datacontenttype: str = "application/json"
    sequence: int = Field(description="the source's notification id: increases, may skip numbers")
    prevsequence: int = Field(description="the sequence of this source's previous published event (0 if none)")
    aggregateid: str
    aggregateversion: int
    actor: str = Field(description="who did it")
    role: str = Field(description="in which role")
    organisation: str = Field(description="on whose behalf")
    correlationid: str
    causationid: str
    traceparent: Traceparent | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_no_default,
        description="CloudEvents distributed tracing: the W3C trace context of the command's request (absent when it "
                    "had none); also the message's `traceparent` header")
    tracestate: Tracestate | SkipJsonSchema[None] = Field(
        None, json_schema_extra=_no_default,
        description="CloudEvents distributed tracing: the W3C `tracestate` going with `traceparent`, if any; also "
                    "the message's `tracestate` header")


def envelope_of(contract: type[Contract]) -> type[BaseModel]:
    """The full message model of one event type: the envelope with its payload as ``data``."""
    name = f"{contract.__name__}Event"
    return create_model(name, __base__=EventEnvelope, __doc__=contract.__doc__ or name, data=(contract, ...))


def contracts() -> list[type[Contract]]:
    """Every contract the services publish (those in ``shared.contracts``), sorted by type."""
    _load_all()
    return [REGISTRY[key] for key in sorted(REGISTRY) if REGISTRY[key].__module__.startswith("shared.contracts.")]


def build_broker() -> NatsBroker:
    """A broker that only describes the published subjects (it is never connected here)."""
    broker = NatsBroker()
    for contract in contracts():
        broker.publisher(
            contract.subject(), title=contract.event_type(),
            description=(contract.__doc__ or "").strip(), schema=envelope_of(contract),
        )
    return broker


SPEC = AsyncAPI(
    build_broker(), title="County social work programme — published events", version="1.0.0",
    description="Every fact the services record, as CloudEvents on NATS JetStream subjects sw.<service>.>. "
    "Stream: <PREFIX>_EVENTS; dead letters on sw.dlq.<consumer>. Message headers: Nats-Msg-Id (the event's id), "
    "and traceparent/tracestate (the W3C trace context, as in the event) when the command had one.",
)
app = FastStream(specification=SPEC)


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema of each event type's full message."""
    return {c.event_type(): envelope_of(c).model_json_schema() for c in contracts()}


def main(argv: list[str]) -> int:
    """Writes asyncapi.json and schemas/<type>.json into the given folder."""
    out = Path(argv[1] if len(argv) > 1 else "build/contracts")
    (out / "schemas").mkdir(parents=True, exist_ok=True)
    (out / "asyncapi.json").write_text(SPEC.to_specification().to_json())
    for event_type, schema in json_schemas().items():
        (out / "schemas" / f"{event_type}.json").write_text(json.dumps(schema, ensure_ascii=False, indent=2))
    print(f"wrote {out / 'asyncapi.json'} and {len(json_schemas())} schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
