"""NATS JetStream helpers: connecting, and the one stream that holds every event."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.settings import Settings

log = logging.getLogger(__name__)
# How long the stream remembers a Nats-Msg-Id. A relay republishes a batch whose acknowledgement it did not get
# (a lost reply, a leader election, a reconnect): two minutes covers a cluster's leader election (seconds), the
# client's reconnect and the relay's longest back-off many times over. Each remembered id costs memory on every
# replica, so it is not made longer: a copy arriving later is still found by the relay's stream check
# (shared.heal) and skipped by every consumer, which track each source's sequence.
DUPLICATE_WINDOW_SECONDS = 120.0


def connect_options(settings: Settings) -> dict[str, Any]:
    """How a process reaches NATS: its servers, its user's nkey seed, its inbox prefix, TLS when a CA is set."""
    options: dict[str, Any] = {"servers": [u.strip() for u in settings.nats_url.split(",") if u.strip()],
                               "inbox_prefix": settings.nats_inbox_prefix}
    if settings.nats_nkey_seed_file:
        options["nkeys_seed"] = settings.nats_nkey_seed_file
    if settings.nats_tls_ca_file:
        options["tls"] = ssl.create_default_context(cafile=settings.nats_tls_ca_file)
    return options


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
        **connect_options(settings), name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5, connect_timeout=5,
        error_cb=on_error, disconnected_cb=on_disconnected, reconnected_cb=on_reconnected,
    )


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Creates the stream for ``<prefix>.>`` if missing; waits until it answers."""
    try:
        await js.stream_info(settings.stream_name)
    except NotFoundError:
        await js.add_stream(stream_config(settings))
    await wait_for_stream(js, settings.stream_name)


def stream_config(settings: Settings) -> StreamConfig:
    """The stream of one deployment (a county): its subjects, replicas and size; full, it refuses new events."""
    return StreamConfig(
        name=settings.stream_name,
        subjects=[f"{settings.subject_prefix}.>"],
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=settings.stream_replicas,
        max_bytes=settings.stream_max_bytes,
        discard=DiscardPolicy.NEW,
        storage=StorageType.FILE,
    )


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
