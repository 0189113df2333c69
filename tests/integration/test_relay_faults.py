"""The relay across a broker crash: a private nats-server is killed mid-stream and restarted on its store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets
from deploy.infra import free_port, start_nats
from shared import store, stream
from shared.relay import Relay
from shared.settings import Settings
from tests.kit.infra import documents, isolated, read_subject
from tests.kit.waiting import eventually_async

pytestmark = pytest.mark.fault


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[dict]:
    """A private JetStream server whose process the test may kill and restart."""
    port = free_port()
    proc, url = start_nats(tmp_path / "nats", port)
    state = {"proc": proc, "url": url, "dir": tmp_path / "nats", "port": port}
    yield state
    state["proc"].kill()
    state["proc"].wait()


def _make(app: Widgets, names: range) -> None:
    for i in names:
        app.save(Widget(name=f"w{i}", ctx=CTX))


async def test_a_broker_crash_loses_and_duplicates_nothing(settings: Settings, broker: dict) -> None:
    iso = isolated(settings, nats_url=broker["url"])
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    app = Widgets(env=store.eventsourcing_env(iso, SERVICE))
    nc = await stream.connect(iso, "fault-test")
    js = nc.jetstream()
    await stream.ensure_stream(js, iso)
    relay = Relay(iso, SERVICE, app, PUBLISHED, store.service_url(iso, SERVICE))
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(js, stop))
    try:
        await asyncio.to_thread(_make, app, range(0, 100))
        await eventually_async(lambda: relay.position.position >= 50, timeout=30)

        broker["proc"].kill()  # the broker dies mid-stream, without a goodbye
        broker["proc"].wait()
        await asyncio.to_thread(_make, app, range(100, 200))  # the service keeps taking commands
        await asyncio.sleep(1)
        broker["proc"], _ = await asyncio.to_thread(start_nats, broker["dir"], broker["port"])

        await eventually_async(lambda: relay.position.position == 200, timeout=60)
        docs = documents(await read_subject(js, iso, f"{iso.subject_prefix}.{SERVICE}.>"))
        assert [d["sequence"] for d in docs] == list(range(1, 201)), "each event once, in store order"
        assert [d["prevsequence"] for d in docs] == list(range(0, 200))
    finally:
        stop.set()
        await task
        await nc.close()
        app.close()
        store.drop_database(iso.database_url, iso.database_name(SERVICE))

