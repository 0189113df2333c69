"""Events held back in memory until the earlier event of their source has been applied.

A projection applies each source's events in their order (``prevsequence`` names the event before). An event that
arrives ahead of its source's next one (the relay refilled a gap, so the missing event comes later in the stream; or
a halting projection stopped at the event before) is neither applied nor NAKed: the runner keeps the message, unacked,
and tells the server every ``ACK_WAIT / 3`` that it is still working on it, so it is not redelivered. Once the event
before it is applied (in that batch or a later one), the held events of the source are applied after it in the same
transaction, in sequence order, and acknowledged once it commits.

NAKing them instead (as a consumer without this does) brings each back when its delay expires, in no useful order,
mostly before the event it waits for: each is NAKed again with a longer delay, and thousands of messages are delivered
again and again while the consumer crawls. Held, each is delivered once.

Memory is bounded (``SW_CONSUMER_MAX_HELD`` messages per consumer): beyond it, a waiting event is NAKed with a delay,
as before. A batch applies at most ``SW_CONSUMER_BATCH`` held events besides what it fetched; if more could follow, the
next batch applies them before anything new is fetched. Nothing depends on this memory: a message is acknowledged only
after the transaction applying it commits. A failed batch ends the consumer's loop, which hands the held messages back
(NAKed, delivered again at once) before it restarts; if the process died, the server redelivers them after the ack
wait.

Replicas of a service share one durable consumer, and the server hands them the waiting events alternately: each
holds every other one, and each event applied by one lets the other apply the next. A replica holding events
therefore looks again soon when nothing new arrives (``Held.fetch_timeout``: 20 ms while the last look applied
something, doubling up to the idle second while nothing moves): behind a refilled gap, two replicas had taken turns
at about two events a second; they now follow each other within milliseconds, and a gap that is not refilled yet
still costs a look a second.

``Held`` is what survives between batches; ``Pending`` is one batch's working copy, so a batch rolled back (and
applied again carefully, or not at all) leaves ``Held`` as it was: it changes only in ``settle``, after the commit.
"""

from __future__ import annotations

import contextlib
import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import nats.errors
from nats.aio.msg import Msg

from shared.decisions import Batch, Decision
from shared.envelope import CloudEvent

ACK_WAIT = 30.0  # seconds the server waits for an acknowledgement before it redelivers
KEEP_ALIVE_EVERY = ACK_WAIT / 3
FOLLOW_FIRST = 0.02  # seconds a fetch waits while events are held and the last pass applied some of them
WAITING = "an earlier event of this source is still on its way"


@dataclass(order=True)
class Waiting:
    """One held message: the event's sequence in its source, the event, the message itself."""

    sequence: int
    event: CloudEvent = field(compare=False)
    msg: Msg = field(compare=False)
    touched: float = field(default_factory=time.monotonic, compare=False)  # last sign of progress sent


