"""NATS JetStream helpers: connecting, and the one stream that holds every event."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from shared.settings import Settings

log = logging.getLogger(__name__)
DUPLICATE_WINDOW_SECONDS = 120.0


async def connect(settings: Settings, name: str) -> Client:
    """A connection that keeps (re)connecting for as long as the process lives, logging each change once.

    With the server down, this waits until it answers (the boot loop shows it as starting meanwhile).
    """

    last_error = [""]  # while the server stays away, each failed attempt fails alike: logged once

    async def on_error(error: Exception) -> None:
        text = str(error) or type(error).__name__
        if text != last_error[0]:
            last_error[0] = text
            log.warning("nats (%s): %s (retrying until it answers)", name, text)

    async def on_disconnected() -> None:  # also called on a normal close
        log.info("nats (%s): disconnected", name)

    async def on_reconnected() -> None:
        last_error[0] = ""
        log.warning("nats (%s): reconnected", name)

    return await nats.connect(
        settings.nats_url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5, connect_timeout=5,
        error_cb=on_error, disconnected_cb=on_disconnected, reconnected_cb=on_reconnected,
    )


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Creates the stream for ``<prefix>.>`` if missing; waits until it answers."""
    config = StreamConfig(
        name=settings.stream_name,
        subjects=[f"{settings.subject_prefix}.>"],
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )
    try:
        await js.stream_info(settings.stream_name)
    except NotFoundError:
        await js.add_stream(config)
    await wait_for_stream(js, settings.stream_name)


async def wait_for_stream(js: JetStreamContext, stream: str, timeout: float = 30.0) -> None:
    """Polls until the stream is visible (after a server restart the port answers first)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await js.stream_info(stream)
            return
        except (TimeoutError, nats.errors.Error):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)
