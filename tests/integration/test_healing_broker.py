"""A broker that loses acknowledged messages from its disk: the relay republishes them from the store.

A private nats-server is stopped, the last message block file of the stream is cut in half (what an
unflushed page cache or a damaged disk leaves behind), and the server is started again on that store.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets
from deploy.infra import free_port, start_nats
from services.audit import application
from services.audit.projections import LedgerProjection
from services.audit.queries import ledger_entries, ledger_links, stream_heads
from shared import store, stream
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from tests.kit.infra import isolated, read_subject
from tests.kit.waiting import eventually_async


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


class Scene:
    """A service's store and relay, and the audit ledger, on the private broker."""

    def __init__(self, settings: Settings, broker: dict) -> None:
        self.broker = broker
        self.iso = isolated(settings, nats_url=broker["url"], relay_heal_interval=60.0)
        for name in (SERVICE, "audit"):
            store.ensure_database(self.iso.database_url, self.iso.database_name(name))
        self.app = Widgets(env=store.eventsourcing_env(self.iso, SERVICE))
        self.ledger_url = store.service_url(self.iso, "audit")
        self.relay = Relay(self.iso, SERVICE, self.app, PUBLISHED, store.service_url(self.iso, SERVICE))
        self.halt = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self.nc = await stream.connect(self.iso, "heal-test")
        self.js = self.nc.jetstream()
        await stream.ensure_stream(self.js, self.iso)
        ledger = ProjectionRunner(self.iso, LedgerProjection(), self.ledger_url)
        ledger.setup()
        self.tasks = [asyncio.create_task(self.relay.run(self.js, self.halt)),
                      asyncio.create_task(ledger.run(self.js, self.halt))]

    async def store_and_relay(self, names: range) -> None:
        """Stores events; waits until they are relayed and in the ledger."""
        await asyncio.to_thread(_make, self.app, names)
        await eventually_async(lambda: self.relay.position.position == names.stop, timeout=30)
        await eventually_async(lambda: asyncio.to_thread(lambda: _ledger_size(self.ledger_url) == names.stop),
                               timeout=30)

    def stop_broker(self, how: str = "terminate") -> None:
        getattr(self.broker["proc"], how)()
        self.broker["proc"].wait()

    async def start_broker(self) -> None:
        self.broker["proc"], _ = await asyncio.to_thread(start_nats, self.broker["dir"], self.broker["port"])

    async def healed_in(self) -> float:
        """Restarts the broker; seconds until the relay republished (the server's own start included)."""
        started = time.monotonic()
        await self.start_broker()
        await eventually_async(lambda: self.relay.heal_status.republished > 0, timeout=30)
        return time.monotonic() - started

    async def check_complete(self, n: int) -> None:
        """Every stored event on the stream once under its own Nats-Msg-Id; the ledger complete, each once."""
        msgs = await read_subject(self.js, self.iso, f"{self.iso.subject_prefix}.{SERVICE}.>")
        sequences = sorted(int(m.headers["Nats-Msg-Id"].split("-")[1]) for m in msgs)
        assert sequences == list(range(1, n + 1)), "every stored event on the stream once"
        heads, why = await stream_heads(self.js, self.iso)
        with store.connect(self.ledger_url) as conn:
            verdict = application.verify(ledger_entries(conn), ledger_links(conn), heads, why)
            assert verdict.ok and verdict.complete, verdict
            ids = [r["event_id"] for r in conn.execute("SELECT event_id FROM ledger ORDER BY position")]
        assert ids == [f"{SERVICE}-{i}" for i in range(1, n + 1)], "the ledger chained each event once, in order"

    async def close(self) -> None:
        self.halt.set()
        await asyncio.gather(*self.tasks)
        await self.nc.close()
        self.app.close()
        for name in (SERVICE, "audit"):
            store.drop_database(self.iso.database_url, self.iso.database_name(name))


@pytest.fixture
async def scene(settings: Settings, broker: dict) -> AsyncIterator[Scene]:
    """The scene, started; removed afterwards."""
    scene = Scene(settings, broker)
    await scene.start()
    yield scene
    await scene.close()


@pytest.mark.parametrize("stop", ["kill", "terminate"])
async def test_a_truncated_block_file_is_refilled_from_the_store(scene: Scene, stop: str) -> None:
    await scene.store_and_relay(range(0, 200))
    scene.stop_broker(stop)  # SIGKILL: a crash; SIGTERM: a clean stop that flushed the indexes
    _cut_last_block(scene.broker["dir"], scene.iso.stream_name)
    healed = await scene.healed_in()

    await scene.store_and_relay(range(200, 210))
    await scene.check_complete(210)
    status = scene.relay.heal_status
    print(f"\nblock file cut ({stop}): missing {status.missing_found}, republished {status.republished}, "
          f"healed in {healed:.1f} s")


async def test_a_store_replaced_by_an_earlier_copy_is_refilled_from_the_store(scene: Scene, tmp_path: Path) -> None:
    await scene.store_and_relay(range(0, 100))
    scene.stop_broker()
    shutil.copytree(scene.broker["dir"], tmp_path / "earlier")  # the state a restored backup or snapshot holds
    await scene.start_broker()
    await scene.store_and_relay(range(100, 180))  # acknowledged after the copy was taken

    scene.stop_broker("kill")
    shutil.rmtree(scene.broker["dir"])
    shutil.copytree(tmp_path / "earlier", scene.broker["dir"])
    healed = await scene.healed_in()

    await scene.store_and_relay(range(180, 190))
    await scene.check_complete(190)
    status = scene.relay.heal_status
    assert status.last_missing == [[101, 180, 80]]
    print(f"\nstore replaced by an earlier copy: missing {status.missing_found}, republished {status.republished}, "
          f"healed in {healed:.1f} s")
