"""One stream per county or one per province: what each costs JetStream, measured on this machine.

    .venv/bin/python -m benchmarks.province_streams [COUNTIES] [EVENTS_PER_COUNTY]

Starts a private nats-server (``sync_interval: always``, as the project's configs) and lays a province out
both ways: (a) a stream per county on ``<root>.<county>.>``, plus a provincial stream sourcing them; (b) one
stream on ``<root>.>`` for the whole province. Each county's events are published the relay's way (async,
``Nats-Msg-Id``, batches of 500). Then one county's consumer reads its share: from its own stream in (a), through
a subject filter over the whole province in (b); and the provincial auditor reads everything in both.
The raw publishing limit of the same server (one stream, no ids) is printed alongside.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig, StreamSource

from deploy.infra import free_port, nats_answers, nats_binary

BODY = json.dumps({"specversion": "1.0", "data": {"name": "x" * 700}}).encode()  # about a stored event's size
BATCH = 500


async def publish(js: JetStreamContext, subject_of, count: int, ids: str | None = "stations") -> float:
    """Publishes ``count`` messages in batches, waiting for every ack; returns messages per second. The
    ``Nats-Msg-Id`` is ``<ids>-<n>``, as a relay numbers its source's events (None: no id)."""
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        futures = [await js.publish_async(subject_of(n), BODY,
                                          headers={"Nats-Msg-Id": f"{ids}-{n + 1}"} if ids else None)
                   for n in range(first, min(first + BATCH, count))]
        await asyncio.gather(*futures)
    return count / (time.perf_counter() - started)


async def read(js: JetStreamContext, stream: str, subject: str, expected: int) -> float:
    """Reads ``expected`` messages through a pull consumer filtered to ``subject``; seconds taken."""
    started = time.perf_counter()
    sub = await js.pull_subscribe(subject, stream=stream, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    got = 0
    while got < expected:
        msgs = await sub.fetch(1000, timeout=10)
        got += len(msgs)
        for msg in msgs:
            await msg.ack()
    await sub.unsubscribe()
    return time.perf_counter() - started


async def wait_for(js: JetStreamContext, stream: str, count: int) -> float:
    started = time.perf_counter()
    while (await js.stream_info(stream)).state.messages < count:
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def measure(url: str, counties: int, per_county: int) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=30)
    codes = [f"52{n:04d}" for n in range(counties)]
    total = counties * per_county

    await js.add_stream(StreamConfig(name="RAW", subjects=["raw.>"]))
    raw = await publish(js, lambda n: f"raw.{n % counties}", total, ids=None)
    print(f"raw limit (one stream, no Nats-Msg-Id): {raw:,.0f} msg/s")

    for code in codes:
        await js.add_stream(StreamConfig(name=f"A_{code}", subjects=[f"a.{code}.>"]))
    rates = [await publish(js, lambda n, c=code: f"a.{c}.stations.station.planned", per_county) for code in codes]
    await js.add_stream(StreamConfig(name="A_PROVINCE", sources=[StreamSource(name=f"A_{c}") for c in codes]))
    sourced = await wait_for(js, "A_PROVINCE", total)
    own = await read(js, f"A_{codes[0]}", f"a.{codes[0]}.>", per_county)
    everything = await read(js, "A_PROVINCE", ">", total)
    print(f"(a) stream per county: publish {min(rates):,.0f}-{max(rates):,.0f} msg/s per county; provincial stream "
          f"sourced {total:,} in {sourced:.2f} s after the last publish; one county reads its {per_county:,} in "
          f"{own:.2f} s; the provincial auditor reads {total:,} in {everything:.2f} s")

    await js.add_stream(StreamConfig(name="C_PROVINCE", subjects=["c.>"]))
    for code in codes[:2]:
        await publish(js, lambda n, c=code: f"c.{c}.stations.station.planned", per_county)
    held = (await js.stream_info("C_PROVINCE")).state.messages
    print(f"(b) one stream per province, event ids as today (<service>-<n>): two counties publish {2 * per_county:,}, "
          f"the stream keeps {held:,} (the duplicate window drops the second county's ids)")

    await js.add_stream(StreamConfig(name="B_PROVINCE", subjects=["b.>"]))
    rates = [await publish(js, lambda n, c=code: f"b.{c}.stations.station.planned", per_county, ids=f"{code}-stations")
             for code in codes]
    filtered = await read(js, "B_PROVINCE", f"b.{codes[0]}.>", per_county)
    last = await read(js, "B_PROVINCE", f"b.{codes[-1]}.>", per_county)
    everything = await read(js, "B_PROVINCE", ">", total)
    print(f"(b) one stream per province, ids carrying the county: publish {min(rates):,.0f}-{max(rates):,.0f} "
          f"msg/s per county; one county "
          f"reads its {per_county:,} through a filter in {filtered:.2f} s (first county) / {last:.2f} s (last); the "
          f"provincial auditor reads {total:,} in {everything:.2f} s")
    await nc.close()


def main() -> int:
    counties = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    per_county = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    with tempfile.TemporaryDirectory() as store:
        conf = Path(store) / "server.conf"
        conf.write_text(f'jetstream {{\n  store_dir: {json.dumps(store)}\n  sync_interval: always\n}}\n')
        port = free_port()
        proc = subprocess.Popen([nats_binary(), "-c", str(conf), "-a", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"nats://127.0.0.1:{port}"
            while not nats_answers(url, timeout=1):
                time.sleep(0.2)
            print(f"{counties} counties x {per_county:,} events, {len(BODY)} bytes each")
            asyncio.run(measure(url, counties, per_county))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
