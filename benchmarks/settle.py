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
import math
import time
from concurrent.futures import ThreadPoolExecutor

from shared import stream
from shared.settings import Settings


def wait_for_consumers(settings: Settings, timeout: float = 600) -> float:
    """Waits until every projection consumer of the run's stream is settled; answers the seconds waited, or NaN if
    they did not settle within ``timeout`` (the figures measured next are then measured beside their catch-up: a
    history whose audit findings keep coming can take far longer than its bulk write)."""
    started, quiet = time.monotonic(), 0
    with ThreadPoolExecutor(1) as pool:  # each check on an event loop of its own: callable from make bench's sections
        while time.monotonic() - started < timeout:
            busy = pool.submit(asyncio.run, _busy(settings)).result(timeout=30)
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return time.monotonic() - started
            time.sleep(0.5)
    return math.nan


async def _busy(settings: Settings) -> int:
    """Messages the run's projection consumers have not yet taken in (pending plus unacknowledged)."""
    nc = await stream.connect(settings, "bench-settle")
    try:
        infos = await nc.jetstream().consumers_info(settings.stream_name)
    finally:
        await nc.close()
    return sum(info.num_pending + info.num_ack_pending for info in infos
               if info.config.durable_name and info.delivered.consumer_seq > 0)
