"""Workforce queries answered from the aggregates: a worker (masked unless revealed), an organisation, a supervisor,
the baseline. Every reveal of personal data is logged. Two things are read from some of the stored events instead,
through indexes of only those events: the masked identities of a list of workers (hiring, phone changes) and a
worker's courses (training)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic

from services.workforce.application.base import EMPLOYER, HR, WORKER_READERS, WorkforceBase
from services.workforce.application.views import baseline_view, organisation_view, supervisor_view, worker_view
from services.workforce.domain import (
    ServiceOrganisation,
    SocialWorker,
    WorkforceBaseline,
    mask_national_id,
    mask_phone,
)
from shared.domain import Context, Forbidden, NotFound, Role

log = logging.getLogger("sw.workforce.personal_data")


def _topics(*events: type) -> tuple[str, ...]:
    """The topics these events are stored under: today's, and the one of events stored before the domain became a
    package (``services.workforce.domain:SocialWorker.Hired``), which still load."""
    return tuple(t for e in events for t in (get_topic(e), f"services.workforce.domain:{e.__qualname__}"))


IDENTITY_TOPICS = _topics(SocialWorker.Hired, SocialWorker.PhoneChanged)
TRAINING_TOPICS = _topics(SocialWorker.TrainingCompleted)


def topics_predicate(topics: tuple[str, ...]) -> str:
    """``topic IN (...)`` of these topics (code, never input), written as literals so that a query and the partial
    index made of the same predicate share it (PostgreSQL then reads the query through the index)."""
    assert all(topic.replace(".", "").replace(":", "").replace("_", "").isalnum() for topic in topics)
    return "topic IN ({})".format(", ".join(f"'{topic}'" for topic in topics))


IDENTITY_EVENTS = topics_predicate(IDENTITY_TOPICS)
"""The stored events that carry a worker's id number or phone."""
TRAINING_EVENTS = topics_predicate(TRAINING_TOPICS)
"""The stored events of the courses a worker completed."""


def _partial_index_ddl(events_table: str, name: str, predicate: str) -> str:
    assert events_table.isidentifier(), events_table
    return (f'CREATE INDEX IF NOT EXISTS "{events_table}_{name}" ON "{events_table}" '
            f"(originator_id, originator_version) WHERE {predicate}")


def identity_index_ddl(events_table: str) -> tuple[str, ...]:
    """An index of only the identity events, so a page of masked identities reads one or two index entries and rows
    per worker, however long the workers' histories are (the store's own index holds every event of a worker).

    It replaces ``<table>_identity``, whose predicate named today's topics only: PostgreSQL reads a query through a
    partial index only if the query's predicate implies the index's."""
    assert events_table.isidentifier(), events_table
    return (f'DROP INDEX IF EXISTS "{events_table}_identity"',
            _partial_index_ddl(events_table, "identities", IDENTITY_EVENTS))


def training_index_ddl(events_table: str) -> str:
    """An index of only the training events, so a worker's record reads its courses and none of its other events."""
    return _partial_index_ddl(events_table, "training", TRAINING_EVENTS)


