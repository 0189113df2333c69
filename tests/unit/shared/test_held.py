"""Held events: what a batch may apply, what it holds, what survives it, and what the server is told."""

from __future__ import annotations

from types import SimpleNamespace

from shared import envelope
from shared.decisions import Batch, Decision
from shared.envelope import CloudEvent
from shared.held import WAITING, Held
from tests.unit.shared.test_projection_decide import document

SOURCE = envelope.source_of("stations")


class Message(SimpleNamespace):
    """A delivered message that records what the server was told about it."""

    def __init__(self, sequence: int) -> None:
        super().__init__(sequence=sequence, told=[])

    async def in_progress(self) -> None:
        self.told.append("in progress")

    async def nak(self, delay: float | None = None) -> None:
        self.told.append("nak")


def event(sequence: int) -> CloudEvent:
    return CloudEvent.model_validate(document(sequence))


def holding(held: Held, *sequences: int) -> list[Message]:
    """One committed batch that held these events."""
    pending, batch, msgs = held.pending(), Batch(), [Message(s) for s in sequences]
    for msg in msgs:
        assert pending.hold(event(msg.sequence), msg)
    pending.close(batch)
    held.settle(batch)
    return msgs


def test_held_events_come_out_in_sequence_order_as_far_as_each_follows_the_last_applied() -> None:
    held = Held(limit=100, budget=100)
    holding(held, 5, 3, 4, 8)
    pending = held.pending()
    assert pending.next_ready(SOURCE, 1) is None, "3 waits for 2"
    taken = []
    applied = 2
    while (msg := pending.next_ready(SOURCE, applied)) is not None:
        taken.append(msg.sequence)
        applied = msg.sequence
    assert taken == [3, 4, 5], "8 waits for 7"


def test_a_batch_holds_up_to_the_limit_and_a_delivery_again_of_a_held_event_replaces_it() -> None:
    held = Held(limit=2, budget=100)
    first = holding(held, 3, 4)
    pending = held.pending()
    assert not pending.hold(event(5), Message(5)), "beyond the limit: NAKed instead"
    again = Message(4)
    assert pending.hold(event(4), again)
    batch = Batch()
    pending.close(batch)
    assert [(d.action, d.msg) for d in batch.decisions] == [("hold", again)]
    held.settle(batch)
    assert [w.msg for w in held.waiting(SOURCE)] == [first[0], again]


def test_a_batch_takes_at_most_its_budget_of_held_events_and_says_more_could_follow() -> None:
    held = Held(limit=100, budget=2)
    holding(held, 2, 3, 4)
    pending, batch = held.pending(), Batch()
    assert [pending.next_ready(SOURCE, s) is not None for s in (1, 2, 3)] == [True, True, False]
    pending.close(batch)
    assert batch.more_held


def test_held_events_change_only_when_a_batch_commits() -> None:
    held = Held(limit=100, budget=100)
    msgs = holding(held, 2, 3)
    pending = held.pending()
    assert pending.next_ready(SOURCE, 1) is msgs[0]
    assert len(held) == 2, "a batch rolled back leaves them held"
    applied = Batch(decisions=[Decision(msgs[0], "ack", event=event(2), applied=True)])
    held.settle(applied)
    assert [w.sequence for w in held.waiting(SOURCE)] == [3]


async def test_the_server_hears_of_held_messages_before_their_ack_wait_and_gets_them_back_on_stopping() -> None:
    held = Held(limit=100, budget=100)
    msgs = holding(held, 2, 3)
    await held.keep_alive(every=60.0)
    assert all(m.told == [] for m in msgs), "held only a moment ago"
    await held.keep_alive(every=0.0)
    assert all(m.told == ["in progress"] for m in msgs)
    await held.hand_back()
    assert all(m.told == ["in progress", "nak"] for m in msgs) and len(held) == 0


def test_a_hold_decision_names_why() -> None:
    held = Held(limit=100, budget=100)
    pending, batch = held.pending(), Batch()
    pending.hold(event(9), Message(9))
    pending.close(batch)
    assert batch.decisions[0].reason == WAITING


def applying(held: Held, *sequences: int) -> None:
    """One committed batch that applied these held events."""
    pending, batch = held.pending(), Batch()
    for s in sequences:
        msg = pending.next_ready(SOURCE, s - 1)
        assert msg is not None
        batch.decisions.append(Decision(msg, "ack", event=event(s)))
    pending.close(batch)
    held.settle(batch)


def test_while_events_are_held_the_next_look_comes_soon_after_progress_and_backs_off_without() -> None:
    held = Held(limit=100, budget=100)
    assert held.fetch_timeout(1.0) == 1.0, "nothing held: the idle wait"
    holding(held, 3, 4, 6)
    first = held.fetch_timeout(1.0)
    assert first < 0.1, "held events may follow another replica's progress at any moment"
    waits = []
    for _ in range(8):  # nothing moves (the gap is not refilled yet)
        held.passed(len(held))
        waits.append(held.fetch_timeout(1.0))
    assert waits == sorted(waits) and waits[-1] == 1.0, "backs off to the idle wait"
    before = len(held)
    applying(held, 3, 4)  # the event before 3 was applied by another replica
    held.passed(before)
    assert held.fetch_timeout(1.0) == first, "progress: look again soon"
