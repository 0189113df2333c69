"""What writing every message to disk before acknowledging it costs JetStream, measured on this machine.

    .venv/bin/python -m benchmarks.sync_interval [N]

Starts two private nats-servers on temporary stores, one with the default ``sync_interval`` (two
minutes: acknowledged messages may sit only in memory) and one with ``sync_interval: always`` (the
project's configs), and publishes N CloudEvents-sized messages to each the way the relay does:
asynchronously with a ``Nats-Msg-Id``, a batch of ``relay_batch`` at a time, waiting for every ack.
One-at-a-time publishing (each ack awaited before the next send) is shown too: the worst case.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nats
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from deploy.infra import free_port, nats_answers, nats_binary

BODY = json.dumps({"specversion": "1.0", "data": {"name": "x" * 700}}).encode()  # about a stored event's size
BATCH = 500


@asynccontextmanager
async def server(sync: str | None) -> AsyncIterator[JetStreamContext]:
    """A private JetStream server (``sync`` = its sync_interval, None for the default) and its context."""
    with tempfile.TemporaryDirectory(prefix="sw-bench-nats-") as tmp:
        store = Path(tmp)
        line = f"  sync_interval: {sync}\n" if sync else ""
        config = store / "nats.conf"
        config.write_text(f"jetstream {{\n  store_dir: {json.dumps(tmp)}\n{line}}}\n")
        port = free_port()
        proc = subprocess.Popen([nats_binary(), "-c", str(config), "-a", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"nats://127.0.0.1:{port}"
        try:
            while not await asyncio.to_thread(nats_answers, url, 1.0):
                await asyncio.sleep(0.2)
            nc = await nats.connect(url)
            js = nc.jetstream()
            await js.add_stream(StreamConfig(name="BENCH", subjects=["bench.>"], duplicate_window=120))
            try:
                yield js
            finally:
                await nc.close()
        finally:
            proc.terminate()
            proc.wait()


async def batched(js: JetStreamContext, n: int, offset: int) -> float:
    """The relay's way: async publishes with a Nats-Msg-Id, every ack of a batch awaited."""
    started = time.perf_counter()
    for first in range(0, n, BATCH):
        futures = [await js.publish_async("bench.svc.x", BODY, headers={"Nats-Msg-Id": f"b-{offset + i}"})
                   for i in range(first, min(first + BATCH, n))]
        await asyncio.gather(*futures)
    return time.perf_counter() - started


async def one_at_a_time(js: JetStreamContext, n: int, offset: int) -> float:
    """Each publish waits for its ack before the next one goes."""
    started = time.perf_counter()
    for i in range(n):
        await js.publish("bench.svc.y", BODY, headers={"Nats-Msg-Id": f"s-{offset + i}"})
    return time.perf_counter() - started


def rate(n: int, seconds: float) -> str:
    """Messages per second, rounded."""
    return f"{n / seconds:>9,.0f}/s  ({n} in {seconds:.2f}s)"


async def measure(n: int) -> dict[str, tuple[float, float]]:
    """Seconds for n batched and n/10 one-at-a-time publishes, per sync setting."""
    out = {}
    for label, sync in (("default (2 min)", None), ("always", "always")):
        async with server(sync) as js:
            await batched(js, min(n, 1000), 10**9)  # warm up
            out[label] = (await batched(js, n, 0), await one_at_a_time(js, n // 10, 0))
    return out


def main() -> None:
    """Prints both figures and the cost of durability."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    results = asyncio.run(measure(n))
    print(f"JetStream publish, {len(BODY)}-byte messages with Nats-Msg-Id, private servers on this machine")
    for label, (batch_s, single_s) in results.items():
        print(f"  sync_interval {label:<16} batched {rate(n, batch_s)}   one at a time {rate(n // 10, single_s)}")
    (fast_b, fast_s), (safe_b, safe_s) = results["default (2 min)"], results["always"]
    print(f"  cost of 'always': batched x{safe_b / fast_b:.2f} the time, one at a time x{safe_s / fast_s:.2f}")


if __name__ == "__main__":
    main()
