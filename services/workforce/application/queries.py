"""Workforce queries answered from the aggregates: a worker (masked unless revealed), an organisation, a supervisor,
the baseline. Every reveal of personal data is logged."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

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


class WorkforceQueries(WorkforceBase):
    """Reads with the same access rules as the commands: a contractor sees only its own workers."""

    def get_worker(self, worker_id: UUID, reveal_personal_data: bool = False,
                   ctx: Context | None = None) -> dict[str, Any]:
        """A worker's record; id number and phone masked unless revealed to a role that needs them."""
        worker = self.load(SocialWorker, worker_id)
        reveal = bool(reveal_personal_data and ctx is not None and self.may_reveal(ctx, worker))
        if reveal:
            assert ctx is not None
            log.info("personal data of worker %s revealed to %s (%s, %s)", worker.id, ctx.actor, ctx.role,
                     ctx.organisation)
        return worker_view(worker, reveal)

    def view_worker(self, ctx: Context, worker_id: UUID, reveal_personal_data: bool = False) -> dict[str, Any]:
        """A worker's record for a caller allowed to read it; asking to reveal without the right is refused."""
        ctx.require(*WORKER_READERS)
        worker = self.load(SocialWorker, worker_id)
        if ctx.has_role(Role.CONTRACTOR) and not self.employs(ctx, worker):
            raise NotFound(f"socialworker {worker_id} not found")  # other organisations' workers stay hidden
        if reveal_personal_data and not self.may_reveal(ctx, worker):
            raise Forbidden(f"role {ctx.role!r} may not see personal data; the record is shown masked without reveal")
        return self.get_worker(worker_id, reveal_personal_data, ctx)

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
        """The masked national id number and phone of each worker, for lists (never the whole values)."""
        masked = {}
        for worker_id in worker_ids:
            worker = self.load(SocialWorker, UUID(str(worker_id)))
            masked[str(worker_id)] = {"national_id_number": mask_national_id(worker.national_id_number),
                                      "phone": mask_phone(worker.phone)}
        return masked

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
