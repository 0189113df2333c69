"""Stations domain (社工站): the county plan, stations, service contracts, ledgers and oversight.

Pure Python on top of ``eventsourcing``: aggregates check their rules in ``check_*`` methods
and raise ``shared.domain`` errors; event attributes are plain values (str, int, date, dict,
list, Context) so that every event can be stored as JSON and published.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, NoReturn
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, Invalid, RuleViolated

NAMESPACE = uuid5(NAMESPACE_URL, "urn:sw:stations")


@dataclass(frozen=True)
class Policy:
    """Policy figures of the plan used by the stations service, with the plan's defaults."""

    minimum_staffing: int = 2  # workers a station needs before it may open
    ledger_due_days: int = 15  # days after a quarter ends by which its ledger (台账) is due
    score_minimum: int = 0  # external evaluation score range
    score_maximum: int = 100


class TownshipKind(StrEnum):
    """镇 (town) or 乡 (township)."""

    TOWN = "town"
    TOWNSHIP = "township"


class VillageKind(StrEnum):
    """村 (village) or 社区 (community)."""

    VILLAGE = "village"
    COMMUNITY = "community"


class StationStatus(StrEnum):
    """Where a station is in its lifecycle."""

    PLANNED = "planned"
    SITE_PROVIDED = "site_provided"
    CONTRACTOR_ASSIGNED = "contractor_assigned"
    STAFFED = "staffed"
    OPENED = "opened"
    SUSPENDED = "suspended"
    CLOSED = "closed"


PRE_OPENING = (
    StationStatus.PLANNED,
    StationStatus.SITE_PROVIDED,
    StationStatus.CONTRACTOR_ASSIGNED,
    StationStatus.STAFFED,
)


class ContractStatus(StrEnum):
    """A service contract is active once signed, until terminated."""

    SIGNED = "signed"
    TERMINATED = "terminated"


class LedgerStatus(StrEnum):
    """A quarterly ledger's review state."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class DisclosureKind(StrEnum):
    """What a contractor discloses to the public (信息公开)."""

    QUALIFICATIONS = "qualifications"
    PROJECT_EXPERIENCE = "project_experience"
    PROJECT_FACTS = "project_facts"
    ANNUAL_FINANCIAL_REPORT = "annual_financial_report"
    PROGRESS = "progress"


class MisuseStatus(StrEnum):
    """An open misuse report must be resolved."""

    OPEN = "open"
    RESOLVED = "resolved"


# --- input checks -------------------------------------------------------------------------------


def text(field_name: str, value: Any) -> str:
    """A non-blank string, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(field_name, f"{field_name} must not be blank")
    return value.strip()


def whole(field_name: str, value: Any, minimum: int | None = 0, maximum: int | None = None) -> int:
    """An integer (never a bool or float) within bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field_name, f"{field_name} must be a whole number")
    if minimum is not None and value < minimum:
        raise Invalid(field_name, f"{field_name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise Invalid(field_name, f"{field_name} must be at most {maximum}, not {value}")
    return value


def day(field_name: str, value: Any) -> date:
    """A calendar date."""
    if not isinstance(value, date):
        raise Invalid(field_name, f"{field_name} must be a date")
    return value


def choice(field_name: str, kind: type[StrEnum], value: Any) -> str:
    """One of an enum's values, as its string."""
    try:
        return kind(value).value
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise Invalid(field_name, f"{field_name} must be one of: {allowed}; not {value!r}") from None