class WorkforceQueries(WorkforceBase):
    """Reads with the same access rules as the commands: a contractor sees only its own workers."""

    def get_worker(self, worker_id: UUID, reveal_personal_data: bool = False,
                   ctx: Context | None = None) -> dict[str, Any]:
        """A worker's record; id number and phone masked unless revealed to a role that needs them."""
        return self._worker_record(self.load(SocialWorker, worker_id), reveal_personal_data, ctx)

    def _worker_record(self, worker: SocialWorker, reveal_personal_data: bool, ctx: Context | None) -> dict[str, Any]:
        reveal = bool(reveal_personal_data and ctx is not None and self.may_reveal(ctx, worker))
        if reveal:
            assert ctx is not None
            log.info("personal data of worker %s revealed to %s (%s, %s)", worker.id, ctx.actor, ctx.role,
                     ctx.organisation)
        return worker_view(worker, reveal, self.courses(worker))

    def courses(self, worker: SocialWorker) -> list[dict[str, Any]]:
        """The courses the worker completed, oldest first, read from its stored ``TrainingCompleted`` events up to
        the version loaded (so the list agrees with the version and totals the record shows)."""
        if worker.training_count == 0:
            return []
        if isinstance(self.recorder, PostgresApplicationRecorder):
            stored = self._stored_events([worker.id], TRAINING_EVENTS, up_to=worker.version)
        else:  # an in-memory store: every event of the worker, those of its courses kept
            stored = [event for event in self.recorder.select_events(worker.id, lte=worker.version)
                      if event.topic in TRAINING_TOPICS]
        completed = [self.mapper.to_domain_event(event) for event in stored]
        return [{"course": c.course, "hours": c.hours, "completed_on": c.completed_on} for c in completed]

    def view_worker(self, ctx: Context, worker_id: UUID, reveal_personal_data: bool = False) -> dict[str, Any]:
        """A worker's record for a caller allowed to read it; asking to reveal without the right is refused.
        The worker is loaded once."""
        ctx.require(*WORKER_READERS)
        worker = self.load(SocialWorker, worker_id)
        if ctx.has_role(Role.CONTRACTOR) and not self.employs(ctx, worker):
            raise NotFound(f"socialworker {worker_id} not found")  # other organisations' workers stay hidden
        if reveal_personal_data and not self.may_reveal(ctx, worker):
            raise Forbidden(f"role {ctx.role!r} may not see personal data; the record is shown masked without reveal")
        return self._worker_record(worker, reveal_personal_data, ctx)

    def find_worker(self, ctx: Context, national_id_number: str) -> dict[str, Any]:
        """The worker id of a national id number, if that person is on record (and visible to the caller)."""
        ctx.require(*EMPLOYER, HR)
        worker_id = self.worker_id_for(national_id_number)
        if not self.exists(worker_id):
            raise NotFound("no worker with this national id number is on record")
        worker = self.load(SocialWorker, worker_id)
        if ctx.has_role(Role.CONTRACTOR) and not self.employs(ctx, worker):
            raise NotFound("no worker with this national id number is on record")
        return {"id": str(worker_id), "version": worker.version, "worker_id": str(worker_id)}

    def masked_identities(self, worker_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """The masked national id number and phone of each worker, for lists (never the whole values).

        One query reads only each worker's hiring and phone changes from the store (no aggregate is replayed), so a
        page of the roster costs the same however long the workers' histories are.
        """
        ids = [UUID(str(worker_id)) for worker_id in worker_ids]
        if not isinstance(self.recorder, PostgresApplicationRecorder):  # an in-memory store: replay
            return {str(i): self._masked(self.load(SocialWorker, i)) for i in ids}
        identity: dict[str, dict[str, str]] = {}
        for stored in self._stored_events(ids, IDENTITY_EVENTS):
            event = self.mapper.to_domain_event(stored)
            current = identity.setdefault(str(stored.originator_id), {})
            if isinstance(event, SocialWorker.Hired):
                current["national_id_number"] = mask_national_id(event.national_id_number)
            current["phone"] = mask_phone(event.phone)
        missing = [i for i in ids if str(i) not in identity]
        for worker_id in missing:  # not a worker of this store: the load says so (404)
            self.load(SocialWorker, worker_id)
        return identity

    @staticmethod
    def _masked(worker: SocialWorker) -> dict[str, str]:
        return {"national_id_number": mask_national_id(worker.national_id_number), "phone": mask_phone(worker.phone)}

    def _stored_events(self, ids: list[UUID], predicate: str, up_to: int | None = None) -> list[StoredEvent]:
        """The stored events of these workers that ``predicate`` (``IDENTITY_EVENTS``, ``TRAINING_EVENTS``) selects,
        up to version ``up_to`` if given, each worker's oldest first."""
        if not ids:
            return []
        recorder = self.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)  # the callers checked it
        table = recorder.events_table_name  # the application's name + "_events", never input
        assert table.isidentifier(), table
        up_to_version = "" if up_to is None else "AND originator_version <= %s "
        statement = (f'SELECT originator_id, originator_version, topic, state FROM "{table}" '
                     f"WHERE originator_id = ANY(%s) {up_to_version}AND {predicate} "
                     "ORDER BY originator_id, originator_version")
        with recorder.datastore.transaction(commit=False) as cur:
            cur.execute(statement, (ids,) if up_to is None else (ids, up_to))
            return [StoredEvent(originator_id=row["originator_id"], originator_version=row["originator_version"],
                                topic=row["topic"], state=bytes(row["state"])) for row in cur.fetchall()]

    def get_organisation(self, organisation_id: UUID) -> dict[str, Any]:
        """An organisation's record, with the contracts and stations it holds."""
        return organisation_view(self.load(ServiceOrganisation, organisation_id))

    def supervisor_load(self, supervisor_id: UUID) -> dict[str, Any]:
        """How many stations a supervisor has against the policy's 5–8, with warnings."""
        worker = self.load(SocialWorker, supervisor_id)
        if worker.supervisor_since is None:
            raise NotFound(f"supervisor {supervisor_id} not found: {worker.name} is not a supervisor")
        return supervisor_view(worker, self.policy)

    def get_baseline(self, county_code: str) -> dict[str, Any]:
        """The county's baseline and yearly figures (the shape ``assess_targets`` takes)."""
        return baseline_view(self.load(WorkforceBaseline, WorkforceBaseline.create_id(county_code.strip())))
