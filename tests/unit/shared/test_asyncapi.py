"""Departments' systems get a description of every published event."""

from __future__ import annotations

import json

import jsonschema_rs

from services.audit.published import PUBLISHED as AUDIT
from services.casework.published import PUBLISHED as CASEWORK
from services.stations.published import PUBLISHED as STATIONS
from services.workforce.published import PUBLISHED as WORKFORCE
from shared.asyncapi import SPEC, json_schemas


def test_every_published_event_has_a_channel_and_a_schema() -> None:
    published = {*STATIONS.values(), *WORKFORCE.values(), *AUDIT.values(), *CASEWORK.values()}
    document = json.loads(SPEC.to_specification().to_json())
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {contract.subject() for contract in published}
    assert set(json_schemas()) == {contract.event_type() for contract in published}


def test_a_schema_describes_the_envelope_and_the_payload() -> None:
    schema = json_schemas()["sw.stations.station.planned.v1"]
    assert {"id", "source", "type", "sequence", "prevsequence", "actor", "data"} <= set(schema["required"])
    payload = schema["$defs"]["StationPlanned"]["properties"]
    assert {"township_code", "batch", "deadline"} <= set(payload)


def test_the_envelope_declares_the_distributed_tracing_attributes_as_optional() -> None:
    schema = json_schemas()["sw.stations.station.planned.v1"]
    assert {"traceparent", "tracestate"} <= set(schema["properties"])
    assert not {"traceparent", "tracestate"} & set(schema["required"])
    validator = jsonschema_rs.validator_for(schema)
    document = {"specversion": "1.0", "id": "stations-1", "source": "/sw/stations", "type": "sw.stations.station."
                "planned.v1", "subject": "s", "time": "2021-05-01T00:00:00Z", "sequence": 1, "prevsequence": 0,
                "aggregateid": "s", "aggregateversion": 1, "actor": "a", "role": "civil_affairs_admin",
                "organisation": "", "correlationid": "c", "causationid": "",
                "data": {"county_code": "XX", "township_code": "T01", "township_name": "城关镇", "batch": 1,
                         "deadline": "2021-12-31", "minimum_staffing": 2}}
    assert validator.is_valid(document)
    assert validator.is_valid({**document, "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                               "tracestate": "county=xx"})
    assert not validator.is_valid({**document, "traceparent": "not a trace"})
    assert not validator.is_valid({**document, "tracestate": "x" * 513})


def _field_names(schema: object) -> set[str]:
    if isinstance(schema, dict):
        names = set(schema.get("properties", {})) if isinstance(schema.get("properties"), dict) else set()
        return names.union(*(_field_names(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_field_names(v) for v in schema))
    return set()


def test_no_published_event_has_a_field_for_an_id_number_or_phone() -> None:
    fields = _field_names(list(json_schemas().values()))
    assert "township_code" in fields
    assert not {f for f in fields if "national_id" in f or "id_number" in f or "phone" in f}
