"""What the relay's reconciliation costs on a large stream: the periodic check, and finding a gap.

    .venv/bin/python -m benchmarks.healing [N]

Stores N events (default 100,000) in its own database, relays them to its own stream (both removed
afterwards), then times: the first check (counting the whole log), a periodic check with nothing new,
one after 1,000 more events, and one after ten messages in the middle of the stream were deleted
(counts differ, so the stream's headers are read to find the gap, and the ten are republished).
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets
from deploy.cleanup import delete_run_streams, drop_run_databases
from shared import store, stream
from shared.relay import Relay
from shared.settings import Settings


def fill(app: Widgets, n: int, start: int = 0) -> float:
    """n events, saved a thousand per transaction."""
    started = time.perf_counter()
    for first in range(start, start + n, 1000):
        app.save(*[Widget(name=f"w{i}", ctx=CTX) for i in range(first, min(first + 1000, start + n))])
    return time.perf_counter() - started


async def relay_all(relay: Relay, js) -> float:
    """The relay publishing everything stored."""
    started = time.perf_counter()
    while await relay.step(js):
        pass
    return time.perf_counter() - started


async def timed_check(relay: Relay, js) -> tuple[float, list]:
    """Seconds one reconciliation takes, and what it found."""
    started = time.perf_counter()
    ranges = await relay.reconcile(js)
    return time.perf_counter() - started, ranges


async def run(settings: Settings, n: int) -> None:
    """Fills, relays, and times the checks."""
    store.ensure_database(settings.database_url, settings.database_name(SERVICE))
    app = Widgets(env=store.eventsourcing_env(settings, SERVICE))
    nc = await stream.connect(settings, "bench-healing")
    js = nc.jetstream()
    try:
        await stream.ensure_stream(js, settings)
        stored = await asyncio.to_thread(fill, app, n)
        relay = Relay(settings, SERVICE, app, PUBLISHED, store.service_url(settings, SERVICE))
        relay.position = relay.load_position()
        relayed = await relay_all(relay, js)
        print(f"{n:,} events: stored in {stored:.1f} s, relayed in {relayed:.1f} s")
        first, _ = await timed_check(relay, js)
        idle, _ = await timed_check(relay, js)
        await asyncio.to_thread(fill, app, 1000, n)
        await relay_all(relay, js)
        grown, _ = await timed_check(relay, js)
        print(f"  first check (whole log counted)        {first * 1000:8.0f} ms")
        print(f"  periodic check, nothing new            {idle * 1000:8.0f} ms")
        print(f"  periodic check, 1,000 new events       {grown * 1000:8.0f} ms")
        middle = (n + 1000) // 2
        for seq in range(middle, middle + 10):
            await js.delete_msg(settings.stream_name, seq)
        gap, ranges = await timed_check(relay, js)
        print(f"  check finding 10 lost in the middle    {gap * 1000:8.0f} ms  (found {ranges}, "
              f"republished {relay.heal_status.republished})")
    finally:
        app.close()
        await nc.close()


def main() -> None:
    """Runs on its own database and stream, removed afterwards."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    tag = secrets.token_hex(2)
    settings = Settings(database_prefix=f"swbench_heal_{tag}_", subject_prefix=f"swbenchheal{tag}")
    try:
        asyncio.run(run(settings, n))
    finally:
        drop_run_databases(settings)
        asyncio.run(delete_run_streams(settings))


if __name__ == "__main__":
    main()
