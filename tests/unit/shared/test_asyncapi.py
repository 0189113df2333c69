"""Departments' systems get a description of every published event."""

from __future__ import annotations

import json

from shared.asyncapi import SPEC, json_schemas
from shared.contracts import REGISTRY, _load_all


def test_every_contract_has_a_channel_and_a_schema() -> None:
    _load_all()
    document = json.loads(SPEC.to_specification().to_json())
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {contract.subject() for contract in REGISTRY.values()}
    assert set(json_schemas()) == set(REGISTRY)


def test_a_schema_describes_the_envelope_and_the_payload() -> None:
    schema = json_schemas()["sw.stations.station.planned.v1"]
    assert {"id", "source", "type", "sequence", "prevsequence", "actor", "data"} <= set(schema["required"])
    payload = schema["$defs"]["StationPlanned"]["properties"]
    assert {"township_code", "batch", "deadline"} <= set(payload)


def test_no_workforce_schema_can_carry_an_id_number_or_phone() -> None:
    text = json.dumps({k: v for k, v in json_schemas().items() if k.startswith("sw.workforce.")})
    assert "national_id" not in text and "phone" not in text
