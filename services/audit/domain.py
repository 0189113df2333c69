"""The ledger's rules as pure functions: canonical form, hash chain, and completeness per source.

canonical  = RFC 8785 (JCS) bytes of the event document; every number is an IEEE 754 double (I-JSON)
leaf_hash  = SHA-256(0x00 || canonical)                   -- RFC 9162 leaf hash
chain_hash = SHA-256(previous chain_hash || leaf_hash), with 32 zero bytes before the first entry
complete   = for each source, every entry's ``prevsequence`` is the ``sequence`` of the source's entry
             before it (0 for its first), and its last ``sequence`` is at least the stream's last one
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
import rfc8785
from pydantic import TypeAdapter, ValidationError

GENESIS = bytes(32)
MAX_EXACT_INTEGER = 2**53 - 1
_TIME = TypeAdapter(datetime)


class NotCanonicalisable(ValueError):
    """A document with a value RFC 8785 cannot represent without changing it."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path or 'document'}: {why}")
        self.path = path
        self.why = why


# --- canonical form -------------------------------------------------------------------------

def canonical_form(document: Any) -> bytes:
    """RFC 8785 bytes of an I-JSON document; raises ``NotCanonicalisable`` rather than alter a value.

    A document of JSON types only, whose numbers are all integers within ±(2^53−1) and whose characters are all in
    the Basic Multilingual Plane, is written by orjson (compact, key-sorted): the same bytes as RFC 8785 (see
    ``proved_canonical``), some hundred times faster. Anything else goes the long way.
    """
    if _plain(document):
        try:
            body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        except (orjson.JSONEncodeError, RecursionError):  # a lone surrogate, too deep: the long way says why
            body = b""
        if body and (body.isascii() or not any(lead in body for lead in _ASTRAL)):  # ASCII: no 4-byte character
            return body
    return rfc8785.dumps(_as_doubles(document, ""))


def _plain(value: Any) -> bool:
    """True if the value holds only str-keyed dicts, lists, strings, booleans, None and integers within
    ±(2^53−1) (exact types: no subclass, no float, nothing orjson would write in a way of its own)."""
    kind = type(value)
    if kind is dict:
        if not all(type(key) is str for key in value):
            return False
        value = value.values()
    elif kind is list:
        pass
    else:
        return kind is str or value is None or kind is bool or (
            kind is int and -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER)
    for item in value:
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is int:
            if not -MAX_EXACT_INTEGER <= item <= MAX_EXACT_INTEGER:
                return False
        elif (kind is not dict and kind is not list) or not _plain(item):
            return False
    return True


