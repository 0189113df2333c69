"""The broker's acknowledgements of a batch of JetStream publishes, collected through one reply subscription.

nats-py's ``publish_async`` gives each message a future (and the relay waited on each with a timer of its own).
Here a relay subscribes once per connection to a wildcard inbox (``<inbox>.*``); each message of a batch is
published with the reply subject ``<inbox>.<number>``, and the subscription's callback records the broker's answer
under that number: stored (or already stored: a duplicate), or the error it gave. The batch waits once, for every
answer or one overall timeout; what did not answer in time counts as not acknowledged. An answer arriving after its
batch gave up on it names a number no batch waits for and is dropped.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import api
from nats.js.errors import APIError, NoStreamResponseError

NO_RESPONDERS = "503"


class NotAcknowledged(TimeoutError):
    """The broker gave no answer in time."""


class Acks:
    """One connection's reply subscription and the batch waiting on it."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self._next = 1  # the number the next batch's first message gets
        self._prefix = ""
        self._sub: Subscription | None = None
        self._waiting: Batch | None = None

    async def start(self) -> Acks:
        """Subscribes to the wildcard inbox (once)."""
        if self._sub is None:
            self._prefix = self.nc.new_inbox() + "."
            self._sub = await self.nc.subscribe(self._prefix + "*", cb=self._on_reply)
        return self

    def batch(self, size: int) -> Batch:
        """A batch of up to ``size`` messages, replacing the one waited on before (its late answers are dropped)."""
        first, self._next = self._next, self._next + size
        self._waiting = Batch(self._prefix, first, size)
        return self._waiting

    async def close(self) -> None:
        """Ends the subscription (e.g. when the relay moves to another connection)."""
        if self._sub is not None and not self.nc.is_closed:
            await self._sub.unsubscribe()
        self._sub = None

    async def _on_reply(self, msg: Msg) -> None:
        batch = self._waiting
        if batch is not None:
            batch.answer(msg.subject[len(self._prefix):], msg)


class Batch:
    """The answers of one batch's messages, by index in the batch."""

    def __init__(self, prefix: str, first: int, size: int) -> None:
        self.prefix, self.first, self.size = prefix, first, size
        self.outcomes: dict[int, BaseException | None] = {}  # index: None (stored) or what the broker answered
        self.sent = 0  # messages published and waited for
        self._closed = False  # no more messages: every answer is in once there are ``sent`` of them
        self._all: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def reply(self, index: int) -> str:
        """The reply subject of the message at ``index`` (which is then waited for)."""
        self.sent += 1
        return f"{self.prefix}{self.first + index}"

    def answer(self, token: str, msg: Msg) -> None:
        """Records the broker's answer to one message."""
        try:
            index = int(token) - self.first
        except ValueError:
            return
        if not 0 <= index < self.size or index in self.outcomes:
            return
        self.outcomes[index] = outcome(msg)
        if self._closed and len(self.outcomes) >= self.sent and not self._all.done():
            self._all.set_result(None)

    async def wait(self, timeout: float) -> None:
        """Once every message is published: waits until each is answered, or ``timeout`` seconds."""
        self._closed = True
        if len(self.outcomes) < self.sent:
            await asyncio.wait((self._all,), timeout=timeout)

    def result(self, index: int) -> BaseException | None:
        """None if the message at ``index`` was stored, else why not (no answer: ``NotAcknowledged``)."""
        if index not in self.outcomes:
            return NotAcknowledged("no acknowledgement in time")
        return self.outcomes[index]


def outcome(msg: Msg) -> BaseException | None:
    """None if the answer says the stream stored the message (or already held it), else the error it names."""
    if msg.headers and msg.headers.get(api.Header.STATUS) == NO_RESPONDERS:
        return NoStreamResponseError()
    try:
        answer: Any = orjson.loads(msg.data)
    except orjson.JSONDecodeError as exc:
        return APIError(description=f"unreadable acknowledgement: {exc}")
    if not isinstance(answer, dict):
        return APIError(description="unreadable acknowledgement")
    if "error" in answer:
        try:
            APIError.from_error(answer["error"])  # raises the error's class
        except APIError as exc:
            return exc
        except Exception as exc:  # an error without the expected fields
            return APIError(description=f"{type(exc).__name__}: {answer['error']}")
    if "stream" not in answer or "seq" not in answer:
        return APIError(description="unreadable acknowledgement")
    return None
