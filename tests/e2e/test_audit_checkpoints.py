"""Signed checkpoints and proofs on the real servers: stations and audit as processes on their own stream.

A checkpoint is signed on demand and on the schedule, published on its own subject, recorded in the
ledger after the size it covers; proofs fetched over HTTP verify and fail when one byte changes; an
export verifies offline, and a superuser's rewrite of the ledger with every later hash recomputed is
caught by the signed checkpoint.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.infra import settings_env
from services.audit import merkle, signing
from services.audit.domain import canonical_form, chain_hash, leaf_hash
from shared import store, stream
from shared.settings import Settings
from tests.kit.infra import documents, isolated, read_subject
from tests.kit.plan import PLAN
from tests.kit.system import ROOT, System, start_system, stop_system
from tests.kit.waiting import eventually

PERIOD = 1.0  # the checkpoint schedule of this system, in seconds


@pytest.fixture(scope="module")
def signed(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """Stations and audit (checkpoints every second while the ledger grows), with a county plan recorded."""
    running = start_system(isolated(settings, audit_checkpoint_every_s=PERIOD), tmp_path_factory.mktemp("signed"),
                           ("stations", "audit"))
    try:
        planned = running.client("stations").put("/v1/county-plan", json=PLAN)
        assert planned.status_code == 200, planned.text
        yield running
    finally:
        stop_system(running)


@pytest.fixture(scope="module")
def auditor(signed: System) -> httpx.Client:
    """An auditor's client."""
    return signed.client("audit", role="auditor")


def _ledger_size(client: httpx.Client) -> int:
    return client.get("/v1/ledger/verify", params={"full": "true"}).json()["checked"]


def _checkpoints(client: httpx.Client) -> list[dict]:
    return client.get("/v1/checkpoints", params={"limit": 1000}).json()["items"]


def _key(client: httpx.Client):
    published = client.get("/v1/checkpoints/key").json()
    key = signing.load_public_pem(published["pem"].encode())
    assert base64.b64decode(published["public_key"]) == signing.raw_public(key)
    assert published["key_id"] == signing.key_id(key)
    return key