class Held:
    """The messages a consumer holds, per source and sequence, between batches."""

    def __init__(self, limit: int, budget: int) -> None:
        self.limit = limit
        self.budget = budget  # held events one batch applies at most, besides the messages it fetched
        self.ready = False  # the last batch stopped at its budget: the next applies held events before fetching
        self._by_source: dict[str, dict[int, Waiting]] = {}
        self._follow = FOLLOW_FIRST

    def fetch_timeout(self, idle: float) -> float:
        """How long the next fetch may wait for new messages: ``idle`` when nothing is held; while events are held,
        briefly, so that those another replica's progress lets through follow it at once, doubling up to ``idle``
        while nothing moves (a gap the relay has not refilled yet costs a pass a second, not fifty)."""
        return min(self._follow, idle) if self._by_source else idle

    def passed(self, held_before: int) -> None:
        """After a pass: the wait shortens again if it applied held events, or grows if none could be applied."""
        moved = not self._by_source or len(self) < held_before
        self._follow = FOLLOW_FIRST if moved else self._follow * 2

    def __len__(self) -> int:
        return sum(len(held) for held in self._by_source.values())

    def pending(self) -> Pending:
        """A working copy for one batch."""
        return Pending(self)

    def settle(self, batch: Batch) -> None:
        """After the commit: a message decided "hold" is kept (replacing an older delivery of the same event); any
        other decision on an event releases it."""
        self.ready = batch.more_held
        for decision in batch.decisions:
            event = decision.event
            if event is None:
                continue
            held = self._by_source.setdefault(event.source, {})
            if decision.action == "hold":
                known = held.get(event.sequence)
                if known is None or known.msg is not decision.msg:
                    held[event.sequence] = Waiting(event.sequence, event, decision.msg)
            else:
                held.pop(event.sequence, None)
            if not held:
                del self._by_source[event.source]

    async def keep_alive(self, every: float = KEEP_ALIVE_EVERY) -> None:
        """Tells the server the held messages are still being worked on (each at most once per ``every``)."""
        now = time.monotonic()
        for held in self._by_source.values():
            for waiting in held.values():
                if now - waiting.touched >= every:
                    with contextlib.suppress(nats.errors.Error, TimeoutError):
                        await waiting.msg.in_progress()
                    waiting.touched = now

    async def hand_back(self) -> None:
        """Hands every held message back to the server (to be delivered again at once) and forgets them."""
        held, self._by_source, self.ready = self._by_source, {}, False
        for waiting in (w for source in held.values() for w in source.values()):
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await waiting.msg.nak()

    def waiting(self, source: str) -> list[Waiting]:
        """The held messages of one source, in sequence order."""
        return sorted(self._by_source.get(source, {}).values())

    def sources(self) -> list[str]:
        """The sources of which a message is held."""
        return list(self._by_source)


class Pending:
    """One batch's view of the held messages: what it may apply, and what it holds in addition."""

    def __init__(self, held: Held) -> None:
        self.limit, self.budget, self.cut = held.limit, held.budget, False
        self._queues = {source: held.waiting(source) for source in held.sources()}  # heaps by sequence
        self._keys = {(source, w.sequence) for source, queue in self._queues.items() for w in queue}
        self._new: dict[tuple[str, int], Waiting] = {}

    def sources(self) -> list[str]:
        """The sources of which a message is held."""
        return [source for source, queue in self._queues.items() if queue]

    def hold(self, event: CloudEvent, msg: Msg) -> bool:
        """Holds a message whose event must wait; False if the limit is reached (it must be NAKed)."""
        queue = self._queues.setdefault(event.source, [])
        waiting = Waiting(event.sequence, event, msg)
        key = (event.source, event.sequence)
        if key in self._keys:  # delivered again while held (rare): the newer delivery is the one to answer
            queue[next(i for i, w in enumerate(queue) if w.sequence == event.sequence)] = waiting  # still a heap
        elif len(self._keys) >= self.limit:
            return False
        else:
            heapq.heappush(queue, waiting)
            self._keys.add(key)
        self._new[key] = waiting
        return True

    def next_ready(self, source: str, applied: int) -> Msg | None:
        """The source's held message that may be applied now that ``applied`` is its last applied sequence (the
        earliest held one, if the event before it is applied), taken out of the view; None if there is none."""
        queue = self._queues.get(source)
        if not queue or queue[0].event.prevsequence > applied:
            return None
        if self.budget <= 0:  # a batch of its usual size: the rest in the next one, before anything is fetched
            self.cut = True
            return None
        self.budget -= 1
        waiting = heapq.heappop(queue)
        self._keys.discard((source, waiting.sequence))
        self._new.pop((source, waiting.sequence), None)
        return waiting.msg

    def close(self, batch: Batch) -> None:
        """Ends the batch: a "hold" decision for each message it held that was not held before it (and was not
        applied after all), and whether held events are left that could be applied at once."""
        batch.decisions.extend(Decision(w.msg, "hold", WAITING, event=w.event) for w in self._new.values())
        batch.more_held = self.cut


async def give_back(msgs: Sequence[Msg], delay: float | None = 1.0) -> None:
    """After a failed batch (the database, most likely): redeliver it soon, not after the ack wait (``delay``
    seconds; None: at once)."""
    for msg in msgs:
        with contextlib.suppress(nats.errors.Error, TimeoutError):
            await msg.nak(delay=delay)
