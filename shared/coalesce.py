"""Batches with nothing for a read model wait to be applied with the next batch that has something.

A projection consumes the whole stream, and most events concern none of its handlers: a misuse report at a station
means nothing to the workforce roster. Applying a batch of such events changes nothing but the projection's recorded
positions, yet costs what any batch costs: a connection, a transaction, the positions read and written, a commit.
At a few commands a second a batch holds one or two events, so every service paid a commit for each event of every
other service.

``Deferred`` keeps such a batch in memory, unacknowledged, and applies it with what follows: as soon as a fetched
batch holds an event the read model has a handler for, once the waiting messages make a full batch
(``SW_CONSUMER_BATCH``), or once the first of them has waited ``SW_CONSUMER_COALESCE_MS``. They are then applied
first, in stream order, in the same transaction as what came after them. Nothing is passed over: each message is
decided as it always is (a redelivery acknowledged, a broken document dead-lettered, a position recorded), only up
to that long later; an event the read model handles is never delayed. Whether a message concerns the read model is
judged from its subject alone (``<prefix>.<service>.<aggregate>.<event>``, the words of its CloudEvents type), without
decoding it: a document whose type and subject disagree is only applied later, never differently.

A projection that applies every event (the audit ledger) never waits. If the loop stops or fails, the waiting
messages are handed back at once, as the held ones are (``shared.held``); if the process dies, the server redelivers
them after the ack wait, which is far longer than the window.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence

from nats.aio.msg import Msg

from shared.held import give_back

_VERSION = re.compile(r"\.v\d+$")


def subject_words(event_types: Iterable[str]) -> frozenset[str]:
    """The subject words of CloudEvents types: ``sw.workforce.worker.hired.v1`` → ``workforce.worker.hired``."""
    return frozenset(_VERSION.sub("", t).removeprefix("sw.") for t in event_types)


class Deferred:
    """One consumer's messages that concern none of its handlers, waiting for a batch to go with."""

    def __init__(self, prefix: str, words: frozenset[str] | None, most: int, window: float) -> None:
        self._skip = len(prefix) + 1
        self.words = words  # None: every message concerns the read model (nothing ever waits)
        self.most = most
        self.window = window
        self.msgs: list[Msg] = []
        self._since = 0.0

    def __len__(self) -> int:
        return len(self.msgs)

    def concerns(self, msg: Msg) -> bool:
        """True if a handler may apply the message (judged from its subject)."""
        return self.words is None or msg.subject[self._skip:] in self.words

    def take(self, msgs: Sequence[Msg], holding: bool) -> list[Msg]:
        """What to apply now: ``msgs`` after the waiting ones, or nothing while ``msgs`` wait with them.

        ``holding``: the consumer holds events back (``shared.held``); its batches are not delayed then."""
        if msgs and not holding and self.window > 0 and len(self.msgs) + len(msgs) < self.most \
                and not any(self.concerns(msg) for msg in msgs):
            if not self.msgs:
                self._since = time.monotonic()
            if not self.expired():
                self.msgs.extend(msgs)
                return []
        taken, self.msgs = [*self.msgs, *msgs], []
        return taken

    def expired(self) -> bool:
        """True once the first waiting message has waited the whole window."""
        return time.monotonic() - self._since >= self.window

    def fetch_timeout(self, idle: float) -> float:
        """How long the next fetch may wait: ``idle`` when nothing waits, else what is left of the window."""
        if not self.msgs:
            return idle
        return max(min(idle, self.window - (time.monotonic() - self._since)), 0.001)

    async def hand_back(self) -> None:
        """Redelivers the waiting messages at once (the loop is stopping, or failed)."""
        msgs, self.msgs = self.msgs, []
        await give_back(msgs, delay=None)
