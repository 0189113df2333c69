"""The relay publishes the same bytes whether a payload is built directly or through pydantic's check and dump.

For every contract of every service, values of the contract's own types and values pydantic would convert, refuse
or fill in (a ``bool`` in an ``int`` field, a ``datetime`` for a ``date``, a tuple for a list, a missing field, a
non-finite float, text with a lone surrogate, ...): the document the relay encodes from ``shared.payloads.data`` is
byte for byte the one it encoded from ``contract.from_event(values)`` and pydantic's ``model_dump``, or both are
refused. And events recorded the ways the services record them give exactly the bytes the relay published for them
before the direct path (recorded then, below).
"""

from __future__ import annotations

import enum
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from benchmarks.widgets import PUBLISHED as WIDGETS
from shared import envelope, payloads
from shared.contracts import REGISTRY, Contract, _load_all, casework, stations, workforce
from shared.domain import Context

_load_all()
CONTRACTS = sorted({*REGISTRY.values(), *WIDGETS.values()}, key=lambda c: c.event_type())
CTX = Context(actor="a-1", role="system", organisation="county", correlation_id="c-1", traceparent="00-" + "1" * 32
              + "-" + "2" * 16 + "-01")
COMMON = {"notification_id": 7, "previous_id": 5, "aggregate_id": "agg-1", "aggregate_version": 3,
          "timestamp": datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=UTC), "county": "522701"}


class Kind(enum.StrEnum):
    """A ``str`` subclass, which pydantic turns into plain text."""

    ONE = "one"


def old_bytes(contract: type[Contract], values: dict[str, Any]) -> bytes | None:
    """What the relay published before: pydantic's check and dump inside the envelope (None: refused)."""
    try:
        return envelope.encode(envelope.build(service="svc", payload=contract.from_event(values), ctx=CTX, **COMMON))
    except Exception:
        return None


def new_bytes(contract: type[Contract], values: dict[str, Any]) -> bytes | None:
    """What the relay publishes now (None: refused)."""
    try:
        data = payloads.data(contract, values)
        return envelope.encode(envelope.document(service="svc", event_type=contract.event_type(), data=data, ctx=CTX,
                                                 **COMMON))
    except Exception:
        return None


TEXT = st.text(max_size=6) | st.sampled_from(["", "阳光社工", "\ud800", "a\x00b", "😀"])
PLAIN: dict[Any, st.SearchStrategy[Any]] = {
    str: TEXT, int: st.integers(min_value=-(2**70), max_value=2**70), bool: st.booleans(),
    float: st.floats(), date: st.dates(), UUID: st.uuids(),
}
OTHER: dict[Any, st.SearchStrategy[Any]] = {  # what pydantic converts or refuses
    str: st.sampled_from([Kind.ONE, 3, b"x", None]), int: st.sampled_from([True, 2.0, 2.5, "4", None]),
    bool: st.sampled_from([1, 0, "true", None]), float: st.integers() | st.sampled_from([True, "1.5", None]),
    date: st.sampled_from([datetime(2021, 1, 2, tzinfo=UTC), datetime(2021, 1, 2), "2021-01-02", None]),
    UUID: st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()) | st.sampled_from(
        [UUID(int=5).hex, "{" + str(UUID(int=5)) + "}", "urn:uuid:" + str(UUID(int=5)), " " + str(UUID(int=5))[1:],
         "x" * 36, 5, None]),
}


def values_of(annotation: Any, odd: bool) -> st.SearchStrategy[Any]:
    """Values for a field: of its own type, or (``odd``) now and then one pydantic converts or refuses."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in PLAIN:
        return PLAIN[annotation] | OTHER[annotation] if odd else PLAIN[annotation]
    if origin in (typing.Union, types.UnionType):
        return st.none() | st.one_of(*(values_of(a, odd) for a in args if a is not type(None)))
    if origin is list:
        items = st.lists(values_of(args[0], odd), max_size=3)
        return items | items.map(tuple) if odd else items
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return fields_of(annotation, odd)
    raise AssertionError(f"no values for {annotation!r}: teach this test the new field type")


def fields_of(model: type[BaseModel], odd: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A model's values; ``odd``: with fields missing and extra keys now and then."""
    whole = st.fixed_dictionaries({name: values_of(f.annotation, odd) for name, f in model.model_fields.items()})
    if not odd:
        return whole
    return st.tuples(whole, st.sets(st.sampled_from(list(model.model_fields) or ["_"]), max_size=1),
                     st.booleans()).map(lambda t: _mangled(*t))