def _as_doubles(value: Any, path: str) -> Any:
    """The document with every number as the IEEE 754 double JCS serialises; refuses what has none."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _integer(value, path)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotCanonicalisable(path, f"{value} is not a JSON number (I-JSON has no NaN or Infinity)")
        return value
    if isinstance(value, str):
        _unicode(value, path)
        return value
    if isinstance(value, list):
        return [_as_doubles(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise NotCanonicalisable(path, f"member name {key!r} is not a string")
            _unicode(key, path)
        return {key: _as_doubles(item, f"{path}.{key}" if path else key) for key, item in value.items()}
    raise NotCanonicalisable(path, f"{type(value).__name__} is not a JSON value")


def _integer(value: int, path: str) -> int | float:
    # JCS serialises numbers as doubles: a larger integer that is exactly a double (10000000000000000,
    # the canonical form of 1e16) is that double; one that is not would silently become another number.
    if -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER:
        return value
    try:
        double = float(value)
    except OverflowError:
        double = math.inf
    if double != value:
        raise NotCanonicalisable(path, f"integer {value} is not exactly an IEEE 754 double (I-JSON allows "
                                       f"±{MAX_EXACT_INTEGER}, or a larger value that is exactly a double)")
    return double


def _unicode(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotCanonicalisable(path, "string holds a lone surrogate (not Unicode text)") from exc


def parse_canonical(body: bytes) -> Any:
    """Parses stored bytes strictly: UTF-8, no duplicate member names, no NaN or Infinity."""
    return json.loads(body.decode("utf-8"), object_pairs_hook=_unique_members, parse_constant=_no_constant)


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("duplicate member name")
    return document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def canonical_problem(body: bytes) -> str:
    """Why stored bytes are not the RFC 8785 form of their own document (empty if they are)."""
    return "" if proved_canonical(body) else rfc8785_problem(body)


def rfc8785_problem(body: bytes) -> str:
    """``canonical_problem`` the long way: parsed strictly, written again by RFC 8785, compared byte for byte."""
    try:
        document = parse_canonical(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return f"the stored event is not I-JSON: {exc}"
    try:
        again = canonical_form(document)
    except (NotCanonicalisable, RecursionError) as exc:
        return f"the stored event is not in canonical (RFC 8785) form: {exc}"
    if again != body:
        at = next((i for i, (a, b) in enumerate(zip(again, body, strict=False)) if a != b), min(len(again), len(body)))
        return f"the stored event is not in canonical (RFC 8785) form: it differs from its canonical form at byte {at}"
    return ""


# The lead bytes of a 4-byte UTF-8 sequence (a character beyond U+FFFF, which RFC 8785 sorts by UTF-16 code units
# and orjson by code point): where orjson's compact, key-sorted output could differ from RFC 8785.
_ASTRAL = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")
_SORTED = orjson.OPT_SORT_KEYS
_SORTED_EXACT = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER  # refuses an integer beyond ±(2^53−1)


def proved_canonical(body: bytes) -> bool:
    """True if the bytes are certainly the RFC 8785 form of their own document, shown cheaply (False: unknown).

    For a document whose numbers are all integers within ±(2^53−1) and whose characters are all in the Basic
    Multilingual Plane, RFC 8785 and orjson's compact key-sorted output are the same bytes: the same escapes
    (quote, backslash, the five short control escapes, other controls as lower-case ``u00xx``, nothing else),
    members in code point order, integers in plain decimal. So bytes that orjson parses (strict UTF-8, no NaN)
    and writes back unchanged, with no such number or character, are canonical; duplicate member names cannot
    pass (the written form would lose one). Anything else goes the long way (``canonical_problem``).
    """
    return _proved_document(body) is not _UNPROVED


_UNPROVED = object()


def _proved_document(body: bytes) -> Any:
    """The document of bytes ``proved_canonical`` accepts, else ``_UNPROVED``."""
    a, b, c, d, e = _ASTRAL
    if a in body or b in body or c in body or d in body or e in body:
        return _UNPROVED
    try:
        document = orjson.loads(body)
        if orjson.dumps(document, option=_SORTED_EXACT) == body and not _has_float(document):
            return document
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, RecursionError):
        pass
    return _UNPROVED


def _has_float(value: Any) -> bool:
    """True if a document orjson parsed holds a float anywhere (its containers are dicts and lists, its member
    names strings: what ``_plain`` checks besides the numbers, which the strict integer option bounds)."""
    kind = type(value)
    if kind is float:
        return True
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return False
    for item in value:
        kind = type(item)
        if kind is float or ((kind is dict or kind is list) and _has_float(item)):
            return True
    return False


def _agrees(body: bytes, search: tuple | None) -> bool:
    """True if the body is proved canonical and the row's search columns (``Entry.search``) are its document's."""
    document = _proved_document(body)
    if document is _UNPROVED:
        return False
    if search is None:
        return True
    if type(document) is not dict:
        return False
    event_id, source, kind, subject, moment, sequence, prevsequence = search
    get = document.get
    in_subject = get("subject")
    return (get("id") == event_id and get("source") == source and get("type") == kind
            and (in_subject if in_subject is not None else "") == subject and get("time") == moment
            and type(get("sequence")) is int and get("sequence") == sequence
            and type(get("prevsequence")) is int and get("prevsequence") == prevsequence)


# --- hash chain -----------------------------------------------------------------------------

def leaf_hash(canonical_event: bytes) -> bytes:
    """RFC 9162 leaf hash of one canonical event."""
    return hashlib.sha256(b"\x00" + canonical_event).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    """The chain value committing to every entry up to this one."""
    return hashlib.sha256(previous + leaf).digest()


SEARCH_COLUMNS = ("event_id", "source", "type", "subject", "event_time", "sequence", "prevsequence")
_DOCUMENT_MEMBER = {"event_id": "id", "event_time": "time"}


class Entry(NamedTuple):
    """One stored ledger row, as the verifier sees it; ``columns`` are its search columns when they are to be
    checked here (None: not at hand, or already found to agree with the document by the database)."""

    position: int
    canonical: bytes
    leaf_hash: bytes
    chain_hash: bytes
    columns: Mapping[str, Any] | None = None
    search: tuple | None = None
    """The search columns as the database hands them to the verifier, in ``SEARCH_COLUMNS`` order, the time as
    UTC text the way events write it (``2022-03-01T08:00:00Z``, ``.ffffff`` only if not whole seconds)."""


@dataclass(frozen=True)
class ChainVerdict:
    """The outcome of verifying the chain."""

    ok: bool
    checked: int
    head: str
    first_bad_position: int | None = None
    reason: str = ""


def verify_chain(entries: Iterable[Entry], after: int = 0, previous: bytes = GENESIS) -> ChainVerdict:
    """Hashes the stored bytes in order; names the first entry that does not match or is not canonical.

    ``after`` and ``previous`` resume after a verified position and its chain hash (``checked`` counts from there).
    """
    checked, expected, sha, agrees = 0, after + 1, hashlib.sha256, _agrees
    for entry in entries:  # the usual entry in a tight loop; anything unusual is examined by _entry_problem
        position, body, leaf, chain, columns, search = entry
        if (position != expected or sha(b"\x00" + body).digest() != leaf or sha(previous + leaf).digest() != chain
                or columns is not None or not agrees(body, search)):
            problem = _entry_problem(entry, previous, expected)
            if problem:
                return ChainVerdict(False, checked, previous.hex(), position, problem)
        previous, checked, expected = chain, checked + 1, expected + 1
    return ChainVerdict(True, checked, previous.hex())


def entry_problem(entry: Entry, previous: bytes, expected_position: int) -> str:
    """Why one entry does not follow ``previous`` at ``expected_position`` (empty if it does)."""
    return _entry_problem(entry, previous, expected_position)


def _entry_problem(entry: Entry, previous: bytes, expected_position: int) -> str:
    if entry.position != expected_position:
        return f"position {entry.position} found where {expected_position} was expected (an entry is missing)"
    if leaf_hash(entry.canonical) != entry.leaf_hash:
        return "leaf hash does not match the stored event (the event was altered)"
    if chain_hash(previous, entry.leaf_hash) != entry.chain_hash:
        return "chain hash does not follow from the previous entry (the chain was altered)"
    return canonical_problem(entry.canonical) or _columns_problem(entry)


def _columns_problem(entry: Entry) -> str:
    """Why the row's search columns disagree with its own document (empty if they agree)."""
    columns = entry.columns if entry.columns is not None else _searched(entry.search)
    if columns is None:
        return ""
    document = json.loads(entry.canonical)  # already checked to be canonical I-JSON
    if not isinstance(document, dict):
        return "the stored event is not a JSON object"
    for column in SEARCH_COLUMNS:
        stored = columns.get(column)
        if not _same(column, document.get(_DOCUMENT_MEMBER.get(column, column)), stored):
            return f"column {column} ({stored!r}) does not match the stored event (the row was edited)"
    return ""


