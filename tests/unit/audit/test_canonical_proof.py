"""The cheap proof that stored bytes are canonical never accepts what RFC 8785 refuses, and proves what events are."""

from __future__ import annotations

import contextlib
import json

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit.domain import NotCanonicalisable, _as_doubles, canonical_form, proved_canonical, rfc8785_problem

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**64), max_value=2**64)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)


def _writings(document: object) -> list[bytes]:
    """The document written the ways a careless writer might: each is canonical or not, by RFC 8785."""
    out = [orjson.dumps(document, option=orjson.OPT_SORT_KEYS) if _orjson_can(document) else b"",
           json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8", "replace"),
           json.dumps(document, separators=(",", ":"), sort_keys=True).encode(),
           json.dumps(document, ensure_ascii=False).encode("utf-8", "replace")]
    with contextlib.suppress(rfc8785.CanonicalizationError, ValueError):
        out.append(rfc8785.dumps(document))
    return [b for b in out if b]


def _orjson_can(document: object) -> bool:
    try:
        orjson.dumps(document)
    except orjson.JSONEncodeError:
        return False
    return True


@settings(max_examples=600, deadline=None)
@given(VALUES)
def test_whatever_is_proved_canonical_is_canonical_by_rfc8785(document: object) -> None:
    for body in _writings(document):
        if proved_canonical(body):
            assert rfc8785_problem(body) == "", body


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=8),
                       st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1) | st.text(
                           alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))) | st.none(),
                       max_size=6))
def test_a_canonical_document_of_integers_and_bmp_text_is_proved_the_cheap_way(document: dict) -> None:
    assert proved_canonical(canonical_form(document))


def test_tricky_bytes_are_left_to_rfc8785() -> None:
    for body in (b'{"a":1,"a":1}', b'{"b":1,"a":2}', b'{"a":2.0}', b'{"a":1e21}', b'{"a":9007199254740993}',
                 b'{"a":"\\u00E9"}', b'{"a":"\\/"}', b'{ "a":1}', b'{"\xf0\x9f\x98\x80":1,"\xef\xbc\xa1":2}',
                 b'{"a":"\xff"}', b'{"a":NaN}', b'{"a":-0}', b'{"a":[{"b":[1,0.5]}]}', b'[[[1.5]]]', b'2.5',
                 b'{"a":-9007199254740992}', b'{"a":9007199254740992}'):
        assert not proved_canonical(body), body
    for body in (b'{"a":9007199254740991}', b'{"a":[-9007199254740991,{"b":[0,"1.5"]}]}', b'[]', b'"x"', b'7'):
        assert proved_canonical(body), body
    # beyond U+FFFF the orders differ: RFC 8785 puts U+1F600 (D83D DE00 in UTF-16) before U+FF21, orjson after
    assert rfc8785_problem(b'{"\xf0\x9f\x98\x80":1,"\xef\xbc\xa1":2}') == ""
    assert rfc8785_problem(b'{"\xef\xbc\xa1":2,"\xf0\x9f\x98\x80":1}') != ""
    assert not proved_canonical(b'{"\xef\xbc\xa1":2,"\xf0\x9f\x98\x80":1}')


@settings(max_examples=800, deadline=None)
@given(VALUES)
def test_the_quick_canonical_form_is_rfc8785_or_refuses_the_same(document: object) -> None:
    try:
        expected = rfc8785.dumps(_as_doubles(document, ""))
    except NotCanonicalisable:
        with pytest.raises(NotCanonicalisable):
            canonical_form(document)
        return
    assert canonical_form(document) == expected


def test_the_quick_canonical_form_leaves_tricky_documents_to_rfc8785() -> None:
    for document in ({"\U0001f600": 1, "\uff21": 2}, {"a": 1.0}, {"a": 2**53}, {"a": "\ud800"}, {"a": [1e21]},
                     {"a": "\x00\x1f\x7f\u2028/\\\""}, {"é": {"b": [None, True, -0]}}):
        try:
            expected = rfc8785.dumps(_as_doubles(document, ""))
        except NotCanonicalisable:
            with pytest.raises(NotCanonicalisable):
                canonical_form(document)
            continue
        assert canonical_form(document) == expected, document