def _mangled(values: dict[str, Any], missing: set[str], extra: bool) -> dict[str, Any]:
    kept = {k: v for k, v in values.items() if k not in missing}
    return {**kept, "personal_note": "not public"} if extra else kept


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(CONTRACTS).flatmap(lambda c: st.tuples(st.just(c), fields_of(c, odd=False))))
def test_values_of_the_contracts_types_publish_the_same_bytes(case: tuple[type[Contract], dict[str, Any]]) -> None:
    contract, values = case
    assert new_bytes(contract, values) == old_bytes(contract, values)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(CONTRACTS).flatmap(lambda c: st.tuples(st.just(c), fields_of(c, odd=True))))
def test_values_pydantic_converts_or_refuses_publish_the_same_bytes_or_are_refused_alike(
    case: tuple[type[Contract], dict[str, Any]],
) -> None:
    contract, values = case
    assert new_bytes(contract, values) == old_bytes(contract, values)


def test_every_contract_of_plain_fields_is_built_directly() -> None:
    direct = [c for c in CONTRACTS if payloads.plan(c) is not None]
    through_pydantic = {c.__name__ for c in CONTRACTS} - {c.__name__ for c in direct}
    assert through_pydantic == {"CheckpointSigned"}, "only a contract with constraints goes through pydantic"
    for contract in direct:  # and each yields the same bytes for typical values (hypothesis aside)
        values = {name: _typical(f.annotation) for name, f in contract.model_fields.items()}
        assert new_bytes(contract, values) == old_bytes(contract, values) is not None, contract


def _typical(annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return _typical(next(a for a in args if a is not type(None)))
    if origin is list:
        return [_typical(args[0]), _typical(args[0])]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: _typical(f.annotation) for name, f in annotation.model_fields.items()}
    return {str: "阳光", int: 42, bool: True, float: 0.25, date: date(2021, 3, 4), UUID: UUID(int=9)}[annotation]


# Events recorded the ways the services record them (nested parts, UUIDs as objects and as text, an integer in a
# float field, a context with and without trace context, none at all, a county's source, a non-UTC timestamp).
RECORDED_TRACE = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
RECORDED = [
    (stations.CountyPlanEstablished, {"county_code": "522701", "county_name": "都匀市", "period_start_year": 2021,
      "period_end_year": 2025, "batches": [{"batch": 1, "deadline": date(2021, 12, 31)}],
      "townships": [{"code": "T01", "name": "小围寨", "kind": "街道", "population": 9000,
                     "population_as_of": date(2020, 11, 1), "batch": 1,
                     "villages": [{"code": "V01", "name": "\"引号\" \\ 村", "kind": "社区", "extra": "dropped"}]}],
      "personal_note": "not public", "ctx": None},
     Context(actor="a-1", role="civil_affairs_admin", organisation="county", correlation_id="c-1",
             causation_id="x-9", traceparent=RECORDED_TRACE, tracestate="county=xx"), "522701",
     datetime(2026, 11, 30, 1, 2, 3, 456789, tzinfo=UTC)),
    (casework.SupervisionSessionHeld, {"supervisor_id": "s-1", "station_id": "807f4675-038f-56b1-a04d-34755f118a06",
      "held_on": date(2021, 5, 6), "hours": 2.5, "minimum_hours": 16, "below_minimum_hours": True},
     Context(actor="b", role="supervisor", traceparent=RECORDED_TRACE), "",
     datetime(2021, 5, 6, 8, 0, tzinfo=timezone(timedelta(hours=8)))),
    (workforce.OrganisationContractRecorded, {"contract_id": UUID(int=7), "station_ids": [UUID(int=8),
      "055551d7-4a48-50f2-b9fa-21a6045f55c5"], "source_seq": 41},
     None, "", datetime(2022, 1, 1, tzinfo=UTC)),
    (workforce.OrganisationContractRecorded, {"contract_id": "8B905A7C-688E-5BEC-BBA5-78C0DA2B2968",
      "station_ids": (), "source_seq": True},
     Context(actor="c", role="system", tracestate="no-parent"), "", datetime(2022, 1, 1, 0, 0, 0, 1, tzinfo=UTC)),
]