def _cli(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    env = settings_env(system.settings)
    return subprocess.run([sys.executable, "-m", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def _flip_hex(text: str, at: int = 0) -> str:
    return text[:at] + ("0" if text[at] != "0" else "1") + text[at + 1:]


def test_a_checkpoint_is_signed_on_demand_published_and_kept_by_the_ledger(signed: System,
                                                                          auditor: httpx.Client) -> None:
    assert signed.client("audit", role="township", townships=("T01",)).post("/v1/checkpoints").status_code == 403
    made = eventually(lambda: (r := auditor.post("/v1/checkpoints")).status_code == 201 and r)
    checkpoint = signing.Checkpoint.from_json(made.json())
    assert made.headers["Location"] == f"/v1/checkpoints/{checkpoint.tree_size}"
    assert signing.signature_problem(checkpoint, _key(auditor)) == ""
    assert eventually(lambda: auditor.get(made.headers["Location"]).status_code == 200)
    assert auditor.get(made.headers["Location"]).json() == made.json()

    published = documents(asyncio.run(_read(signed.settings, "audit.checkpoint.signed")))
    assert made.json() in [d["data"] for d in published]
    assert {d["type"] for d in published} == {"sw.audit.checkpoint.signed.v1"}

    def in_ledger() -> list[dict]:
        return auditor.get("/v1/ledger", params={"type_prefix": "sw.audit.checkpoint.", "limit": 1000}).json()["items"]

    entries = eventually(in_ledger)
    assert all(e["position"] > e["event"]["data"]["tree_size"] for e in entries)  # entered after what it covers
    assert checkpoint.tree_size in [e["event"]["data"]["tree_size"] for e in eventually(
        lambda: len(in_ledger()) == len(_checkpoints(auditor)) and in_ledger())]


async def _read(settings: Settings, subject: str) -> list:
    nc = await stream.connect(settings, "tests-checkpoints")
    try:
        return await read_subject(nc.jetstream(), settings, f"{settings.subject_prefix}.{subject}")
    finally:
        await nc.close()


def test_the_schedule_signs_when_the_ledger_grows_and_not_for_its_own_checkpoints(signed: System,
                                                                                  auditor: httpx.Client) -> None:
    before = _ledger_size(auditor)
    added = signed.client("stations").post("/v1/county-plan/townships", json={
        "code": "T91", "name": "新设乡", "kind": "township", "population": 9000, "batch": 2})
    assert added.status_code in (200, 201), added.text
    grown = eventually(lambda: [c for c in _checkpoints(auditor) if c["tree_size"] > before], timeout=30)
    assert signing.signature_problem(signing.Checkpoint.from_json(grown[-1]), _key(auditor)) == ""
    # once the ledger holds the checkpoint events, nothing but them is new: no further checkpoint follows
    eventually(lambda: _ledger_size(auditor) > max(c["tree_size"] for c in _checkpoints(auditor)), timeout=30)
    settled = _checkpoints(auditor)
    time.sleep(4 * PERIOD)
    assert _checkpoints(auditor) == settled


def test_inclusion_proofs_over_http_verify_and_fail_when_one_byte_changes(signed: System,
                                                                          auditor: httpx.Client) -> None:
    latest = _checkpoints(auditor)[-1]
    root = bytes.fromhex(latest["root_hash"])
    for position in (1, latest["tree_size"] // 2 + 1, latest["tree_size"]):
        proof = auditor.get(f"/v1/ledger/{position}/proof").json()
        assert proof["tree_size"] == latest["tree_size"] and proof["checkpoint"] == latest
        assert proof["root_hash"] == latest["root_hash"]
        leaf, path = bytes.fromhex(proof["leaf_hash"]), [bytes.fromhex(h) for h in proof["inclusion_path"]]
        assert leaf == leaf_hash(base64.b64decode(proof["canonical"]))
        assert merkle.verify_inclusion(leaf, position - 1, proof["tree_size"], path, root)
        assert not merkle.verify_inclusion(bytes.fromhex(_flip_hex(proof["leaf_hash"], 9)), position - 1,
                                           proof["tree_size"], path, root)
        assert not merkle.verify_inclusion(leaf, position - 1, proof["tree_size"], path,
                                           bytes.fromhex(_flip_hex(latest["root_hash"], 63)))
        if path:
            bad = [bytes.fromhex(_flip_hex(proof["inclusion_path"][0], 20)), *path[1:]]
            assert not merkle.verify_inclusion(leaf, position - 1, proof["tree_size"], bad, root)


def test_proof_files_from_http_verify_offline_and_fail_when_one_byte_changes(signed: System, auditor: httpx.Client,
                                                                             tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text(auditor.get("/v1/checkpoints/key").json()["pem"])
    checkpoints = _checkpoints(auditor)
    first, second = checkpoints[0], checkpoints[-1]
    assert first["tree_size"] < second["tree_size"]
    proof = auditor.get("/v1/ledger/2/proof", params={"tree_size": second["tree_size"]}).json()
    (tmp_path / "inclusion.json").write_text(json.dumps(proof))
    run = _cli(signed, "services.audit.offline", "verify-inclusion", str(tmp_path / "inclusion.json"),
               "--key", str(tmp_path / "key.pem"))
    assert run.returncode == 0, run.stdout + run.stderr
    event = base64.b64decode(proof["canonical"])
    altered = event.replace(b'"specversion":"1.0"', b'"specversion":"1.1"')
    (tmp_path / "inclusion.json").write_text(json.dumps({**proof, "canonical": base64.b64encode(altered).decode()}))
    run = _cli(signed, "services.audit.offline", "verify-inclusion", str(tmp_path / "inclusion.json"),
               "--key", str(tmp_path / "key.pem"))
    assert run.returncode == 1 and "the event was altered" in run.stdout

    consistency = auditor.get("/v1/checkpoints/consistency",
                              params={"first": first["tree_size"], "second": second["tree_size"]}).json()
    assert (consistency["first_checkpoint"], consistency["second_checkpoint"]) == (first, second)
    for name, document in (("old", first), ("new", second), ("proof", consistency)):
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    files = [str(tmp_path / f"{name}.json") for name in ("old", "new", "proof")]
    args = ["services.audit.offline", "verify-consistency", *files, "--key", str(tmp_path / "key.pem")]
    run = _cli(signed, *args)
    assert run.returncode == 0, run.stdout + run.stderr
    (tmp_path / "old.json").write_text(json.dumps({**first, "root_hash": _flip_hex(first["root_hash"], 5)}))
    assert _cli(signed, *args).returncode == 1


def test_proof_requests_outside_the_ledger_are_refused_by_name(auditor: httpx.Client) -> None:
    size = _ledger_size(auditor)
    for url, params, field in (("/v1/ledger/1/proof", {"tree_size": size + 10}, "tree_size"),
                               ("/v1/ledger/5/proof", {"tree_size": 3}, "position"),
                               ("/v1/ledger/1/proof", {"size": 3}, "size"),
                               ("/v1/checkpoints/consistency", {"first": 5, "second": 3}, "first"),
                               ("/v1/checkpoints/consistency", {"first": 0, "second": 3}, "first")):
        response = auditor.get(url, params=params)
        assert response.status_code == 422, (url, params, response.text)
        assert field in [e["field"] for e in response.json()["errors"]]
    assert auditor.get(f"/v1/checkpoints/{size + 1000}").status_code == 404


def test_an_export_verifies_offline_and_a_rewrite_with_later_hashes_recomputed_is_caught(
        signed: System, auditor: httpx.Client, tmp_path: Path) -> None:
    run = _cli(signed, "services.audit.export", "--out", str(tmp_path / "fresh"))
    assert run.returncode == 0, run.stdout + run.stderr
    run = _cli(signed, "services.audit.offline", "verify-export", str(tmp_path / "fresh"))
    assert run.returncode == 0 and "VERIFIED" in run.stdout, run.stdout + run.stderr
    sizes = [c["tree_size"] for c in _checkpoints(auditor)]
    full = auditor.get("/v1/ledger/verify", params={"full": "true"}).json()
    assert full["ok"] and full["checkpoints_matched"] == len(sizes) and full["resumed_after"] is None
    resumed = auditor.get("/v1/ledger/verify").json()
    assert resumed["ok"] and resumed["resumed_after"] == sizes[-1] and resumed["checked"] < full["checked"]
    covering = min(s for s in sizes if s >= 3)
    intact = max([s for s in sizes if s < 3], default=0)

    # a superuser rewrites entry 3 in the database and recomputes every later hash: the chain holds again
    url = store.service_url(signed.settings, "audit")
    with store.connect(url) as conn, conn.transaction():
        conn.execute("ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_or_delete")
        rows = conn.execute("SELECT position, canonical FROM ledger ORDER BY position").fetchall()
        previous = bytes(32)
        for row in rows:
            body = bytes(row["canonical"])
            if row["position"] == 3:
                document = json.loads(body)
                body = canonical_form({**document, "data": {**document["data"], "forged": True}})  # canonical
            leaf = leaf_hash(body)
            previous = chain_hash(previous, leaf)
            conn.execute("UPDATE ledger SET canonical = %s, leaf_hash = %s, chain_hash = %s WHERE position = %s",
                         (body, leaf, previous, row["position"]))
        conn.execute("ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_or_delete")
    resumed = auditor.get("/v1/ledger/verify").json()
    assert not resumed["ok"] and "was rewritten" in resumed["reason"]
    full = auditor.get("/v1/ledger/verify", params={"full": "true"}).json()
    assert (full["ok"], full["first_bad_position"]) == (False, intact + 1)
    assert full["reason"].startswith(f"entries {intact + 1}..{covering}: one of them was altered")
    run = _cli(signed, "services.audit.verify", "--full")
    assert run.returncode == 1 and f"BROKEN at position {intact + 1}" in run.stdout, run.stdout + run.stderr
    run = _cli(signed, "services.audit.export", "--out", str(tmp_path / "rewritten"))
    assert run.returncode == 0, run.stdout + run.stderr
    run = _cli(signed, "services.audit.offline", "verify-export", str(tmp_path / "rewritten"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"entries {intact + 1}..{covering}: one of them was altered and every hash after it recomputed" in run.stdout

    # nothing is signed over the rewritten history: on demand it is refused by name, and the schedule stalls
    refused = auditor.post("/v1/checkpoints")
    assert refused.status_code == 409 and "chain hash does not follow" in refused.json()["detail"], refused.text
    added = signed.client("stations").post("/v1/county-plan/townships", json={
        "code": "T92", "name": "又设乡", "kind": "township", "population": 8000, "batch": 2})
    assert added.status_code in (200, 201), added.text

    def schedule_stalled() -> dict | None:
        loop = httpx.get(f"{signed.urls['audit']}/readyz", timeout=5).json().get("loops", {}).get("checkpoints", {})
        return loop if loop.get("state") == "stalled" else None

    loop = eventually(schedule_stalled, timeout=30)
    assert "no checkpoint signed" in loop["reason"] and "chain hash does not follow" in loop["reason"]
