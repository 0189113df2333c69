"""The stream loses acknowledged messages; the stores, the source of truth, fill it again with no manual step.

(1) nats-server is stopped and its store directory replaced by a copy taken earlier (the window a broker that
acknowledges before flushing loses in a power cut); (2) the stream's last message block file is truncated while
the server is stopped; (3) the stream is deleted while the services run. After each: every stored event is on
the stream once, the ledger is complete with no duplicate, read models equal a rebuild. Each prints the events
missing after the fault, how many were republished, and the seconds to heal.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import nats

from tests.fault import checks
from tests.fault.harness import Deployment, Load, Private, county_plan, story
from tests.fault.scenario import announce_figures, assert_promise_kept, conclude
from tests.fault.servers import Nats


def load_and_settle(load: Load, tag: str, units: int) -> None:
    """Runs a few stories and waits until the stream and ledger hold them (the acknowledged state)."""
    load.run(story(tag, units))
    snap, _ = checks.wait_settled(load.deployment.settings, 90)
    assert snap.settled, f"not settled before the fault: unpublished {len(snap.unpublished)}"


def heal(name: str, deployment: Deployment, load: Load, break_stream: Callable[[], set[str]]) -> None:
    """Breaks the stream (which answers the ids it kept), and waits for the services to republish the rest."""
    before = checks.snapshot(deployment.settings)
    kept = break_stream()
    broken_at = time.monotonic()
    missing = set(before.stored) - kept
    load.run(story(f"{name[:3]}z", 2))  # the flow goes on meanwhile
    outcome = conclude(name, deployment, load, broken_at, announce=False, missing=len(missing))
    outcome.extra["republished"] = len(missing & set(outcome.snap.stream))
    outcome.extra["seconds_to_heal"] = outcome.recovery if outcome.recovery is not None else "never"
    announce_figures(outcome)
    assert missing, "the fault should have removed acknowledged messages from the stream"
    assert_promise_kept(outcome)


def stream_dir(store: Path, stream: str) -> Path:
    """Where nats-server keeps one stream's files."""
    found = list(store.glob(f"jetstream/*/streams/{stream}"))
    assert found, f"no directory for stream {stream} under {store}"
    return found[0]


def kept_by(base: Path, store: Path, deployment: Deployment) -> set[str]:
    """What a damaged store still holds, read by a throwaway server on a copy (before the services see it)."""
    inspector = Nats(base, name="inspect")
    shutil.copytree(store, inspector.store)
    inspector.start()
    try:
        return checks.stream_ids(deployment.settings.model_copy(update={"nats_url": inspector.url}))
    finally:
        inspector.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_store_directory_replaced_by_an_earlier_copy(private: Private) -> None:
    deployment = private.deploy()
    load = Load(deployment)
    assert load.send(county_plan()).accepted
    load_and_settle(load, "cpa", 4)
    copy = private.base / "nats-store-copy"
    in_copy = checks.stream_ids(deployment.settings)
    private.nats.stop()
    shutil.copytree(private.nats.store, copy)
    private.nats.start()
    load_and_settle(load, "cpb", 6)  # acknowledged, then lost below

    def restore_copy() -> set[str]:
        private.nats.stop()
        shutil.rmtree(private.nats.store)
        shutil.copytree(copy, private.nats.store)
        private.nats.start()
        return in_copy

    heal("nats-store-replaced-by-earlier-copy", deployment, load, restore_copy)


def test_last_message_block_truncated(private: Private) -> None:
    deployment = private.deploy()
    load = Load(deployment)
    assert load.send(county_plan()).accepted
    load_and_settle(load, "tru", 10)

    def truncate() -> set[str]:
        private.nats.stop()
        blocks = sorted((stream_dir(private.nats.store, deployment.settings.stream_name) / "msgs").glob("*.blk"),
                        key=lambda p: int(p.stem))
        last = blocks[-1]
        with last.open("r+b") as f:
            f.truncate(last.stat().st_size // 2)
        kept = kept_by(private.base / "inspect", private.nats.store, deployment)
        private.nats.start()
        return kept

    heal("last-message-block-truncated", deployment, load, truncate)


def test_stream_deleted_while_services_run(private: Private) -> None:
    deployment = private.deploy()
    load = Load(deployment)
    assert load.send(county_plan()).accepted
    load_and_settle(load, "del", 6)

    async def delete() -> None:
        nc = await nats.connect(private.nats.url)
        try:
            await nc.jetstream().delete_stream(deployment.settings.stream_name)
        finally:
            await nc.close()

    def delete_stream() -> set[str]:
        asyncio.run(delete())
        return set()

    heal("stream-deleted", deployment, load, delete_stream)
