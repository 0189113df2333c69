"""Commands on supervisors (督导): designate a worker, give or take stations (civil affairs admin)."""

from __future__ import annotations

from typing import Any, Unpack
from uuid import UUID

from services.workforce.application.base import ADMIN, ChangeOptions, WorkforceBase
from services.workforce.application.views import supervisor_view
from services.workforce.domain import (
    SocialWorker,
)
from shared.application import Command
from shared.domain import Context
from shared.fields import Day


class DesignateSupervisor(Command):
    """A worker holding a qualifying certificate designated as supervisor."""

    designated_on: Day


class AssignSupervision(Command):
    """One more station for a supervisor."""

    station_id: UUID
    assigned_on: Day


class ReleaseSupervision(Command):
    """A station taken off a supervisor's list."""

    released_on: Day


class SupervisorCommands(WorkforceBase):
    """The plan's range of stations per supervisor is the policy's (``Settings``); above it is refused."""

    def supervisor_view(self, worker: SocialWorker) -> dict[str, Any]:
        """A supervisor's stations against the policy's range, with a warning below it."""
        return supervisor_view(worker, self.policy)

    def designate_supervisor(self, ctx: Context, worker_id: UUID, command: DesignateSupervisor,
                             **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Designates a worker holding a qualifying certificate as supervisor."""
        levels = self.policy.supervisor_certificate_levels
        return self.on_worker(ctx, (ADMIN,), worker_id, command,
                              lambda w: w.designate_supervisor(**dict(command), levels=levels, ctx=ctx),
                              view=self.supervisor_view, **options)

    def assign_supervision(self, ctx: Context, supervisor_id: UUID, command: AssignSupervision,
                           **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Gives a supervisor one more station, refused above the policy maximum."""
        maximum = self.policy.supervisor_max_stations
        return self.on_worker(ctx, (ADMIN,), supervisor_id, command,
                              lambda w: w.assign_supervision(**dict(command), max_stations=maximum, ctx=ctx),
                              view=self.supervisor_view, **options)

    def release_supervision(self, ctx: Context, supervisor_id: UUID, station_id: UUID, command: ReleaseSupervision,
                            **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Takes a station off a supervisor's list."""
        return self.on_worker(ctx, (ADMIN,), supervisor_id, command,
                              lambda w: w.release_supervision(station_id, **dict(command), ctx=ctx),
                              view=self.supervisor_view, **options)