def texts(field_name: str, values: Any, allow_empty: bool = True) -> list[str]:
    """A list of non-blank strings."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise Invalid(field_name, f"{field_name} must be a list of texts")
    items = [text(field_name, v) for v in values]
    if not items and not allow_empty:
        raise Invalid(field_name, f"{field_name} must list at least one item")
    return items


def quarter_end(year: int, quarter: int) -> date:
    """The last day of a calendar quarter."""
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def refuse(rule: str, detail: str) -> NoReturn:
    """Raises RuleViolated: a named rule refuses the command."""
    raise RuleViolated(rule=rule, detail=detail)


# --- county plan (行动方案) -----------------------------------------------------------------------


class CountyPlan(Aggregate):
    """行动方案: a county's plan period, townships (乡镇), villages/communities (村/社区) and batches."""

    @staticmethod
    def id_for(county_code: str) -> UUID:
        """One plan per county."""
        return uuid5(NAMESPACE, f"county_plan:{county_code}")

    @classmethod
    def create_id(cls, county_code: str, **_: Any) -> UUID:
        """Deterministic id: a county cannot have two plans."""
        return cls.id_for(county_code)

    @staticmethod
    def normalise(
        county_code: str,
        county_name: str,
        period_start_year: int,
        period_end_year: int,
        batches: Iterable[Mapping[str, Any]],
        townships: Iterable[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """Checks a plan's reference data and returns it in its stored form."""
        start = whole("period_start_year", period_start_year, 1949)
        end = whole("period_end_year", period_end_year, start)
        batch_list = [
            {"batch": whole("batches", b.get("batch"), 1), "deadline": day("batches", b.get("deadline"))}
            for b in batches
        ]
        if not batch_list or len({b["batch"] for b in batch_list}) != len(batch_list):
            raise Invalid("batches", "batches must be listed, each number once")
        numbers = {b["batch"] for b in batch_list}
        township_list = [_township(t, numbers, start) for t in townships]
        codes = [t["code"] for t in township_list]
        if not codes or len(set(codes)) != len(codes):
            raise Invalid("townships", "townships must be listed, each code once")
        village_codes = [v["code"] for t in township_list for v in t["villages"]]
        if len(set(village_codes)) != len(village_codes):
            raise Invalid("townships", "each village/community code may appear only once in the county")
        return {
            "county_code": text("county_code", county_code),
            "county_name": text("county_name", county_name),
            "period_start_year": start,
            "period_end_year": end,
            "batches": sorted(batch_list, key=lambda b: b["batch"]),
            "townships": township_list,
        }

    @event("Established")
    def __init__(
        self,
        county_code: str,
        county_name: str,
        period_start_year: int,
        period_end_year: int,
        batches: list[dict[str, Any]],
        townships: list[dict[str, Any]],
        ctx: Context,
    ) -> None:
        self.county_code = county_code
        self.county_name = county_name
        self.period_start_year = period_start_year
        self.period_end_year = period_end_year
        self.batches = {int(b["batch"]): b["deadline"] for b in batches}
        self.townships: dict[str, dict[str, Any]] = {}
        self.villages: dict[str, dict[str, Any]] = {}
        for t in townships:
            self._record_township(t)
        self.established = {
            "county_code": county_code,
            "county_name": county_name,
            "period_start_year": period_start_year,
            "period_end_year": period_end_year,
            "batches": list(batches),
            "townships": list(townships),
        }

    def _record_township(self, t: Mapping[str, Any]) -> None:
        self.townships[t["code"]] = {
            "code": t["code"],
            "name": t["name"],
            "kind": t["kind"],
            "batch": t["batch"],
            "population": t["population"],
            "population_history": [{"population": t["population"], "effective_on": t["population_as_of"]}],
        }
        for v in t["villages"]:
            self.villages[v["code"]] = {**v, "township_code": t["code"]}

    def add_township(self, township: Mapping[str, Any], ctx: Context) -> None:
        """Adds a township (乡镇区划调整: a new or re-divided township) to one of the plan's batches."""
        entry = _township(township, set(self.batches), self.period_start_year)
        if entry["code"] in self.townships:
            refuse(
                "county_plan.township.duplicate",
                f"township code {entry['code']} is already used by {self.townships[entry['code']]['name']}",
            )
        taken = [v["code"] for v in entry["villages"] if v["code"] in self.villages]
        if taken or len({v["code"] for v in entry["villages"]}) != len(entry["villages"]):
            refuse(
                "county_plan.village.duplicate",
                f"village/community codes must be new and listed once; already used: {', '.join(taken) or '-'}",
            )
        self._township_added(county_code=self.county_code, township=entry, ctx=ctx)

    @event("TownshipAdded")
    def _township_added(self, county_code: str, township: dict[str, Any], ctx: Context) -> None:
        self._record_township(township)

    def township(self, township_code: str) -> dict[str, Any]:
        """The township of this code, with its batch deadline; 422 if the county has no such township."""
        found = self.townships.get(township_code)
        if found is None:
            raise Invalid("township_code", f"county {self.county_code} has no township {township_code!r}")
        return {
            **found,
            "deadline": self.batches[found["batch"]],
            "villages": self.villages_of(township_code),
        }

    def village(self, village_code: str) -> dict[str, Any]:
        """The village/community of this code; 422 if unknown."""
        found = self.villages.get(village_code)
        if found is None:
            raise Invalid(
                "village_code", f"county {self.county_code} has no village/community {village_code!r}"
            )
        return dict(found)

    def villages_of(self, township_code: str) -> list[dict[str, Any]]:
        """The villages and communities of one township."""
        return [
            {"code": v["code"], "name": v["name"], "kind": v["kind"]}
            for v in self.villages.values()
            if v["township_code"] == township_code
        ]

    def amend_population(self, township_code: str, population: int, effective_on: date, ctx: Context) -> None:
        """Records a new household-registered population (户籍人口) figure from a date."""
        township = self.township(township_code)
        whole("population", population, 0)
        day("effective_on", effective_on)
        last = township["population_history"][-1]
        if effective_on <= last["effective_on"]:
            refuse(
                "county_plan.population.not_after_last",
                f"the population of {township_code} is recorded as effective from {last['effective_on']}: "
                "a new figure must take effect after that date",
            )
        self._population_amended(
            township_code=township_code,
            population=population,
            previous_population=township["population"],
            effective_on=effective_on,
            ctx=ctx,
        )

    @event("TownshipPopulationAmended")
    def _population_amended(
        self,
        township_code: str,
        population: int,
        previous_population: int,
        effective_on: date,
        ctx: Context,
    ) -> None:
        township = self.townships[township_code]
        township["population"] = population
        township["population_history"].append({"population": population, "effective_on": effective_on})

    def add_village(self, township_code: str, village_code: str, name: str, kind: str, ctx: Context) -> None:
        """Adds a village or community (村/社区) to a township."""
        self.township(township_code)
        code = text("village_code", village_code)
        village_name = text("name", name)
        village_kind = choice("kind", VillageKind, kind)
        if code in self.villages:
            refuse(
                "county_plan.village.duplicate",
                f"village/community code {code} is already used by {self.villages[code]['name']}",
            )
        self._village_added(
            township_code=township_code,
            village_code=code,
            village_name=village_name,
            village_kind=village_kind,
            ctx=ctx,
        )

    @event("VillageAdded")
    def _village_added(
        self,
        township_code: str,
        village_code: str,
        village_name: str,
        village_kind: str,
        ctx: Context,
    ) -> None:
        self.villages[village_code] = {
            "code": village_code,
            "name": village_name,
            "kind": village_kind,
            "township_code": township_code,
        }


def _township(data: Mapping[str, Any], batches: set[int], start_year: int) -> dict[str, Any]:
    """Checks one township entry of a plan."""
    batch = whole("townships", data.get("batch"), 1)
    if batch not in batches:
        raise Invalid("townships", f"township {data.get('code')!r} is in batch {batch}, which the plan lacks")
    villages = [
        {
            "code": text("villages", v.get("code")),
            "name": text("villages", v.get("name")),
            "kind": choice("villages", VillageKind, v.get("kind")),
        }
        for v in data.get("villages") or ()
    ]
    return {
        "code": text("townships", data.get("code")),
        "name": text("townships", data.get("name")),
        "kind": choice("townships", TownshipKind, data.get("kind")),
        "population": whole("townships", data.get("population"), 0),
        "population_as_of": day("townships", data.get("population_as_of", date(start_year, 1, 1))),
        "batch": batch,
        "villages": villages,
    }


# --- station (社工站) ------------------------------------------------------------------------------


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

    def check_can_open(self) -> None:
        """Opening needs a site, a contractor and the minimum staff."""
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
        self.headcount = headcount
        self.staffing_as_of = as_of
        self.last_source_seq = source_seq
        self.minimum_staffing = minimum_staffing
        self._advance("staffing_recorded", as_of, ctx)

    def open(self, on: date, ctx: Context) -> None:
        """The station starts operating."""
        day("on", on)
        self.check_can_open()
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
            if self.site is None:
                stage = StationStatus.PLANNED
            elif self.contract_id is None:
                stage = StationStatus.SITE_PROVIDED
            elif not self.is_staffed:
                stage = StationStatus.CONTRACTOR_ASSIGNED
            else:
                stage = StationStatus.STAFFED
            self.status = stage.value
        self.transitions.append({"event": what, "on": on, "status": self.status, "actor": ctx.actor})

    def _set_status(self, status: StationStatus, what: str, on: date, ctx: Context) -> None:
        self.status = status.value
        self.transitions.append({"event": what, "on": on, "status": self.status, "actor": ctx.actor})


# --- service contract (政府购买服务协议) --------------------------------------------------------------


def _schedule(items: Iterable[Mapping[str, Any]], amount_fen: int) -> list[dict[str, Any]]:
    """Checks a payment schedule: dated instalments that add up to the amount."""
    schedule = [
        {
            "due_on": day("payment_schedule", i.get("due_on")),
            "amount_fen": whole("payment_schedule", i.get("amount_fen"), 1),
        }
        for i in items
    ]
    total = sum(i["amount_fen"] for i in schedule)
    if total != amount_fen:
        raise Invalid(
            "payment_schedule",
            f"the payment schedule adds up to {total} fen, not the amount of {amount_fen} fen",
        )
    return sorted(schedule, key=lambda i: i["due_on"])


def _station_list(station_ids: Iterable[UUID | str]) -> list[str]:
    """Distinct station ids as strings, at least one."""
    try:
        ids = [str(UUID(str(s))) for s in station_ids]
    except ValueError:
        raise Invalid("station_ids", "station_ids must be station ids") from None
    if not ids or len(set(ids)) != len(ids):
        raise Invalid("station_ids", "a contract must cover at least one station, each once")
    return ids


class ServiceContract(Aggregate):
    """政府购买服务协议: the bureau buys a station project from a contractor organisation."""

    @staticmethod
    def id_for(contract_number: str) -> UUID:
        """One contract per contract number (合同编号)."""
        return uuid5(NAMESPACE, f"contract:{contract_number}")

    @classmethod
    def create_id(cls, contract_number: str, **_: Any) -> UUID:
        """Deterministic id: a contract number cannot be signed twice."""
        return cls.id_for(contract_number)

    @classmethod
    def sign(
        cls,
        *,
        contract_number: str,
        organisation_id: str,
        organisation_name: str,
        station_ids: Iterable[UUID | str],
        period_start: date,
        period_end: date,
        amount_fen: int,
        supervision_fen: int,
        budget_year: int,
        budget_line: str,
        payment_schedule: Iterable[Mapping[str, Any]],
        signed_on: date,
        ctx: Context,
    ) -> ServiceContract:
        """Checks and signs a contract."""
        day("period_start", period_start)
        if day("period_end", period_end) <= period_start:
            raise Invalid("period_end", "the contract period must end after it starts")
        amount = whole("amount_fen", amount_fen, 1)
        return cls(
            contract_number=text("contract_number", contract_number),
            organisation_id=text("organisation_id", organisation_id),
            organisation_name=text("organisation_name", organisation_name),
            station_ids=_station_list(station_ids),
            period_start=period_start,
            period_end=period_end,
            amount_fen=amount,
            supervision_fen=whole("supervision_fen", supervision_fen, 0, amount),
            budget_year=whole("budget_year", budget_year, 1949),
            budget_line=text("budget_line", budget_line),
            payment_schedule=_schedule(payment_schedule, amount),
            signed_on=day("signed_on", signed_on),
            ctx=ctx,
        )

    @event("Signed")
    def __init__(
        self,
        contract_number: str,
        organisation_id: str,
        organisation_name: str,
        station_ids: list[str],
        period_start: date,
        period_end: date,
        amount_fen: int,
        supervision_fen: int,
        budget_year: int,
        budget_line: str,
        payment_schedule: list[dict[str, Any]],
        signed_on: date,
        ctx: Context,
    ) -> None:
        self.contract_number = contract_number
        self.organisation_id = organisation_id
        self.organisation_name = organisation_name
        self.station_ids = list(station_ids)
        self.period_start = period_start
        self.period_end = period_end
        self.amount_fen = amount_fen
        self.supervision_fen = supervision_fen
        self.budget_year = budget_year
        self.budget_line = budget_line
        self.payment_schedule = [dict(i) for i in payment_schedule]
        self.signed_on = signed_on
        self.status = ContractStatus.SIGNED.value
        self.disbursements: list[dict[str, Any]] = []
        self.amendments: list[dict[str, Any]] = []
        self.terminated_on: date | None = None
        self.termination_reason: str | None = None

    @property
    def disbursed_fen(self) -> int:
        """Total paid out so far."""
        return sum(d["amount_fen"] for d in self.disbursements)

    @property
    def is_active(self) -> bool:
        """Signed and not terminated."""
        return self.status == ContractStatus.SIGNED

    def check_active(self, action: str) -> None:
        """A terminated contract takes no disbursement or amendment."""
        if not self.is_active:
            refuse(
                f"contract.{action}.terminated",
                f"cannot {action}: contract {self.contract_number} was terminated on {self.terminated_on}",
            )

    def disburse(self, amount_fen: int, paid_on: date, reference: str, ctx: Context) -> None:
        """Pays an instalment (拨付), never beyond the contract amount."""
        whole("amount_fen", amount_fen, 1)
        if day("paid_on", paid_on) < self.signed_on:
            raise Invalid("paid_on", f"a disbursement cannot predate the signing on {self.signed_on}")
        ref = text("reference", reference)
        self.check_active("disburse")
        if any(d["reference"] == ref for d in self.disbursements):
            refuse("contract.disburse.duplicate_reference", f"disbursement {ref} is already recorded")
        remaining = self.amount_fen - self.disbursed_fen
        if amount_fen > remaining:
            refuse(
                "contract.disburse.exceeds_amount",
                f"cannot disburse {amount_fen} fen: only {remaining} fen of the {self.amount_fen} fen "
                "contract amount remain",
            )
        self._disbursed(
            amount_fen=amount_fen,
            paid_on=paid_on,
            reference=ref,
            disbursed_total_fen=self.disbursed_fen + amount_fen,
            ctx=ctx,
        )

    @event("Disbursed")
    def _disbursed(
        self,
        amount_fen: int,
        paid_on: date,
        reference: str,
        disbursed_total_fen: int,
        ctx: Context,
    ) -> None:
        self.disbursements.append({"amount_fen": amount_fen, "paid_on": paid_on, "reference": reference})

    def amend(
        self,
        *,
        reason: str,
        amended_on: date,
        ctx: Context,
        amount_fen: int | None = None,
        supervision_fen: int | None = None,
        period_end: date | None = None,
        station_ids: Iterable[UUID | str] | None = None,
        payment_schedule: Iterable[Mapping[str, Any]] | None = None,
    ) -> tuple[list[str], list[str]]:
        """Amends amount, end date or stations (补充协议); returns the stations added and removed."""
        why = text("reason", reason)
        day("amended_on", amended_on)
        amount = self.amount_fen if amount_fen is None else whole("amount_fen", amount_fen, 1)
        supervision = self.supervision_fen if supervision_fen is None else supervision_fen
        whole("supervision_fen", supervision, 0, amount)
        end = self.period_end if period_end is None else day("period_end", period_end)
        if end <= self.period_start:
            raise Invalid("period_end", "the contract period must end after it starts")
        stations = self.station_ids if station_ids is None else _station_list(station_ids)
        if payment_schedule is None and amount != self.amount_fen:
            raise Invalid("payment_schedule", "a new amount needs a new payment schedule adding up to it")
        schedule = self.payment_schedule if payment_schedule is None else _schedule(payment_schedule, amount)
        if (amount, supervision, end, stations, schedule) == (
            self.amount_fen,
            self.supervision_fen,
            self.period_end,
            self.station_ids,
            self.payment_schedule,
        ):
            raise Invalid("amendment", "the amendment changes nothing")
        self.check_active("amend")
        if amount < self.disbursed_fen:
            refuse(
                "contract.amend.below_disbursed",
                f"cannot amend the amount to {amount} fen: {self.disbursed_fen} fen were already disbursed",
            )
        added = [s for s in stations if s not in self.station_ids]
        removed = [s for s in self.station_ids if s not in stations]
        self._amended(
            amount_fen=amount,
            supervision_fen=supervision,
            period_end=end,
            station_ids=list(stations),
            payment_schedule=list(schedule),
            stations_added=added,
            stations_removed=removed,
            reason=why,
            amended_on=amended_on,
            ctx=ctx,
        )
        return added, removed

    @event("Amended")
    def _amended(
        self,
        amount_fen: int,
        supervision_fen: int,
        period_end: date,
        station_ids: list[str],
        payment_schedule: list[dict[str, Any]],
        stations_added: list[str],
        stations_removed: list[str],
        reason: str,
        amended_on: date,
        ctx: Context,
    ) -> None:
        self.amendments.append(
            {
                "amended_on": amended_on,
                "reason": reason,
                "previous_amount_fen": self.amount_fen,
                "amount_fen": amount_fen,
                "previous_period_end": self.period_end,
                "period_end": period_end,
                "stations_added": list(stations_added),
                "stations_removed": list(stations_removed),
            }
        )
        self.amount_fen = amount_fen
        self.supervision_fen = supervision_fen
        self.period_end = period_end
        self.station_ids = list(station_ids)
        self.payment_schedule = [dict(i) for i in payment_schedule]

    def terminate(self, reason: str, on: date, ctx: Context) -> None:
        """Ends the contract early (解除协议)."""
        why = text("reason", reason)
        if day("on", on) < self.signed_on:
            raise Invalid("on", f"a contract cannot be terminated before it was signed on {self.signed_on}")
        if not self.is_active:
            refuse(
                "contract.terminate.already_terminated",
                f"contract {self.contract_number} is already terminated",
            )
        self._terminated(reason=why, terminated_on=on, ctx=ctx)

    @event("Terminated")
    def _terminated(self, reason: str, terminated_on: date, ctx: Context) -> None:
        self.status = ContractStatus.TERMINATED.value
        self.terminated_on = terminated_on
        self.termination_reason = reason


# --- quarterly ledger (台账) ------------------------------------------------------------------------


def ledger_figures(
    services_delivered: int,
    people_served: int,
    activities: int,
    staffing: int,
    spending_fen: int,
) -> dict[str, int]:
    """Checks a ledger's figures: whole, non-negative numbers."""
    return {
        "services_delivered": whole("services_delivered", services_delivered, 0),
        "people_served": whole("people_served", people_served, 0),
        "activities": whole("activities", activities, 0),
        "staffing": whole("staffing", staffing, 0),
        "spending_fen": whole("spending_fen", spending_fen, 0),
    }


class QuarterlyLedger(Aggregate):
    """台账: a contractor's quarterly figures for one station, reviewed by the bureau."""

    @staticmethod
    def id_for(station_id: UUID | str, year: int, quarter: int) -> UUID:
        """One ledger per station per quarter."""
        return uuid5(NAMESPACE, f"ledger:{station_id}:{year}:Q{quarter}")

    @classmethod
    def create_id(cls, station_id: str, year: int, quarter: int, **_: Any) -> UUID:
        """Deterministic id from station, year and quarter."""
        return cls.id_for(station_id, year, quarter)

    @classmethod
    def submit(
        cls,
        *,
        station_id: UUID,
        contract_id: str,
        organisation_id: str,
        year: int,
        quarter: int,
        figures: dict[str, int],
        submitted_on: date,
        due_days: int,
        ctx: Context,
    ) -> QuarterlyLedger:
        """The contractor submits a quarter's ledger once the quarter has ended."""
        whole("year", year, 1949)
        whole("quarter", quarter, 1, 4)
        day("submitted_on", submitted_on)
        ends = quarter_end(year, quarter)
        if submitted_on <= ends:
            refuse(
                "ledger.submit.quarter_not_ended",
                f"cannot submit the ledger for {year} Q{quarter} before the quarter ends on {ends}",
            )
        due_on = ends + timedelta(days=due_days)
        return cls(
            station_id=str(station_id),
            contract_id=contract_id,
            organisation_id=organisation_id,
            year=year,
            quarter=quarter,
            due_on=due_on,
            submitted_on=submitted_on,
            late=submitted_on > due_on,
            ctx=ctx,
            **figures,
        )

    @event("Submitted")
    def __init__(
        self,
        station_id: str,
        contract_id: str,
        organisation_id: str,
        year: int,
        quarter: int,
        due_on: date,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        late: bool,
        ctx: Context,
    ) -> None:
        self.station_id = station_id
        self.contract_id = contract_id
        self.organisation_id = organisation_id
        self.year = year
        self.quarter = quarter
        self.due_on = due_on
        self.submitted_on = submitted_on
        self.late = late
        self.status = LedgerStatus.SUBMITTED.value
        self.figures = {
            "services_delivered": services_delivered,
            "people_served": people_served,
            "activities": activities,
            "staffing": staffing,
            "spending_fen": spending_fen,
        }
        self.reviews: list[dict[str, Any]] = []
        self.accepted_on: date | None = None

    def check_under_review(self, action: str) -> None:
        """Only a submitted (or resubmitted) ledger can be reviewed."""
        if self.status != LedgerStatus.SUBMITTED:
            refuse(f"ledger.{action}.not_submitted", f"cannot {action}: the ledger is {self.status}")

    def accept(self, on: date, ctx: Context) -> None:
        """The bureau accepts the ledger."""
        day("on", on)
        self.check_under_review("accept")
        self._accepted(accepted_on=on, ctx=ctx)

    @event("Accepted")
    def _accepted(self, accepted_on: date, ctx: Context) -> None:
        self.status = LedgerStatus.ACCEPTED.value
        self.accepted_on = accepted_on
        self.reviews.append({"outcome": "accepted", "on": accepted_on, "reasons": []})

    def return_for_rectification(self, reasons: list[str], on: date, ctx: Context) -> None:
        """The bureau returns the ledger for rectification (整改), saying why."""
        why = texts("reasons", reasons, allow_empty=False)
        day("on", on)
        self.check_under_review("return")
        self._returned(reasons=why, returned_on=on, ctx=ctx)

    @event("ReturnedForRectification")
    def _returned(self, reasons: list[str], returned_on: date, ctx: Context) -> None:
        self.status = LedgerStatus.RETURNED.value
        self.reviews.append({"outcome": "returned", "on": returned_on, "reasons": list(reasons)})

    def resubmit(self, figures: dict[str, int], submitted_on: date, ctx: Context) -> None:
        """The contractor resubmits a returned ledger with rectified figures."""
        day("submitted_on", submitted_on)
        if self.status != LedgerStatus.RETURNED:
            refuse(
                "ledger.resubmit.not_returned", f"cannot resubmit: the ledger is {self.status}, not returned"
            )
        self._resubmitted(submitted_on=submitted_on, late=submitted_on > self.due_on, ctx=ctx, **figures)

    @event("Resubmitted")
    def _resubmitted(
        self,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        late: bool,
        ctx: Context,
    ) -> None:
        self.status = LedgerStatus.SUBMITTED.value
        self.submitted_on = submitted_on
        self.late = late
        self.figures = {
            "services_delivered": services_delivered,
            "people_served": people_served,
            "activities": activities,
            "staffing": staffing,
            "spending_fen": spending_fen,
        }


# --- public disclosure, evaluation, misuse ------------------------------------------------------------


class PublicDisclosure(Aggregate):
    """信息公开: what a contractor publishes about itself and its project."""

    @classmethod
    def publish(
        cls,
        *,
        organisation_id: str,
        contract_id: str,
        station_id: str | None,
        kind: str,
        title: str,
        content: str,
        disclosed_on: date,
        ctx: Context,
    ) -> PublicDisclosure:
        """Checks and publishes a disclosure."""
        return cls(
            organisation_id=organisation_id,
            contract_id=contract_id,
            station_id=station_id,
            kind=choice("kind", DisclosureKind, kind),
            title=text("title", title),
            content=text("content", content),
            disclosed_on=day("disclosed_on", disclosed_on),
            ctx=ctx,
        )

    @event("Published")
    def __init__(
        self,
        organisation_id: str,
        contract_id: str,
        station_id: str | None,
        kind: str,
        title: str,
        content: str,
        disclosed_on: date,
        ctx: Context,
    ) -> None:
        self.organisation_id = organisation_id
        self.contract_id = contract_id
        self.station_id = station_id
        self.kind = kind
        self.title = title
        self.content = content
        self.disclosed_on = disclosed_on


class ExternalEvaluation(Aggregate):
    """第三方评估: an evaluator's score, findings and rectification items (整改事项) for a station."""

    @classmethod
    def record(
        cls,
        *,
        station_id: str,
        evaluator_organisation: str,
        evaluated_on: date,
        score: int,
        findings: list[str],
        rectification_items: Iterable[Mapping[str, Any]],
        policy: Policy,
        ctx: Context,
    ) -> ExternalEvaluation:
        """Checks and records an evaluation."""
        day("evaluated_on", evaluated_on)
        items = []
        for n, item in enumerate(rectification_items, start=1):
            due = day("rectification_items", item.get("due_on"))
            if due < evaluated_on:
                raise Invalid(
                    "rectification_items", "a rectification item cannot be due before the evaluation"
                )
            items.append(
                {
                    "item_id": str(item.get("item_id") or f"R{n}"),
                    "description": text("rectification_items", item.get("description")),
                    "due_on": due,
                }
            )
        if len({i["item_id"] for i in items}) != len(items):
            raise Invalid("rectification_items", "rectification item ids must be distinct")
        return cls(
            station_id=station_id,
            evaluator_organisation=evaluator_organisation,
            evaluated_on=evaluated_on,
            score=whole("score", score, policy.score_minimum, policy.score_maximum),
            findings=texts("findings", findings),
            rectification_items=items,
            ctx=ctx,
        )

    @event("Recorded")
    def __init__(
        self,
        station_id: str,
        evaluator_organisation: str,
        evaluated_on: date,
        score: int,
        findings: list[str],
        rectification_items: list[dict[str, Any]],
        ctx: Context,
    ) -> None:
        self.station_id = station_id
        self.evaluator_organisation = evaluator_organisation
        self.evaluated_on = evaluated_on
        self.score = score
        self.findings = list(findings)
        self.items = {i["item_id"]: {**i, "closed_on": None, "evidence": None} for i in rectification_items}

    def close_item(self, item_id: str, evidence: str, closed_on: date, ctx: Context) -> None:
        """Closes a rectification item with the evidence that it was rectified."""
        proof = text("evidence", evidence)
        day("closed_on", closed_on)
        item = self.items.get(item_id)
        if item is None:
            raise Invalid("item_id", f"this evaluation has no rectification item {item_id!r}")
        if item["closed_on"] is not None:
            refuse(
                "evaluation.close_item.already_closed",
                f"rectification item {item_id} was already closed on {item['closed_on']}",
            )
        self._item_closed(item_id=item_id, evidence=proof, closed_on=closed_on, ctx=ctx)

    @event("RectificationItemClosed")
    def _item_closed(self, item_id: str, evidence: str, closed_on: date, ctx: Context) -> None:
        self.items[item_id]["closed_on"] = closed_on
        self.items[item_id]["evidence"] = evidence

    @property
    def open_items(self) -> int:
        """Rectification items not yet closed."""
        return sum(1 for i in self.items.values() if i["closed_on"] is None)


class MisuseReport(Aggregate):
    """A report that a township uses a station social worker as township staff (严禁...等同乡镇工作人员)."""

    @classmethod
    def open_report(
        cls,
        *,
        station_id: str,
        township_code: str,
        worker_id: str,
        description: str,
        observed_on: date,
        ctx: Context,
    ) -> MisuseReport:
        """Checks and opens a report."""
        return cls(
            station_id=station_id,
            township_code=township_code,
            worker_id=text("worker_id", worker_id),
            description=text("description", description),
            observed_on=day("observed_on", observed_on),
            ctx=ctx,
        )

    @event("Opened")
    def __init__(
        self,
        station_id: str,
        township_code: str,
        worker_id: str,
        description: str,
        observed_on: date,
        ctx: Context,
    ) -> None:
        self.station_id = station_id
        self.township_code = township_code
        self.worker_id = worker_id
        self.description = description
        self.observed_on = observed_on
        self.reported_by = {"actor": ctx.actor, "role": ctx.role, "organisation": ctx.organisation}
        self.status = MisuseStatus.OPEN.value
        self.resolution: str | None = None
        self.resolved_on: date | None = None

    def resolve(self, resolution: str, on: date, ctx: Context) -> None:
        """The bureau records how the misuse was resolved."""
        what = text("resolution", resolution)
        day("on", on)
        if self.status == MisuseStatus.RESOLVED:
            refuse(
                "misuse.resolve.already_resolved", f"this report was already resolved on {self.resolved_on}"
            )
        self._resolved(resolution=what, resolved_on=on, ctx=ctx)

    @event("Resolved")
    def _resolved(self, resolution: str, resolved_on: date, ctx: Context) -> None:
        self.status = MisuseStatus.RESOLVED.value
        self.resolution = resolution
        self.resolved_on = resolved_on


ALL_AGGREGATES: tuple[type[Aggregate], ...] = (
    CountyPlan,
    Station,
    ServiceContract,
    QuarterlyLedger,
    PublicDisclosure,
    ExternalEvaluation,
    MisuseReport,
)