def _searched(search: tuple | None) -> dict[str, Any] | None:
    """``Entry.search`` as columns (the time as the instant its UTC text names, to the microsecond as stored)."""
    if search is None:
        return None
    columns = dict(zip(SEARCH_COLUMNS, search, strict=True))
    columns["event_time"] = datetime.fromisoformat(columns["event_time"].replace("Z", "+00:00"))
    return columns


def event_time(value: Any) -> datetime:
    """An event's ``time`` as the ledger stores it: parsed as the envelope parses it; no offset means UTC."""
    moment = _TIME.validate_python(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _same(column: str, in_document: Any, stored: Any) -> bool:
    if column == "event_time":
        try:
            return event_time(in_document) == stored
        except ValidationError:
            return False
    if column == "subject" and in_document is None:
        in_document = ""  # the CloudEvents subject is optional; an absent one is stored as ""
    if column in ("sequence", "prevsequence"):
        return type(in_document) is int and in_document == stored
    return isinstance(in_document, str) and in_document == stored


# --- completeness ---------------------------------------------------------------------------

class Link(NamedTuple):
    """One ledger entry's place in its source's sequence: it follows ``prevsequence`` (a tuple: one per entry)."""

    source: str
    sequence: int
    prevsequence: int


@dataclass(frozen=True)
class Gap:
    """Events of a source the ledger lacks: every sequence after ``missing_after`` and before
    ``missing_before`` (or up to and including ``stream_head``, when the stream is ahead of the ledger)."""

    source: str
    missing_after: int
    missing_before: int | None = None
    stream_head: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class SourceHead:
    """A source's last sequence in the ledger and on the stream (None when the stream did not answer)."""

    source: str
    ledger_head: int
    stream_head: int | None


@dataclass(frozen=True)
class Completeness:
    """Whether the ledger holds every event of every source the stream holds."""

    complete: bool
    sources: tuple[SourceHead, ...] = ()
    missing: tuple[Gap, ...] = ()
    reason: str = ""


def completeness(links: Iterable[Link], stream_heads: Mapping[str, int] | None,
                 stream_problem: str = "") -> Completeness:
    """Checks each source's prevsequence chain (links ordered by source, then sequence) against the stream."""
    heads: dict[str, int] = {}
    missing: list[Gap] = []
    for link in links:
        held = heads.get(link.source, 0)
        if link.prevsequence != held:
            missing.append(_break(link, held))
        heads[link.source] = link.sequence
    known = stream_heads or {}
    for source, stream_head in sorted(known.items()):
        if stream_head > heads.get(source, 0):
            missing.append(Gap(source, heads.get(source, 0), stream_head=stream_head,
                               detail=f"the stream holds up to {stream_head}"))
    sources = tuple(SourceHead(s, heads.get(s, 0), known.get(s, 0) if stream_heads is not None else None)
                    for s in sorted(heads.keys() | known.keys()))
    if stream_heads is None:
        reason = f"the stream's last sequences are unknown: {stream_problem or 'the stream did not answer'}"
        return Completeness(False, sources, tuple(missing), reason)
    reason = f"{len(missing)} gap(s) in the ledger" if missing else ""
    return Completeness(not missing, sources, tuple(missing), reason)


def _break(link: Link, held: int) -> Gap:
    if link.prevsequence > held:
        return Gap(link.source, held, link.sequence,
                   detail=f"entry {link.sequence} follows {link.prevsequence}, which the ledger lacks")
    return Gap(link.source, held, link.sequence,
               detail=f"entry {link.sequence} follows {link.prevsequence}, but {held} is held before it")


# --- the verdict ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """The whole answer: the chain holds (``ok``) and nothing is missing (``complete``)."""

    ok: bool
    complete: bool
    checked: int
    head: str
    first_bad_position: int | None = None
    reason: str = ""
    missing: tuple[Gap, ...] = ()
    sources: tuple[SourceHead, ...] = field(default=())
    completeness_reason: str = ""
    checkpoints_matched: int = 0
    resumed_after: int | None = None


def verdict(chain: ChainVerdict, whole: Completeness) -> Verdict:
    """Joins the chain's and the completeness check's outcomes."""
    return Verdict(chain.ok, whole.complete, chain.checked, chain.head, chain.first_bad_position, chain.reason,
                   whole.missing, whole.sources, whole.reason)
