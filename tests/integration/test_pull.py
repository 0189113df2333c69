"""The batch fetch takes every message of the consumer once, in order, returns what there is without waiting for a
full batch, and says when nothing came."""

from __future__ import annotations

import asyncio

import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared import pull
from shared.settings import Settings


async def _consumer(js, iso: Settings, name: str, ack: AckPolicy = AckPolicy.EXPLICIT):
    config = ConsumerConfig(durable_name=name, deliver_policy=DeliverPolicy.ALL, ack_policy=ack,
                            filter_subject=f"{iso.subject_prefix}.>")
    return await js.pull_subscribe(f"{iso.subject_prefix}.>", durable=name, stream=iso.stream_name, config=config)


async def _publish(js, iso: Settings, first: int, count: int) -> None:
    for i in range(first, first + count):
        await js.publish(f"{iso.subject_prefix}.pull.test", str(i).encode(), stream=iso.stream_name)


async def test_a_batch_takes_what_the_stream_holds_in_order_and_batches_split_it(iso: Settings, js) -> None:
    await _publish(js, iso, 1, 25)
    sub = await _consumer(js, iso, "pull_order", AckPolicy.NONE)
    batches = [await pull.fetch(sub, 10, timeout=5) for _ in range(3)]
    assert [len(b) for b in batches] == [10, 10, 5]
    assert [int(m.data) for b in batches for m in b] == list(range(1, 26))
    with pytest.raises(TimeoutError):
        await pull.fetch(sub, 10, timeout=0.5)


async def test_an_idle_fetch_returns_the_first_message_without_waiting_for_a_full_batch(iso: Settings, js) -> None:
    sub = await _consumer(js, iso, "pull_idle")

    async def publish_later() -> None:
        await asyncio.sleep(0.3)
        await _publish(js, iso, 1, 1)

    later = asyncio.ensure_future(publish_later())
    # the fetch may wait 60 s for a batch of 100; it must come back with the one message long before
    msgs = await asyncio.wait_for(pull.fetch(sub, 100, timeout=60), timeout=20)
    await later
    assert [int(m.data) for m in msgs] == [1]


async def test_what_follows_the_message_a_waiting_fetch_returned_is_taken_by_the_next_fetches_once(
        iso: Settings, js) -> None:
    sub = await _consumer(js, iso, "pull_leftover")
    later = asyncio.ensure_future(_publish_soon(js, iso))
    first = await pull.fetch(sub, 50, timeout=30)  # nothing there yet: the first message to arrive returns it
    await later
    await _publish(js, iso, 100, 3)
    seen = [int(m.data) for m in first]
    while len(seen) < 13:
        seen += [int(m.data) for m in await pull.fetch(sub, 50, timeout=5)]
    assert seen == [*range(1, 11), 100, 101, 102], "every message once, in stream order"
    for msg in first:
        await msg.ack_sync()
    info = await sub.consumer_info()
    assert info.ack_floor.stream_seq >= len(first), "the fetched messages are acknowledged as any others"


async def _publish_soon(js, iso: Settings) -> None:
    await asyncio.sleep(0.3)
    await _publish(js, iso, 1, 10)


async def test_a_consumer_deleted_while_a_fetch_waits_ends_the_fetch(iso: Settings, js) -> None:
    sub = await _consumer(js, iso, "pull_deleted")

    async def delete_later() -> None:
        await asyncio.sleep(0.3)
        await js.delete_consumer(iso.stream_name, "pull_deleted")

    later = asyncio.ensure_future(delete_later())
    fetching = asyncio.ensure_future(pull.fetch(sub, 50, timeout=60))
    done, _ = await asyncio.wait({fetching}, timeout=20)
    await later
    assert fetching in done, "the server ended the waiting request: the fetch did not wait out its 60 s"
    with pytest.raises(TimeoutError):  # nothing came
        fetching.result()
