"""CloudEvents documents and the ledger's hash chain, without servers."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from services.audit.domain import GENESIS, Entry, chain_hash, leaf_hash, verify_chain
from shared import envelope
from shared.contracts import Contract, contract, contract_for
from shared.domain import Context


@contract("unittests", "parcel", "sent")
class ParcelSent(Contract):
    weight_grams: int


def _document(seq: int = 7) -> dict:
    return envelope.build(
        service="unittests", payload=ParcelSent(weight_grams=3), notification_id=seq, previous_id=seq - 2,
        aggregate_id="abc", aggregate_version=2, timestamp=datetime(2022, 1, 1, 8, tzinfo=UTC),
        ctx=Context(actor="u9", role="township", organisation="T01", correlation_id="c-1"),
    )


def test_a_published_event_is_a_cloudevents_document_with_our_extensions() -> None:
    doc = _document()
    assert doc["specversion"] == "1.0" and doc["id"] == "unittests-7" and doc["source"] == "/sw/unittests"
    assert doc["type"] == "sw.unittests.parcel.sent.v1" and doc["time"] == "2022-01-01T08:00:00Z"
    assert doc["data"] == {"weight_grams": 3}
    assert (doc["sequence"], doc["prevsequence"], doc["aggregateversion"]) == (7, 5, 2)
    assert (doc["actor"], doc["role"], doc["organisation"], doc["correlationid"]) == ("u9", "township", "T01", "c-1")
    parsed = envelope.CloudEvent.parse(envelope.encode(doc))
    assert parsed.document == doc and parsed.sequence == 7


def test_undeclared_fields_never_reach_the_payload() -> None:
    payload = ParcelSent.from_event({"weight_grams": 3, "id_number": "110101199003070000", "ctx": None})
    assert payload.model_dump() == {"weight_grams": 3}


def test_contracts_are_found_by_type() -> None:
    assert contract_for("sw.unittests.parcel.sent.v1") is ParcelSent
    assert contract_for("sw.unittests.parcel.lost.v1") is None
    assert ParcelSent.subject("swx") == "swx.unittests.parcel.sent"


def test_leaf_and_chain_hashes_follow_rfc_9162_and_8785() -> None:
    doc = {"b": 1, "a": "站"}
    body = envelope.canonical(doc)
    assert body == '{"a":"站","b":1}'.encode()
    assert leaf_hash(body) == hashlib.sha256(b"\x00" + body).digest()
    assert chain_hash(GENESIS, leaf_hash(body)) == hashlib.sha256(bytes(32) + leaf_hash(body)).digest()


def _chain(docs: list[dict]) -> list[Entry]:
    entries, previous = [], GENESIS
    for i, doc in enumerate(docs, start=1):
        body = envelope.canonical(doc)
        previous = chain_hash(previous, leaf_hash(body))
        entries.append(Entry(i, body, leaf_hash(body), previous))
    return entries


def test_verify_accepts_an_intact_chain_and_names_the_first_altered_entry() -> None:
    entries = _chain([_document(i) for i in range(1, 6)])
    assert verify_chain(entries).ok
    altered = json.loads(entries[2].canonical)
    altered["data"]["weight_grams"] = 4
    body = envelope.canonical(altered)
    tampered = [*entries[:2], Entry(3, body, entries[2].leaf_hash, entries[2].chain_hash), *entries[3:]]
    verdict = verify_chain(tampered)
    assert (verdict.ok, verdict.first_bad_position, verdict.checked) == (False, 3, 2)


def test_verify_names_an_entry_whose_hashes_were_recomputed_but_not_its_successors() -> None:
    entries = _chain([_document(i) for i in range(1, 4)])
    body = envelope.canonical({"forged": True})
    forged = Entry(2, body, leaf_hash(body), chain_hash(entries[0].chain_hash, leaf_hash(body)))
    verdict = verify_chain([entries[0], forged, entries[2]])
    assert verdict.first_bad_position == 3 and "chain" in verdict.reason
