"""Erasure over HTTP on the real servers: afterwards no query, stored event row or published message yields the
person's name or id number, while the facts of service remain; personal data is refused to roles and scopes that do
not need it, and every allowed read is in the access log."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import httpx
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from shared import stream
from shared.store import connect, dev_cipher_key, service_url
from tests.kit.ids import national_id
from tests.kit.infra import documents, read_subject
from tests.kit.system import System
from tests.kit.waiting import eventually

STATION = str(uuid5(NAMESPACE_URL, "urn:e2e:casework:erasure-station"))
NAME, GUARDIAN = "刘小燕", "刘爷爷"
ID_NUMBER = national_id(41, born="20160506")


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def child() -> dict[str, Any]:
    return {
        "station_id": STATION, "township_code": "T03", "village_code": "V31", "household_size": 2,
        "target_groups": ["unsupported_child"], "registered_on": "2022-04-01",
        "personal": {"name": NAME, "national_id_number": ID_NUMBER, "birth_date": "2016-05-06",
                     "address": "三村五组", "guardian": {"name": GUARDIAN, "relation": "grandfather",
                                                      "consented_on": "2022-03-30"}},
    }


def stored_rows(system: System) -> list[bytes]:
    """Every stored event of the casework service, decrypted with the store's own key (what a backup would give)."""
    settings = system.settings
    cipher = AESCipher(Environment(env={"CIPHER_KEY": settings.cipher_key or dev_cipher_key(settings)}))
    with connect(service_url(settings, "casework")) as conn:
        rows = conn.execute("SELECT state FROM casework_events").fetchall()
    return [cipher.decrypt(bytes(r["state"])) for r in rows]


async def published(system: System) -> list[dict[str, Any]]:
    nc = await stream.connect(system.settings, "e2e-casework-erasure")
    try:
        return documents(await read_subject(nc.jetstream(), system.settings,
                                            f"{system.settings.subject_prefix}.casework.>"))
    finally:
        await nc.close()


def test_erasure_leaves_no_name_or_id_number_anywhere_and_keeps_the_facts(system: System) -> None:
    admin = system.client("casework")
    auditor = system.client("casework", role="auditor")
    finance = system.client("casework", role="finance")
    stranger = system.client("casework", role="social_worker", subject=str(uuid5(NAMESPACE_URL, "urn:e2e:nobody")))

    created = admin.post("/v1/beneficiaries", json=child())
    body = ok(created, 201)
    bid = body["id"]
    assert created.headers["Location"] == f"/v1/beneficiaries/{bid}" and created.headers["ETag"] == '"1"'
    assert NAME not in created.text and ID_NUMBER not in created.text

    # Personal data: the bureau reads it with a purpose; finance and a worker of no station are refused.
    data = ok(admin.get(f"/v1/beneficiaries/{bid}/personal-data", params={"purpose": "allowance check"}))
    assert (data["name"], data["national_id_number"], data["guardian"]["name"]) == (NAME, ID_NUMBER, GUARDIAN)
    for refused in (finance, stranger):
        assert refused.get(f"/v1/beneficiaries/{bid}/personal-data", params={"purpose": "x" * 5}).status_code == 403
    log = ok(auditor.get("/v1/personal-data-reads", params={"beneficiary_id": bid}))["items"]
    assert [(e["actor"], e["role"], e["purpose"]) for e in log] == [
        ("e2e-civil_affairs_admin", "civil_affairs_admin", "allowance check")]
    assert finance.get("/v1/personal-data-reads").status_code == 403

    # Before erasure the store holds the person only sealed, and the stream carries no personal data.
    eventually(lambda: any(d["subject"] == bid for d in asyncio.run(published(system))))
    assert not any(NAME.encode() in row or ID_NUMBER.encode() in row for row in stored_rows(system))

    # The same child registered again in another village: flagged as a likely duplicate, merged into the first.
    twin = ok(admin.post("/v1/beneficiaries", json={**child(), "village_code": "V32"}), 201)
    assert twin["possible_duplicates"] == [{"beneficiary_id": bid, "reason": "same_id_number"}]
    merged = ok(admin.post(f"/v1/beneficiaries/{twin['id']}/merge", json={
        "into": bid, "merged_on": "2022-04-02", "reason": "同一人重复登记"}))
    assert merged["merged_into"] == bid

    def counts() -> dict[str, Any]:
        return ok(admin.get("/v1/casework-statistics", params={"station_id": STATION}))

    before = eventually(lambda: counts()["merged"] == 1 and counts())
    assert (before["beneficiaries"], before["erased"], before["by_target_group"]) == (1, 0, {"unsupported_child": 1})

    erased = ok(admin.post(f"/v1/beneficiaries/{bid}/erasure", json={"erased_on": "2023-02-01",
                                                                     "reason": "the guardian asked"}))
    assert erased["erased_on"] == "2023-02-01" and erased["target_groups"] == ["unsupported_child"]

    # Afterwards: the read is refused, the key is gone, and nothing anywhere yields the name or the id number.
    gone = admin.get(f"/v1/beneficiaries/{bid}/personal-data", params={"purpose": "after erasure"})
    assert gone.status_code == 409 and gone.json()["type"] == "urn:sw:problem:casework.beneficiary.erased"
    with connect(service_url(system.settings, "casework")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM beneficiary_keys WHERE beneficiary_id = ANY(%s)",
                            ([bid, twin["id"]],)).fetchone()["n"] == 0, "the merged record's key went too"
    facts = admin.get(f"/v1/beneficiaries/{bid}")
    assert facts.status_code == 200 and facts.json()["registered_on"] == "2022-04-01"
    messages = eventually(lambda: [d for d in asyncio.run(published(system)) if d["subject"] == bid][2:] or None)
    assert [m["type"] for m in messages] == ["sw.casework.beneficiary.erased.v1"]
    every_message = repr(asyncio.run(published(system)))
    after = eventually(lambda: counts()["erased"] == 1 and counts())
    assert after | {"erased": 0} == before, "the counts remain"
    listed = admin.get("/v1/beneficiaries", params={"station_id": STATION})
    assert {b["beneficiary_id"] for b in listed.json()["items"]} == {bid, twin["id"]}
    # The audit ledger holds the person's events — the erasure among them — and still verifies.
    ledger = system.client("audit", role="auditor")

    def entries() -> list[dict[str, Any]]:
        page = ledger.get("/v1/ledger", params={"type_prefix": "sw.casework.beneficiary.", "limit": 1000})
        return [e for e in page.json()["items"] if e["subject"] == bid]

    in_ledger = eventually(lambda: len(entries()) == 3 and entries())
    assert [e["type"] for e in in_ledger][-1] == "sw.casework.beneficiary.erased.v1"
    verdict = eventually(lambda: (v := ledger.get("/v1/ledger/verify").json())["complete"] and v)
    assert verdict["ok"] is True
    whole_ledger = ledger.get("/v1/ledger", params={"type_prefix": "sw.casework.", "limit": 1000}).text
    service_log = (system.logs / "casework.log").read_text(errors="replace")
    for secret in (NAME, ID_NUMBER, GUARDIAN):
        assert secret not in facts.text and secret not in every_message and secret not in listed.text
        assert secret not in whole_ledger and secret not in service_log
        assert not any(secret.encode() in row for row in stored_rows(system))