EXPECTED = [  # the bytes the relay published for RECORDED before payloads were built directly
    ('{"specversion":"1.0","id":"svc-7","source":"/sw/522701/svc","type":"sw.stations.county_plan.esta'
     'blished.v1","subject":"agg-1","time":"2026-11-30T01:02:03.456789Z","datacontenttype":"applicatio'
     'n/json","data":{"county_code":"522701","county_name":"都匀市","period_start_year":2021,"period_end_'
     'year":2025,"batches":[{"batch":1,"deadline":"2021-12-31"}],"townships":[{"code":"T01","name":"小围'
     '寨","kind":"街道","population":9000,"population_as_of":"2020-11-01","batch":1,"villages":[{"code":"'
     'V01","name":"\\"引号\\" \\\\ 村","kind":"社区"}]}]},"sequence":7,"prevsequence":5,"aggregateid":"agg-1","'
     'aggregateversion":3,"actor":"a-1","role":"civil_affairs_admin","organisation":"county","correlat'
     'ionid":"c-1","causationid":"x-9","traceparent":"00-11111111111111111111111111111111-222222222222'
     '2222-01","tracestate":"county=xx"}').encode(),
    (b'{"specversion":"1.0","id":"svc-7","source":"/sw/svc","type":"sw.casework.supervision_session.hel'
     b'd.v1","subject":"agg-1","time":"2021-05-06T00:00:00Z","datacontenttype":"application/json","data'
     b'":{"supervisor_id":"s-1","station_id":"807f4675-038f-56b1-a04d-34755f118a06","held_on":"2021-05-'
     b'06","hours":2.5,"minimum_hours":16.0,"below_minimum_hours":true},"sequence":7,"prevsequence":5,"'
     b'aggregateid":"agg-1","aggregateversion":3,"actor":"b","role":"supervisor","organisation":"","cor'
     b'relationid":"","causationid":"","traceparent":"00-11111111111111111111111111111111-2222222222222'
     b'222-01"}'),
    (b'{"specversion":"1.0","id":"svc-7","source":"/sw/svc","type":"sw.workforce.organisation.contract_'
     b'recorded.v1","subject":"agg-1","time":"2022-01-01T00:00:00Z","datacontenttype":"application/json'
     b'","data":{"contract_id":"00000000-0000-0000-0000-000000000007","station_ids":["00000000-0000-000'
     b'0-0000-000000000008","055551d7-4a48-50f2-b9fa-21a6045f55c5"],"source_seq":41},"sequence":7,"prev'
     b'sequence":5,"aggregateid":"agg-1","aggregateversion":3,"actor":"unknown","role":"unknown","organ'
     b'isation":"","correlationid":"","causationid":""}'),
    (b'{"specversion":"1.0","id":"svc-7","source":"/sw/svc","type":"sw.workforce.organisation.contract_'
     b'recorded.v1","subject":"agg-1","time":"2022-01-01T00:00:00.000001Z","datacontenttype":"applicati'
     b'on/json","data":{"contract_id":"8b905a7c-688e-5bec-bba5-78c0da2b2968","station_ids":[],"source_s'
     b'eq":1},"sequence":7,"prevsequence":5,"aggregateid":"agg-1","aggregateversion":3,"actor":"c","rol'
     b'e":"system","organisation":"","correlationid":"","causationid":""}'),
]


def test_recorded_events_are_published_as_the_same_bytes_as_before() -> None:
    for (contract, values, ctx, county, timestamp), expected in zip(RECORDED, EXPECTED, strict=True):
        data = payloads.data(contract, values)
        document = envelope.document(service="svc", event_type=contract.event_type(), data=data, notification_id=7,
                                     previous_id=5, aggregate_id="agg-1", aggregate_version=3, timestamp=timestamp,
                                     ctx=ctx, county=county)
        assert envelope.encode(document) == expected
