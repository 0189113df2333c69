"""Each test run's own databases and stream: isolated settings, cleanup, reading what reached the stream."""

from __future__ import annotations

import json
import secrets
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared.settings import Settings


def isolated(settings: Settings, **changes: Any) -> Settings:
    """The run's settings with a fresh subject prefix (own stream) and database prefix."""
    tag = secrets.token_hex(2)
    update = {
        "subject_prefix": f"{settings.subject_prefix}x{tag}",
        "database_prefix": f"{settings.database_prefix}{tag}_",
        **changes,
    }
    return settings.model_copy(update=update)


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
