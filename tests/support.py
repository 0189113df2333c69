"""Helpers for integration and end-to-end tests: isolated settings, waiting, cleanup."""

from __future__ import annotations

import asyncio
import inspect
import json
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared import store, stream
from shared.settings import Settings

T = TypeVar("T")


def isolated(settings: Settings, **changes: Any) -> Settings:
    """The run's settings with a fresh subject prefix (own stream) and database prefix."""
    tag = secrets.token_hex(2)
    update = {
        "subject_prefix": f"{settings.subject_prefix}x{tag}",
        "database_prefix": f"{settings.database_prefix}{tag}_",
        **changes,
    }
    return settings.model_copy(update=update)


def drop_run_databases(settings: Settings) -> None:
    """Drops every database whose name starts with the run's prefix."""
    with store.connect(store.url_for(settings.database_url, "postgres"), autocommit=True) as conn:
        names = [r["datname"] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (settings.database_prefix + "%",)
        ).fetchall()]
    for name in names:
        store.drop_database(settings.database_url, name)


async def delete_run_streams(settings: Settings) -> None:
    """Deletes every stream whose name starts with the run's prefix."""
    nc = await stream.connect(settings, "tests-cleanup")
    try:
        js = nc.jetstream()
        prefix = settings.stream_name.removesuffix("_EVENTS")
        for info in await js.streams_info():
            if info.config.name.startswith(prefix):
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()


async def read_subject(js: JetStreamContext, settings: Settings, subject: str, wait: float = 1.0) -> list:
    """Every message on ``subject`` in the stream, oldest first (an ephemeral consumer)."""
    sub = await js.pull_subscribe(subject, stream=settings.stream_name,
                                  config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=10.0))
    out = []
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=wait)
            except (TimeoutError, nats.errors.TimeoutError):
                return out
            for msg in msgs:
                await msg.ack()
            out.extend(msgs)
    finally:
        await sub.unsubscribe()


def documents(msgs: list) -> list[dict[str, Any]]:
    """The JSON documents of messages."""
    return [json.loads(m.data) for m in msgs]


def eventually(probe: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.2) -> T:
    """Polls ``probe`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


async def eventually_async(probe: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2) -> Any:
    """Polls ``probe`` (plain, or returning an awaitable), letting the event loop run between tries."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def run_until(runner, js: JetStreamContext, done: Callable[[], Any]) -> None:
    """Runs a projection until ``done()`` (called in a thread) is true."""
    runner.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(js, stop))
    try:
        await eventually_async(lambda: asyncio.to_thread(done), timeout=30)
    finally:
        stop.set()
        await task


def national_id(seq: int, born: str = "19900101") -> str:
    """A valid (GB 11643) national id number for test person ``seq``."""
    from services.workforce.domain import national_id_check_char

    first17 = f"522701{born}{seq:03d}"
    return first17 + national_id_check_char(first17)


def credit_code(seq: int, tag: str = "MJK") -> str:
    """A valid (GB 32100) unified social credit code for test organisation ``seq``."""
    from services.workforce.domain import credit_code_check_char

    first17 = f"52522700{tag}{seq:06d}"
    return first17 + credit_code_check_char(first17)
