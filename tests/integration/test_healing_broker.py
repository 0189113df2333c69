"""A broker that loses acknowledged messages from its disk: the relay republishes them from the store.

A private nats-server is stopped, the last message block file of the stream is cut in half (what an
unflushed page cache or a damaged disk leaves behind), and the server is started again on that store.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.infra import free_port, start_nats
from services.audit.domain import verify_chain
from services.audit.projections import LedgerProjection, ledger_entries
from shared import store, stream
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from tests.integration.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets
from tests.support import eventually_async, isolated, read_subject


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[dict]:
    """A private JetStream server whose process the test may stop and restart."""
    port = free_port()
    proc, url = start_nats(tmp_path / "nats", port)
    state = {"proc": proc, "url": url, "dir": tmp_path / "nats", "port": port}
    yield state
    state["proc"].kill()
    state["proc"].wait()


def _make(app: Widgets, names: range) -> None:
    for i in names:
        app.save(Widget(name=f"w{i}", ctx=CTX))


def _cut_last_block(store_dir: Path, stream_name: str) -> None:
    blocks = sorted((store_dir / "jetstream").glob(f"*/streams/{stream_name}/msgs/*.blk"),
                    key=lambda p: int(p.stem))
    assert blocks, "the stream has a message block on disk"
    os.truncate(blocks[-1], blocks[-1].stat().st_size // 2)


def _ledger_size(url: str) -> int:
    with store.connect(url) as conn:
        return conn.execute("SELECT count(*) AS n FROM ledger").fetchone()["n"]


@pytest.mark.parametrize("stop", ["kill", "terminate"])
async def test_a_truncated_block_file_is_refilled_from_the_store(settings: Settings, broker: dict, stop: str) -> None:
    iso = isolated(settings, nats_url=broker["url"], relay_heal_interval=60.0)
    for name in (SERVICE, "audit"):
        store.ensure_database(iso.database_url, iso.database_name(name))
    app = Widgets(env=store.eventsourcing_env(iso, SERVICE))
    ledger_url = store.service_url(iso, "audit")
    nc = await stream.connect(iso, "heal-test")
    js = nc.jetstream()
    await stream.ensure_stream(js, iso)
    relay = Relay(iso, SERVICE, app, PUBLISHED, store.service_url(iso, SERVICE))
    ledger = ProjectionRunner(iso, LedgerProjection(), ledger_url)
    ledger.setup()
    halt = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(js, halt)), asyncio.create_task(ledger.run(js, halt))]
    try:
        await asyncio.to_thread(_make, app, range(0, 200))
        await eventually_async(lambda: relay.position.position == 200, timeout=30)
        await eventually_async(lambda: asyncio.to_thread(lambda: _ledger_size(ledger_url) == 200), timeout=30)

        getattr(broker["proc"], stop)()  # SIGKILL: a crash; SIGTERM: a clean stop that flushed the indexes
        broker["proc"].wait()
        _cut_last_block(broker["dir"], iso.stream_name)
        started = time.monotonic()  # seconds to heal count from the restart, the server's own start included
        broker["proc"], _ = await asyncio.to_thread(start_nats, broker["dir"], broker["port"])

        await eventually_async(lambda: relay.heal_status.republished > 0, timeout=30)
        healed = time.monotonic() - started
        await asyncio.to_thread(_make, app, range(200, 210))
        await eventually_async(lambda: relay.position.position == 210, timeout=30)
        msgs = await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>")
        sequences = sorted(int(m.headers["Nats-Msg-Id"].split("-")[1]) for m in msgs)
        assert sequences == list(range(1, 211)), "every stored event on the stream once, under its own Nats-Msg-Id"
        await eventually_async(lambda: asyncio.to_thread(lambda: _ledger_size(ledger_url) == 210), timeout=30)
        with store.connect(ledger_url) as conn:
            assert verify_chain(ledger_entries(conn)).ok
            ids = [r["event_id"] for r in conn.execute("SELECT event_id FROM ledger ORDER BY position")]
        assert ids == [f"{SERVICE}-{n}" for n in range(1, 211)], "the ledger chained each event once, in order"
        status = relay.heal_status
        print(f"\nblock file cut ({stop}): missing {status.missing_found}, republished {status.republished}, "
              f"healed in {healed:.1f} s")
    finally:
        halt.set()
        await asyncio.gather(*tasks)
        await nc.close()
        app.close()
        for name in (SERVICE, "audit"):
            store.drop_database(iso.database_url, iso.database_name(name))
