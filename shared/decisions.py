"""What a projection's batch decides for each message, and where a halting projection stopped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared import metrics
from shared.envelope import CloudEvent


@dataclass
class Decision:
    """What happens to one message once the batch's transaction is settled."""

    msg: Msg
    action: str  # "ack", "nak", "dlq", "hold" (kept unacked until the event before it is applied: shared.held)
    reason: str = ""
    delay: float = 0.0
    applied: bool = False  # the event's changes are in the batch's transaction
    event: CloudEvent | None = None  # the event the message carries, once parsed


@dataclass
class Halt:
    """Where a halting projection stopped for one source: the event, its sequence, and why."""

    event_id: str
    sequence: int
    reason: str


@dataclass
class Batch:
    """One batch's decisions, the positions it reached per source, and where it halted."""

    decisions: list[Decision] = field(default_factory=list)
    reached: dict[str, tuple[int, int]] = field(default_factory=dict)
    halted: dict[str, Halt] = field(default_factory=dict)
    quick: bool = False  # no savepoint per event: a failing one sends the batch back to be applied carefully
    more_held: bool = False  # it applied as many held events as it may: others could follow at once


async def dead_letter(js: JetStreamContext, stream: str, subject: str, projection: str,
                      decisions: Sequence[Decision]) -> None:
    """Publishes each message the batch dead-letters to ``subject``, the reason and its origin in its headers."""
    for decision in decisions:
        if decision.action != "dlq":
            continue
        meta = decision.msg.metadata
        headers = {
            "Sw-Dlq-Reason": decision.reason[:1000],
            "Sw-Dlq-Projection": projection,
            "Sw-Original-Subject": decision.msg.subject,
            "Sw-Original-Stream-Sequence": str(meta.sequence.stream),
            "Nats-Msg-Id": f"dlq-{projection}-{meta.sequence.stream}",
        }
        await js.publish(subject, decision.msg.data, headers=headers, stream=stream)
        metrics.CONSUMER_DEAD_LETTERED.labels(projection).inc()


async def settle(decisions: Sequence[Decision]) -> None:
    """Acknowledges or NAKs each message once the batch's transaction is settled (held ones stay unanswered)."""
    for decision in decisions:
        if decision.action == "nak":
            await decision.msg.nak(delay=decision.delay)
        elif decision.action != "hold":  # held: answered once applied (shared.held)
            await decision.msg.ack()
