"""Waiting until every projection of a run has taken in what was written, so a latency measured next is not
measured against the services' own catch-up (a roster page answered while the audit service still ingests a bulk
write shares the machine's cores with it).

A consumer is settled when it has nothing pending and nothing unacknowledged, twice in a row half a second apart
(a message waiting with the next batch, ``shared.coalesce``, is unacknowledged for at most
``SW_CONSUMER_COALESCE_MS``). Ephemeral consumers and durable ones that never delivered anything (a department's,
with nobody reading it) are not waited for.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from shared import stream
from shared.settings import Settings


def wait_for_consumers(settings: Settings, timeout: float = 1800) -> float:
    """Waits until every projection consumer of the run's stream is settled; answers the seconds waited."""
    with ThreadPoolExecutor(1) as pool:  # callable from inside a running event loop (make bench's sections)
        return pool.submit(asyncio.run, _settled(settings, timeout)).result()


async def _settled(settings: Settings, timeout: float) -> float:
    nc = await stream.connect(settings, "bench-settle")
    started, quiet = time.monotonic(), 0
    try:
        while time.monotonic() - started < timeout:
            quiet = quiet + 1 if await _busy(nc.jetstream(), settings) == 0 else 0
            if quiet >= 2:
                return time.monotonic() - started
            await asyncio.sleep(0.5)
    finally:
        await nc.close()
    raise TimeoutError(f"the consumers of {settings.stream_name} did not settle within {timeout:.0f}s")


async def _busy(js, settings: Settings) -> int:
    """Messages the run's projection consumers have not yet taken in (pending plus unacknowledged)."""
    return sum(info.num_pending + info.num_ack_pending for info in await js.consumers_info(settings.stream_name)
               if info.config.durable_name and info.delivered.consumer_seq > 0)
