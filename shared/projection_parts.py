"""Parts of every projection: its bookkeeping tables (the schema its tables follow, how far it applied each source)
and the check of a received event against the contracts we publish."""

from __future__ import annotations

from pydantic import ValidationError

from shared.contracts import contract_for
from shared.envelope import CloudEvent

PERMANENT = "permanent: "

SCHEMA_DDL = """
CREATE TABLE IF NOT EXISTS projection_schema (
    projection text PRIMARY KEY,
    fingerprint text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS projection_tracking (
    projection text NOT NULL,
    source text NOT NULL,
    last_sequence bigint NOT NULL,
    stream_sequence bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, source)
)
"""


def contract_problem(event: CloudEvent) -> str:
    """Why an event's type or payload is not one we publish (empty if it is)."""
    contract = contract_for(event.type)
    if contract is None:
        return f"{PERMANENT}unknown event type {event.type!r}"
    try:
        contract.model_validate(event.data)
    except ValidationError as exc:
        return f"{PERMANENT}payload does not match {event.type}: {first_error(exc)}"
    return ""


def first_error(exc: ValidationError) -> str:
    """The first validation error, with where it is."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "document"
    return f"{where}: {err.get('msg', 'invalid')}"

