"""Signed checkpoints on the real servers: signed over the PostgreSQL ledger, relayed to the stream, recorded by the
ledger after what they cover (never signing for themselves alone), and grown from the previous checkpoint."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from services.audit import merkle, proofs, signing
from services.audit.checkpoints import AuditLog
from services.audit.main import make_application
from services.audit.projections import CheckpointRegister, LedgerProjection
from services.audit.published import PUBLISHED
from services.audit.verify import verify_from
from shared import envelope, store
from shared.contracts import Contract, contract
from shared.domain import SYSTEM
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from tests.kit.actors import ADMIN
from tests.kit.infra import read_subject
from tests.kit.waiting import eventually_async


@contract("sprockets", "sprocket", "turned")
class SprocketTurned(Contract):
    turns: int


@pytest.fixture
def audit(iso: Settings) -> Iterator[tuple[AuditLog, str]]:
    """The audit application on this test's own database, and the database's URL."""
    store.ensure_database(iso.database_url, iso.database_name("audit"))
    app = make_application(iso, store.eventsourcing_env(iso, "audit"))
    yield app, store.service_url(iso, "audit")
    app.close()
    store.drop_database(iso.database_url, iso.database_name("audit"))


async def _turn(js, iso: Settings, seq: int) -> None:
    document = envelope.build(service="sprockets", payload=SprocketTurned(turns=seq), notification_id=seq,
                              previous_id=seq - 1, aggregate_id="sprocket-1", aggregate_version=seq,
                              timestamp=datetime(2022, 1, 1, 8, seq, tzinfo=UTC), ctx=ADMIN)
    await js.publish(SprocketTurned.subject(iso.subject_prefix), envelope.encode(document),
                     headers={"Nats-Msg-Id": document["id"]}, stream=iso.stream_name)


async def _consume_until(iso: Settings, js, url: str, done) -> None:
    """Runs the ledger and the checkpoint register until ``done(conn)`` holds."""
    runners = [ProjectionRunner(iso, p, url) for p in (LedgerProjection(), CheckpointRegister())]
    stop = asyncio.Event()
    for runner in runners:
        runner.setup()
    tasks = [asyncio.create_task(r.run(js, stop)) for r in runners]

    def probe() -> bool:
        with store.connect(url) as conn:
            return done(conn)

    try:
        await eventually_async(lambda: asyncio.to_thread(probe), timeout=30)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def _relay(iso: Settings, js, app: AuditLog, url: str) -> None:
    relay = Relay(iso, "audit", app, PUBLISHED, url)
    relay.position = relay.load_position()
    while await relay.step(js):
        pass


async def test_a_checkpoint_is_published_enters_the_ledger_after_what_it_covers_and_signs_nothing_alone(
        iso: Settings, js, audit: tuple[AuditLog, str]) -> None:
    app, url = audit
    for seq in range(1, 6):
        await _turn(js, iso, seq)
    await _consume_until(iso, js, url, lambda conn: proofs.ledger_head(conn) == 5)
    with store.connect(url) as conn:
        checkpoint, made = proofs.sign_next(app, conn, SYSTEM)
        assert made and checkpoint.tree_size == 5
        assert checkpoint.signed().root_hash == merkle.root_of(proofs.leaves(conn)(0, 5))

    await _relay(iso, js, app, url)
    published = [json.loads(m.data) for m in await read_subject(js, iso, f"{iso.subject_prefix}.audit.>")]
    assert [d["data"] for d in published] == [checkpoint.signed().to_json()]
    await _consume_until(iso, js, url, lambda conn: proofs.checkpoint_at(conn, 5) is not None
                         and proofs.ledger_head(conn) == 6)
    with store.connect(url) as conn:
        sixth = conn.execute("SELECT source, type FROM ledger WHERE position = 6").fetchone()
        assert (sixth["source"], sixth["type"]) == ("/sw/audit", "sw.audit.checkpoint.signed.v1")
        assert proofs.checkpoint_at(conn, 5) == checkpoint.signed()
        assert not proofs.grew_since(conn, 5)  # only its own checkpoint since: the schedule signs nothing


async def test_the_next_checkpoint_grows_from_the_previous_and_proofs_hold_between_them(
        iso: Settings, js, audit: tuple[AuditLog, str]) -> None:
    app, url = audit
    for seq in range(1, 4):
        await _turn(js, iso, seq)
    await _consume_until(iso, js, url, lambda conn: proofs.ledger_head(conn) == 3)
    with store.connect(url) as conn:
        first, _ = proofs.sign_next(app, conn, SYSTEM)
    await _relay(iso, js, app, url)
    for seq in range(4, 10):
        await _turn(js, iso, seq)
    await _consume_until(iso, js, url, lambda conn: proofs.ledger_head(conn) == 10
                         and proofs.checkpoint_at(conn, 3) is not None)
    with store.connect(url) as conn:
        assert proofs.grew_since(conn, 3)
        second, made = proofs.sign_next(app, conn, SYSTEM)
        assert made and second.tree_size == 10
        old, new = first.signed(), second.signed()
        assert new.root_hash == merkle.root_of(proofs.leaves(conn)(0, 10))
        assert merkle.verify_consistency(3, 10, old.root_hash, new.root_hash, proofs.consistency(conn, 3, 10))
        for position in range(1, 11):
            leaf = bytes(proofs.leaf_at(conn, position)["leaf_hash"])
            assert merkle.verify_inclusion(leaf, position - 1, 10, proofs.inclusion(conn, position, 10), new.root_hash)
        key = app.key.public_key()
        resumed = verify_from(conn, None, "not asked", key, full=False)
        assert resumed.ok and resumed.resumed_after == 3 and resumed.checked == 7
        full = verify_from(conn, None, "not asked", key, full=True)
        assert full.ok and full.checkpoints_matched == 1 and full.checked == 10
        assert signing.signature_problem(new, key) == ""
