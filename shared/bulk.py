"""A bulk unit: many commands run exactly as one by one, their events saved together.

Inside ``with app.bulk(flush_every=n) as unit:`` a service application's commands keep their checks, encryption,
idempotency records and events, but a command's changed aggregates are collected instead of saved: their events join
the unit's batch in the order the commands ran, and a later command of the unit that loads one of them gets a copy of
it as collected (so a worker's twenty commands make one aggregate written once, with its twenty events). Every
``flush_every`` commands, and when the block ends, the batch is written in one transaction of the store (one table
lock, one commit) and snapshots are taken as after any save.

A command refused inside the unit (a domain error) acted on copies and leaves nothing of itself. A batch that cannot
be written is lost as a whole, never partly saved: the flush raises ``BulkNotSaved`` naming how many commands and
events were lost, and an exception leaving the block discards what was collected since the last flush. Commands of
earlier, flushed batches stay saved. A unit belongs to the thread that opened it; other threads' commands on the
same application are saved one by one as ever.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate


class BulkNotSaved(RuntimeError):
    """A bulk unit's batch could not be written: none of its commands' events were saved."""

    def __init__(self, commands: int, events: int, cause: BaseException) -> None:
        super().__init__(f"{commands} commands ({events} events) of a bulk unit were not saved: {cause!r}")
        self.commands = commands
        self.events = events


Record = Callable[[ProcessingEvent[UUID]], Any]
"""Writes a batch in one transaction of the store, answering its recordings."""
After = Callable[[ProcessingEvent[UUID], Any], None]
"""What follows a written batch (snapshots, notifications): never turns a written batch into a lost one."""


class BulkUnit:
    """The aggregates and events collected by a bulk unit's commands since its last flush."""

    def __init__(self, record: Record, after: After, flush_every: int) -> None:
        if flush_every < 1:
            raise ValueError("flush_every must be at least 1")
        self._record, self._after = record, after
        self.flush_every = flush_every
        self._aggregates: dict[UUID, Aggregate] = {}
        self._events: list[Any] = []
        self._commands = 0
        self.saved_commands = 0
        self.saved_events = 0
        self.flushes = 0

    @property
    def pending_commands(self) -> int:
        """Commands collected since the last flush."""
        return self._commands

    @property
    def pending_events(self) -> int:
        """Events collected since the last flush."""
        return len(self._events)

    def holds(self, aggregate_id: UUID) -> bool:
        """True if one of the unit's commands since the last flush changed (or made) this aggregate."""
        return aggregate_id in self._aggregates

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        """A copy of the aggregate as the unit's commands left it, or None if none of them changed it."""
        aggregate = self._aggregates.get(aggregate_id)
        return None if aggregate is None else copy.deepcopy(aggregate)

    def collect(self, aggregates: Sequence[Aggregate]) -> None:
        """Takes one command's changed aggregates (their pending events, in order); flushes every ``flush_every``
        commands."""
        for aggregate in aggregates:
            self._events.extend(aggregate.collect_events())
            self._aggregates[aggregate.id] = aggregate
        self._commands += 1
        if self._commands >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Writes the collected events in one transaction; on failure nothing of the batch is saved and
        ``BulkNotSaved`` is raised."""
        if not self._events:
            self.discard()
            return
        processing = ProcessingEvent[UUID]()
        processing.events = self._events
        processing.aggregates = self._aggregates
        commands, events = self._commands, len(self._events)
        self.discard()
        try:
            recordings = self._record(processing)
        except Exception as error:
            raise BulkNotSaved(commands, events, error) from error
        self.saved_commands += commands
        self.saved_events += events
        self.flushes += 1
        self._after(processing, recordings)

    def discard(self) -> None:
        """Forgets what was collected since the last flush (nothing of it is saved)."""
        self._aggregates, self._events, self._commands = {}, [], 0
