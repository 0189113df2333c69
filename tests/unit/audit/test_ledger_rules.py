"""The ledger's rules without servers: canonical form of I-JSON, the hash chain, completeness per source."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.audit.domain import (
    GENESIS,
    Entry,
    Gap,
    Link,
    NotCanonicalisable,
    canonical_form,
    canonical_problem,
    chain_hash,
    completeness,
    event_time,
    leaf_hash,
    verdict,
    verify_chain,
)

TIME = datetime(2022, 1, 1, 8, tzinfo=UTC)


def _document(seq: int, prev: int, source: str = "/sw/stations", **data: object) -> dict:
    service = source.rsplit("/", 1)[1]
    return {"specversion": "1.0", "id": f"{service}-{seq}", "source": source, "type": f"sw.{service}.thing.done.v1",
            "subject": "s-1", "time": "2022-01-01T08:00:00Z", "data": data, "sequence": seq, "prevsequence": prev}


def _columns(document: dict) -> dict:
    return {"event_id": document["id"], "source": document["source"], "type": document["type"],
            "subject": document["subject"], "event_time": TIME, "sequence": document["sequence"],
            "prevsequence": document["prevsequence"]}


def _chain(bodies: list[bytes], columns: list[dict | None] | None = None) -> list[Entry]:
    entries, previous = [], GENESIS
    for i, body in enumerate(bodies, start=1):
        previous = chain_hash(previous, leaf_hash(body))
        entries.append(Entry(i, body, leaf_hash(body), previous, columns[i - 1] if columns else None))
    return entries


# --- canonical form ---------------------------------------------------------------------------

def test_a_large_double_has_the_ecmascript_form_and_reads_back_to_the_same_bytes() -> None:
    body = canonical_form({"office_area_m2": 1e16})
    assert body == b'{"office_area_m2":10000000000000000}'
    assert canonical_problem(body) == ""


def test_an_integer_beyond_2_53_that_is_exactly_a_double_is_that_double() -> None:
    assert canonical_form({"n": 2**53 + 2}) == b'{"n":9007199254740994}'
    assert canonical_form({"n": 10**21}) == b'{"n":1e+21}'


@pytest.mark.parametrize(("document", "path"), [
    ({"data": {"gross_fen": 9007199254740993}}, "data.gross_fen"),
    ({"data": {"office_area_m2": float("inf")}}, "data.office_area_m2"),
    ({"data": {"xs": [1, float("nan")]}}, "data.xs[1]"),
    ({"data": {"n": 10**400}}, "data.n"),
    ({"data": {"name": "\ud800"}}, "data.name"),
])
def test_a_value_jcs_cannot_represent_is_refused_by_name_never_altered(document: dict, path: str) -> None:
    with pytest.raises(NotCanonicalisable) as refused:
        canonical_form(document)
    assert refused.value.path == path and path in str(refused.value)


@pytest.mark.parametrize(("body", "says"), [
    (b'{"b":1,"a":2}', "differs from its canonical form at byte 2"),
    (b'{"a": 1}', "at byte 5"),
    (b'{"n":9007199254740993}', "9007199254740993 is not exactly an IEEE 754 double"),
    (b'{"n":NaN}', "not I-JSON"),
    (b'{"n":1e400}', "not a JSON number"),
    (b'{"a":1,"a":1}', "duplicate member name"),
    (b'{"a":"\xff"}', "not I-JSON"),
    (b"[1", "not I-JSON"),
])
def test_bytes_that_are_not_canonical_are_named_without_raising(body: bytes, says: str) -> None:
    assert says in canonical_problem(body)


# --- the chain --------------------------------------------------------------------------------

def test_the_verifier_accepts_every_document_the_ledger_accepted() -> None:
    docs = [_document(1, 0, office_area_m2=1e16), _document(2, 1, gross_fen=2**53 + 2),
            _document(3, 2, population=9007199254740991, name="新设乡")]
    entries = _chain([canonical_form(d) for d in docs], [_columns(d) for d in docs])
    result = verify_chain(entries)
    assert (result.ok, result.checked, result.head) == (True, 3, entries[-1].chain_hash.hex())


def test_an_integer_above_2_53_stored_by_an_older_version_gets_a_verdict_naming_it() -> None:
    good = canonical_form(_document(1, 0))
    legacy = json.dumps(_document(2, 1), sort_keys=True, separators=(",", ":")).encode().replace(
        b'"data":{}', b'"data":{"gross_fen":9007199254740993}')
    result = verify_chain(_chain([good, legacy, canonical_form(_document(3, 2))]))
    assert (result.ok, result.first_bad_position, result.checked) == (False, 2, 1)
    assert "data.gross_fen" in result.reason and "not in canonical" in result.reason


@pytest.mark.parametrize(("column", "value"), [
    ("subject", "s-2"), ("event_time", datetime(2022, 1, 1, 9, tzinfo=UTC)), ("event_id", "stations-9"),
    ("source", "/sw/workforce"), ("type", "sw.x.v1"), ("sequence", 7), ("prevsequence", 5),
])
def test_a_search_column_that_disagrees_with_the_document_is_named(column: str, value: object) -> None:
    docs = [_document(1, 0), _document(2, 1), _document(3, 2)]
    columns = [_columns(d) for d in docs]
    columns[1] = {**columns[1], column: value}
    result = verify_chain(_chain([canonical_form(d) for d in docs], columns))
    assert (result.ok, result.first_bad_position) == (False, 2)
    assert f"column {column}" in result.reason


def test_a_time_without_offset_is_read_as_utc_by_the_ledger_and_the_verifier() -> None:
    doc = {**_document(1, 0), "time": "2022-01-01T08:00:00"}
    assert verify_chain(_chain([canonical_form(doc)], [_columns(doc)])).ok
    assert event_time("2022-01-01T16:00:00+08:00") == TIME


def test_a_missing_subject_is_stored_as_empty() -> None:
    doc = _document(1, 0)
    del doc["subject"]
    assert verify_chain(_chain([canonical_form(doc)], [{**_columns({**doc, "subject": ""})}])).ok


# --- completeness -----------------------------------------------------------------------------

def _links(source: str, *pairs: tuple[int, int]) -> list[Link]:
    return [Link(source, seq, prev) for seq, prev in pairs]


def test_sequences_with_holes_of_unpublished_records_are_complete_when_each_follows_the_last() -> None:
    links = _links("/sw/stations", (1, 0), (4, 1), (5, 4)) + _links("/sw/workforce", (2, 0), (3, 2))
    result = completeness(links, {"/sw/stations": 5, "/sw/workforce": 3})
    assert result.complete and result.missing == ()
    assert [(s.source, s.ledger_head, s.stream_head) for s in result.sources] == [
        ("/sw/stations", 5, 5), ("/sw/workforce", 3, 3)]


def test_a_missing_middle_event_is_named_with_its_range() -> None:
    links = _links("/sw/stations", (1, 0), (17, 1), (23, 20)) + _links("/sw/workforce", (1, 0))
    result = completeness(links, {"/sw/stations": 23, "/sw/workforce": 1})
    assert not result.complete
    assert [(g.source, g.missing_after, g.missing_before) for g in result.missing] == [("/sw/stations", 17, 23)]
    assert "20" in result.missing[0].detail


def test_an_entry_following_an_earlier_sequence_than_the_one_held_is_named() -> None:
    result = completeness(_links("/sw/stations", (1, 0), (2, 1), (3, 1)), {"/sw/stations": 3})
    assert not result.complete
    assert [(g.missing_after, g.missing_before) for g in result.missing] == [(2, 3)]
    assert "2 is held before it" in result.missing[0].detail


def test_a_missing_first_event_is_a_gap_after_zero() -> None:
    result = completeness(_links("/sw/stations", (3, 2)), {"/sw/stations": 3})
    assert result.missing == (Gap("/sw/stations", 0, 3, detail=result.missing[0].detail),)


def test_the_stream_ahead_of_the_ledger_is_incomplete_and_a_source_absent_from_the_ledger_counts() -> None:
    result = completeness(_links("/sw/stations", (1, 0), (2, 1)), {"/sw/stations": 9, "/sw/workforce": 4})
    assert not result.complete
    assert [(g.source, g.missing_after, g.missing_before, g.stream_head) for g in result.missing] == [
        ("/sw/stations", 2, None, 9), ("/sw/workforce", 0, None, 4)]


def test_a_ledger_ahead_of_the_heads_read_before_it_is_complete() -> None:
    assert completeness(_links("/sw/stations", (1, 0), (2, 1)), {"/sw/stations": 1}).complete


def test_without_the_stream_completeness_is_not_claimed_but_gaps_are_still_named() -> None:
    result = completeness(_links("/sw/stations", (1, 0), (3, 2)), None, "timeout")
    assert not result.complete and "timeout" in result.reason
    assert [(g.missing_after, g.missing_before) for g in result.missing] == [(1, 3)]
    assert result.sources[0].stream_head is None


def test_the_verdict_joins_the_chain_and_completeness() -> None:
    docs = [_document(1, 0), _document(2, 1)]
    chain = verify_chain(_chain([canonical_form(d) for d in docs], [_columns(d) for d in docs]))
    whole = verdict(chain, completeness(_links("/sw/stations", (1, 0), (2, 1)), {"/sw/stations": 3}))
    assert whole.ok and not whole.complete and whole.checked == 2
    assert whole.missing[0].stream_head == 3
