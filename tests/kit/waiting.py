"""Waiting for what happens asynchronously (projections, relays), without fixed sleeps."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar

from nats.js import JetStreamContext

T = TypeVar("T")


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
