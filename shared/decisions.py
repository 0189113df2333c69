"""What a projection's batch decides for each message, and where a halting projection stopped."""

from __future__ import annotations

from dataclasses import dataclass, field

from nats.aio.msg import Msg

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
