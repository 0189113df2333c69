"""The station (社工站) of a township: its lifecycle from planning to closure, site, contractor, staff, coverage.

The rules are those of ``docs/domain.md`` §2.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, Invalid, day, refuse, text, texts, whole

from .common import NAMESPACE, PRE_OPENING, StationStatus


def stage_of(site_provided: bool, contracted: bool, staffed: bool) -> StationStatus:
    """A not-yet-open station's stage: planned, then sited, then under contract, then staffed, in that order.

    The one statement of the rule: the aggregate and the station-status view both use it.
    """
    if not site_provided:
        return StationStatus.PLANNED
    if not contracted:
        return StationStatus.SITE_PROVIDED
    if not staffed:
        return StationStatus.CONTRACTOR_ASSIGNED
    return StationStatus.STAFFED


class Station(Aggregate):
    """社工站: a township's social work service station (one per township, 一乡镇一站点)."""

    @staticmethod
    def id_for(township_code: str) -> UUID:
        """One station per township."""
        return uuid5(NAMESPACE, f"station:{township_code}")

    @classmethod
    def create_id(cls, township_code: str, **_: Any) -> UUID:
        """Deterministic id: a township cannot have two stations."""
        return cls.id_for(township_code)

    @event("Planned")
    def __init__(
        self,
        county_code: str,
        township_code: str,
        township_name: str,
        batch: int,
        deadline: date,
        minimum_staffing: int,
        ctx: Context,
    ) -> None:
        self.county_code = county_code
        self.township_code = township_code
        self.township_name = township_name
        self.batch = batch
        self.deadline = deadline
        self.minimum_staffing = minimum_staffing
        self.status = StationStatus.PLANNED.value
        self.site: dict[str, Any] | None = None
        self.contract_id: str | None = None
        self.organisation_id: str | None = None
        self.organisation_name: str | None = None
        self.contractor_assigned_on: date | None = None
        self.headcount = 0
        self.staffing_as_of: date | None = None
        self.staffed_since: date | None = None
        self.last_source_seq: int | None = None
        self.opened_on: date | None = None
        self.suspended_on: date | None = None
        self.suspension_reason: str | None = None
        self.closed_on: date | None = None
        self.closure_reason: str | None = None
        self.coverage: list[dict[str, Any]] = []
        self.transitions: list[dict[str, Any]] = []

    # rules

    @property
    def is_staffed(self) -> bool:
        """True if at least the minimum number of workers is assigned."""
        return self.headcount >= self.minimum_staffing

    def check_not_closed(self, action: str) -> None:
        """A closed station takes no further change."""
        if self.status == StationStatus.CLOSED:
            refuse(f"station.{action}.closed", f"cannot {action.replace('_', ' ')}: station is closed")

    def check_can_provide_site(self) -> None:
        """The township provides the site once, before the station closes."""
        self.check_not_closed("provide_site")
        if self.site is not None:
            refuse(
                "station.provide_site.already_provided", "cannot provide the site: it was already provided"
            )

    def check_can_assign_contractor(self) -> None:
        """A contractor needs the site first, and a station has only one active contract."""
        self.check_not_closed("assign_contractor")
        if self.site is None:
            refuse("station.assign_contractor.requires_site", "cannot assign a contractor: site not provided")
        if self.contract_id is not None:
            refuse(
                "station.assign_contractor.already_assigned",
                f"cannot assign a contractor: station {self.township_code} is already covered by "
                f"active contract {self.contract_id}",
            )

    def check_can_open(self, on: date) -> None:
        """Opening needs a site, a contractor and the minimum staff, none of them later than the opening day."""
        if self.status == StationStatus.OPENED:
            refuse("station.open.already_open", "cannot open: station is already open")
        if self.status == StationStatus.SUSPENDED:
            refuse("station.open.suspended", "cannot open: station is suspended; reopen it instead")
        self.check_not_closed("open")
        if self.site is None:
            refuse("station.open.requires_site", "cannot open: site not provided")
        if self.contract_id is None:
            refuse("station.open.requires_contractor", "cannot open: no contractor assigned")
        if not self.is_staffed:
            refuse(
                "station.open.requires_staff",
                f"cannot open: {self.headcount} worker(s) assigned, at least {self.minimum_staffing} needed",
            )
        self.check_not_before_readiness(on)

    def check_not_before_readiness(self, on: date) -> None:
        """A station cannot have opened before it had its site, its contractor and its minimum staff."""
        site_on = self.site["provided_on"] if self.site is not None else None
        for rule, what, since in (
            ("station.open.before_site", "the site was provided", site_on),
            ("station.open.before_contractor", "the contractor was assigned", self.contractor_assigned_on),
            ("station.open.before_staffing", "the minimum staff was reached", self.staffed_since),
        ):
            if since is not None and on < since:
                refuse(rule, f"cannot open on {on.isoformat()}: {what} only on {since.isoformat()}")

    def check_can_suspend(self) -> None:
        """Only an open station can be suspended."""
        if self.status != StationStatus.OPENED:
            refuse("station.suspend.not_open", f"cannot suspend: station is {self.status}, not opened")

    def check_can_reopen(self) -> None:
        """A suspended station reopens with a contractor and the minimum staff."""
        if self.status != StationStatus.SUSPENDED:
            refuse("station.reopen.not_suspended", f"cannot reopen: station is {self.status}, not suspended")
        if self.contract_id is None:
            refuse("station.reopen.requires_contractor", "cannot reopen: no contractor assigned")
        if not self.is_staffed:
            refuse(
                "station.reopen.requires_staff",
                f"cannot reopen: {self.headcount} worker(s) assigned, "
                f"at least {self.minimum_staffing} needed",
            )

    # commands

    def provide_site(self, office_area_m2: float, facilities: list[str], on: date, ctx: Context) -> None:
        """The township provides office space and facilities (办公场地和设施设备)."""
        if (
            isinstance(office_area_m2, bool)
            or not isinstance(office_area_m2, int | float)
            or office_area_m2 <= 0
        ):
            raise Invalid("office_area_m2", "office_area_m2 must be a positive area in square metres")
        items = texts("facilities", facilities, allow_empty=False)
        day("on", on)
        self.check_can_provide_site()
        self._site_provided(
            office_area_m2=office_area_m2, facilities=sorted(set(items)), provided_on=on, ctx=ctx
        )

    @event("SiteProvided")
    def _site_provided(
        self, office_area_m2: float, facilities: list[str], provided_on: date, ctx: Context
    ) -> None:
        self.site = {
            "office_area_m2": office_area_m2,
            "facilities": list(facilities),
            "provided_on": provided_on,
        }
        self._advance("site_provided", provided_on, ctx)

    def assign_contractor(
        self,
        contract_id: UUID,
        organisation_id: str,
        organisation_name: str,
        on: date,
        ctx: Context,
    ) -> None:
        """A signed service contract makes its organisation the station's contractor (项目承接机构)."""
        self.check_can_assign_contractor()
        self._contractor_assigned(
            contract_id=str(contract_id),
            organisation_id=organisation_id,
            organisation_name=organisation_name,
            assigned_on=on,
            ctx=ctx,
        )

    @event("ContractorAssigned")
    def _contractor_assigned(
        self,
        contract_id: str,
        organisation_id: str,
        organisation_name: str,
        assigned_on: date,
        ctx: Context,
    ) -> None:
        self.contract_id = contract_id
        self.organisation_id = organisation_id
        self.organisation_name = organisation_name
        self.contractor_assigned_on = assigned_on
        self._advance("contractor_assigned", assigned_on, ctx)

    def release_contractor(self, contract_id: UUID, reason: str, on: date, ctx: Context) -> None:
        """The contract no longer covers the station (amended or terminated)."""
        if self.contract_id != str(contract_id):
            refuse(
                "station.release_contractor.not_assigned",
                f"cannot release contract {contract_id}: it is not the station's active contract",
            )
        self._contractor_released(contract_id=str(contract_id), reason=reason, released_on=on, ctx=ctx)

    @event("ContractorReleased")
    def _contractor_released(self, contract_id: str, reason: str, released_on: date, ctx: Context) -> None:
        self.contract_id = None
        self.organisation_id = None
        self.organisation_name = None
        self.contractor_assigned_on = None
        self._advance("contractor_released", released_on, ctx)

    def record_staffing(
        self,
        headcount: int,
        as_of: date,
        source_seq: int,
        minimum_staffing: int,
        ctx: Context,
    ) -> bool:
        """Records the workforce service's headcount; False if ``source_seq`` was already applied."""
        whole("headcount", headcount, 0)
        whole("source_seq", source_seq, 0)
        day("as_of", as_of)
        if self.last_source_seq is not None and source_seq <= self.last_source_seq:
            return False
        self._staffing_recorded(
            headcount=headcount,
            as_of=as_of,
            source_seq=source_seq,
            minimum_staffing=minimum_staffing,
            below_minimum=headcount < minimum_staffing,
            ctx=ctx,
        )
        return True

    @event("StaffingRecorded")
    def _staffing_recorded(
        self,
        headcount: int,
        as_of: date,
        source_seq: int,
        minimum_staffing: int,
        below_minimum: bool,
        ctx: Context,
    ) -> None:
        was_staffed = self.is_staffed and self.staffed_since is not None
        self.headcount = headcount
        self.staffing_as_of = as_of
        self.last_source_seq = source_seq
        self.minimum_staffing = minimum_staffing
        # The day the current stretch at or above the minimum began: an opening cannot be dated before it.
        self.staffed_since = (self.staffed_since if was_staffed else as_of) if self.is_staffed else None
        self._advance("staffing_recorded", as_of, ctx)

    def open(self, on: date, ctx: Context) -> None:
        """The station starts operating."""
        day("on", on)
        self.check_can_open(on)
        self._opened(opened_on=on, ctx=ctx)

    @event("Opened")
    def _opened(self, opened_on: date, ctx: Context) -> None:
        self.opened_on = opened_on
        self._set_status(StationStatus.OPENED, "opened", opened_on, ctx)

    def suspend(self, reason: str, on: date, ctx: Context) -> None:
        """The station stops operating for a while."""
        why = text("reason", reason)
        day("on", on)
        self.check_can_suspend()
        self._suspended(reason=why, suspended_on=on, ctx=ctx)

    @event("Suspended")
    def _suspended(self, reason: str, suspended_on: date, ctx: Context) -> None:
        self.suspended_on = suspended_on
        self.suspension_reason = reason
        self._set_status(StationStatus.SUSPENDED, "suspended", suspended_on, ctx)

    def reopen(self, on: date, ctx: Context) -> None:
        """A suspended station operates again."""
        day("on", on)
        self.check_can_reopen()
        self._reopened(reopened_on=on, ctx=ctx)

    @event("Reopened")
    def _reopened(self, reopened_on: date, ctx: Context) -> None:
        self.suspended_on = None
        self.suspension_reason = None
        self._set_status(StationStatus.OPENED, "reopened", reopened_on, ctx)

    def close(self, reason: str, on: date, ctx: Context) -> None:
        """The station closes for good."""
        why = text("reason", reason)
        day("on", on)
        if self.status == StationStatus.CLOSED:
            refuse("station.close.already_closed", "cannot close: station is already closed")
        self._closed(reason=why, closed_on=on, ctx=ctx)

    @event("Closed")
    def _closed(self, reason: str, closed_on: date, ctx: Context) -> None:
        self.closed_on = closed_on
        self.closure_reason = reason
        self._set_status(StationStatus.CLOSED, "closed", closed_on, ctx)

    def cover_village(self, village_code: str, village_name: str, start: date, ctx: Context) -> None:
        """The station starts serving a village or community (村(社区)都有社工服务)."""
        day("start", start)
        self.check_not_closed("cover_village")
        if self.current_coverage(village_code) is not None:
            refuse(
                "station.cover_village.already_covered",
                f"village/community {village_code} is already covered",
            )
        self._village_coverage_started(
            village_code=village_code, village_name=village_name, start=start, ctx=ctx
        )

    @event("VillageCoverageStarted")
    def _village_coverage_started(
        self, village_code: str, village_name: str, start: date, ctx: Context
    ) -> None:
        self.coverage.append(
            {"village_code": village_code, "village_name": village_name, "start": start, "end": None}
        )

    def end_village_coverage(self, village_code: str, end: date, ctx: Context) -> None:
        """The station stops serving a village or community."""
        day("end", end)
        current = self.current_coverage(village_code)
        if current is None:
            refuse(
                "station.end_village_coverage.not_covered", f"village/community {village_code} is not covered"
            )
        if end < current["start"]:
            raise Invalid(
                "end", f"coverage of {village_code} started on {current['start']}: end cannot be earlier"
            )
        self._village_coverage_ended(village_code=village_code, end=end, ctx=ctx)

    @event("VillageCoverageEnded")
    def _village_coverage_ended(self, village_code: str, end: date, ctx: Context) -> None:
        current = self.current_coverage(village_code)
        if current is not None:
            current["end"] = end

    def current_coverage(self, village_code: str) -> dict[str, Any] | None:
        """The open coverage period of a village, if any."""
        for period in self.coverage:
            if period["village_code"] == village_code and period["end"] is None:
                return period
        return None

    # state helpers (run when events apply, so they must not refuse)

    def _advance(self, what: str, on: date, ctx: Context) -> None:
        """Recomputes a not-yet-open station's stage from site, contractor and staff."""
        if self.status in PRE_OPENING:
            self.status = stage_of(self.site is not None, self.contract_id is not None, self.is_staffed).value
        self.transitions.append({"event": what, "on": on, "status": self.status, "actor": ctx.actor})

    def _set_status(self, status: StationStatus, what: str, on: date, ctx: Context) -> None:
        self.status = status.value
        self.transitions.append({"event": what, "on": on, "status": self.status, "actor": ctx.actor})
