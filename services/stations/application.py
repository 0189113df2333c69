"""Stations application (社工站): commands and queries of the stations service.

Who may do what (roles are ``shared.domain.Role`` values; "own" scopes are checked here):

| command                                 | roles                          | scope               |
|-----------------------------------------|--------------------------------|---------------------|
| establish_county_plan                   | civil_affairs_admin            | -                   |
| add_township, amend_township_population | civil_affairs_admin            | -                   |
| add_village                             | civil_affairs_admin            | -                   |
| plan_station                            | civil_affairs_admin            | -                   |
| provide_site                            | township, civil_affairs_admin  | township: own only  |
| record_staffing                         | system, civil_affairs_admin    | stream consumer     |
| open/suspend/reopen/close_station       | civil_affairs_admin            | -                   |
| cover_village, end_village_coverage     | civil_affairs_admin            | -                   |
| sign/amend/terminate_contract, disburse | civil_affairs_admin            | -                   |
| submit_ledger, resubmit_ledger          | contractor                     | contract holder (1) |
| accept_ledger, return_ledger            | civil_affairs_admin            | -                   |
| publish_disclosure                      | contractor                     | contract holder (1) |
| record_evaluation                       | evaluator                      | -                   |
| close_rectification_item                | evaluator, civil_affairs_admin | -                   |
| report_misuse                           | any role except auditor        | -                   |
| resolve_misuse_report                   | civil_affairs_admin            | -                   |

"own only": the station's township must be in ``ctx.townships``. (1) ``ctx.organisation`` must equal
the ``organisation_id`` of the station's one active contract (for disclosures: of the named contract,
which must cover the named station). Anything else is refused with ``Forbidden`` (403).

Queries (``get_*``, ``*_id_for``) are open to every role; the API decides what each may read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from shared.application import Outcome, ServiceApplication
from shared.domain import Context, Forbidden, Invalid, NotFound, Role, RuleViolated

from .domain import (
    CountyPlan,
    ExternalEvaluation,
    MisuseReport,
    Policy,
    PublicDisclosure,
    QuarterlyLedger,
    ServiceContract,
    Station,
    ledger_figures,
    quarter_end,
)

A = TypeVar("A", bound=Aggregate)
ADMIN = Role.CIVIL_AFFAIRS_ADMIN
IGNORED = ("self", "ctx", "idempotency_key")
DEFAULT_POLICY = Policy()


def plain(value: Any) -> Any:
    """JSON-friendly copy: dates as ISO strings, ids as strings, tuples as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def as_id(value: UUID | str, what: str) -> UUID:
    """An aggregate id given as UUID or text; 404 if the text is not an id."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} {value} not found") from None


def payload_of(args: dict[str, Any]) -> dict[str, Any]:
    """A command's input, for the idempotency fingerprint."""
    return plain({k: v for k, v in args.items() if k not in IGNORED})


class Stations(ServiceApplication):
    """The stations service: county plan, stations, contracts, ledgers, disclosures, evaluations, misuse."""

    def __init__(self, env: Mapping[str, str] | None = None, policy: Policy = DEFAULT_POLICY) -> None:
        super().__init__(env=env)
        self.policy = policy

    def load(self, cls: type[A], aggregate_id: UUID | str, expected_version: int | None = None) -> A:
        """Like the base ``load``, but also takes an id as text (404 if it is not an id)."""
        return super().load(cls, as_id(aggregate_id, cls.__name__.lower()), expected_version)

    # --- county plan -----------------------------------------------------------------------------

    def establish_county_plan(
        self,
        ctx: Context,
        *,
        county_code: str,
        county_name: str,
        period_start_year: int,
        period_end_year: int,
        batches: Iterable[Mapping[str, Any]],
        townships: Iterable[Mapping[str, Any]],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Establishes a county's plan; re-establishing the same data changes nothing."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            data = CountyPlan.normalise(
                county_code,
                county_name,
                period_start_year,
                period_end_year,
                list(batches),
                list(townships),
            )
            plan_id = CountyPlan.id_for(data["county_code"])
            if self.exists(plan_id):
                plan = self.load(CountyPlan, plan_id)
                if plain(plan.established) != plain(data):
                    raise RuleViolated(
                        rule="county_plan.establish.already_established",
                        detail=f"county {data['county_code']} already has a different plan: amend it instead",
                    )
                return Outcome(result=self._plan_view(plan), changed=[])
            plan = CountyPlan(**data, ctx=ctx)
            return Outcome(result=self._plan_view(plan), changed=[plan])

        return self.execute(ctx, "establish_county_plan", args, handler, idempotency_key)

    def amend_township_population(
        self,
        ctx: Context,
        *,
        county_code: str,
        township_code: str,
        population: int,
        effective_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records a township's new household-registered population (户籍人口) from a date."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            plan = self._plan(county_code, expected_version)
            plan.amend_population(township_code, population, effective_on, ctx)
            return Outcome(result=self._plan_view(plan), changed=[plan])

        return self.execute(ctx, "amend_township_population", args, handler, idempotency_key)

    def add_township(
        self,
        ctx: Context,
        *,
        county_code: str,
        code: str,
        name: str,
        kind: str,
        population: int,
        batch: int,
        population_as_of: date | None = None,
        villages: Iterable[Mapping[str, Any]] = (),
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Adds a township to the county plan, in one of its batches (its station can then be planned)."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            plan = self._plan(county_code, expected_version)
            entry = {"code": code, "name": name, "kind": kind, "population": population, "batch": batch,
                     "villages": [dict(v) for v in villages]}
            if population_as_of is not None:
                entry["population_as_of"] = population_as_of
            plan.add_township(entry, ctx)
            return Outcome(result=self._plan_view(plan), changed=[plan])

        return self.execute(ctx, "add_township", args, handler, idempotency_key)

    def add_village(
        self,
        ctx: Context,
        *,
        county_code: str,
        township_code: str,
        village_code: str,
        name: str,
        kind: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Adds a village or community (村/社区) to a township."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            plan = self._plan(county_code, expected_version)
            plan.add_village(township_code, village_code, name, kind, ctx)
            return Outcome(result=self._plan_view(plan), changed=[plan])

        return self.execute(ctx, "add_village", args, handler, idempotency_key)

    def get_county_plan(self, county_code: str) -> dict[str, Any]:
        """The county's plan: period, batches, townships with populations and villages."""
        return self._plan_view(self._plan(county_code))

    def township(self, county_code: str, township_code: str) -> dict[str, Any]:
        """One township of a county's plan, with its batch deadline; 422 if unknown."""
        return plain(self._plan(county_code).township(township_code))

    # --- stations --------------------------------------------------------------------------------

    def plan_station(
        self,
        ctx: Context,
        *,
        county_code: str,
        township_code: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Plans a township's station, in the township's batch and with its deadline."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            township = self._plan(county_code).township(township_code)
            if self.exists(Station.id_for(township_code)):
                raise RuleViolated(
                    rule="station.plan.already_planned",
                    detail=f"township {township_code} already has a station: one station per township",
                )
            station = Station(
                county_code=county_code,
                township_code=township_code,
                township_name=township["name"],
                batch=township["batch"],
                deadline=township["deadline"],
                minimum_staffing=self.policy.minimum_staffing,
                ctx=ctx,
            )
            return Outcome(result=self._station_view(station), changed=[station])

        return self.execute(ctx, "plan_station", args, handler, idempotency_key)

    def provide_site(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        office_area_m2: float,
        facilities: list[str],
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The township provides office space and facilities for its own station."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.TOWNSHIP, ADMIN)
            station = self.load(Station, station_id, expected_version)
            township = station.township_code
            if ctx.has_role(Role.TOWNSHIP) and township not in ctx.townships:
                raise Forbidden(f"a township user may provide only its own township's site, not {township}'s")
            station.provide_site(office_area_m2, facilities, on, ctx)
            return Outcome(result=self._station_view(station), changed=[station])

        return self.execute(ctx, "provide_site", args, handler, idempotency_key)

    def record_staffing(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        headcount: int,
        as_of: date,
        source_seq: int,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Applies the workforce service's headcount; a ``source_seq`` already applied is ignored."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.SYSTEM, ADMIN)
            station = self.load(Station, station_id)
            applied = station.record_staffing(headcount, as_of, source_seq, self.policy.minimum_staffing, ctx)
            result = {**self._station_view(station), "applied": applied}
            return Outcome(result=result, changed=[station] if applied else [])

        return self.execute(ctx, "record_staffing", args, handler, idempotency_key)

    def open_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Opens a sited, contracted and staffed station."""
        return self._station_command(
            ctx,
            "open_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.open(on, ctx),
            idempotency_key,
        )

    def suspend_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        reason: str,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Suspends an open station, saying why."""
        return self._station_command(
            ctx,
            "suspend_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.suspend(reason, on, ctx),
            idempotency_key,
        )

    def reopen_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Reopens a suspended station."""
        return self._station_command(
            ctx,
            "reopen_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.reopen(on, ctx),
            idempotency_key,
        )

    def close_station(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        reason: str,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Closes a station for good, saying why."""
        return self._station_command(
            ctx,
            "close_station",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.close(reason, on, ctx),
            idempotency_key,
        )

    def cover_village(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        village_code: str,
        start: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The station starts serving one of its township's villages/communities."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            station = self.load(Station, station_id, expected_version)
            village = self._plan(station.county_code).village(village_code)
            if village["township_code"] != station.township_code:
                raise Invalid("village_code", f"{village_code} is not in township {station.township_code}")
            station.cover_village(village_code, village["name"], start, ctx)
            return Outcome(result=self._station_view(station), changed=[station])

        return self.execute(ctx, "cover_village", args, handler, idempotency_key)

    def end_village_coverage(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        village_code: str,
        end: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The station stops serving a village/community."""
        return self._station_command(
            ctx,
            "end_village_coverage",
            payload_of(locals()),
            station_id,
            expected_version,
            lambda s: s.end_village_coverage(village_code, end, ctx),
            idempotency_key,
        )

    def get_station(self, station_id: UUID) -> dict[str, Any]:
        """A station's state."""
        return self._station_view(self.load(Station, station_id))

    @staticmethod
    def station_id_for(township_code: str) -> UUID:
        """The id of a township's station (one station per township)."""
        return Station.id_for(township_code)

    # --- service contracts -----------------------------------------------------------------------

    def sign_contract(
        self,
        ctx: Context,
        *,
        contract_number: str,
        organisation_id: str,
        organisation_name: str,
        station_ids: list[UUID],
        period_start: date,
        period_end: date,
        amount_fen: int,
        supervision_fen: int,
        budget_year: int,
        budget_line: str,
        payment_schedule: list[Mapping[str, Any]],
        signed_on: date,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Signs a service contract and assigns its contractor to every station it covers."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            if self.exists(ServiceContract.id_for(contract_number)):
                raise RuleViolated(
                    rule="contract.sign.duplicate_number",
                    detail=f"contract number {contract_number} is already signed",
                )
            contract = ServiceContract.sign(
                contract_number=contract_number,
                organisation_id=organisation_id,
                organisation_name=organisation_name,
                station_ids=station_ids,
                period_start=period_start,
                period_end=period_end,
                amount_fen=amount_fen,
                supervision_fen=supervision_fen,
                budget_year=budget_year,
                budget_line=budget_line,
                payment_schedule=payment_schedule,
                signed_on=signed_on,
                ctx=ctx,
            )
            stations = self._stations(contract.station_ids)
            for station in stations:
                station.assign_contractor(contract.id, organisation_id, organisation_name, signed_on, ctx)
            return Outcome(result=self._contract_view(contract), changed=[contract, *stations])

        return self.execute(ctx, "sign_contract", args, handler, idempotency_key)

    def disburse(
        self,
        ctx: Context,
        *,
        contract_id: UUID,
        amount_fen: int,
        paid_on: date,
        reference: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Records a payment (拨付) under a contract."""
        args = payload_of(locals())
        ctx.require(ADMIN)
        return self.change(
            ctx, "disburse", args, ServiceContract, contract_id,
            lambda contract: contract.disburse(amount_fen, paid_on, reference, ctx), self._contract_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def amend_contract(
        self,
        ctx: Context,
        *,
        contract_id: UUID,
        reason: str,
        amended_on: date,
        amount_fen: int | None = None,
        supervision_fen: int | None = None,
        period_end: date | None = None,
        station_ids: list[UUID] | None = None,
        payment_schedule: list[Mapping[str, Any]] | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Amends a contract; stations added get its contractor, stations removed are released."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            contract = self.load(ServiceContract, contract_id, expected_version)
            added, removed = contract.amend(
                reason=reason,
                amended_on=amended_on,
                ctx=ctx,
                amount_fen=amount_fen,
                supervision_fen=supervision_fen,
                period_end=period_end,
                station_ids=station_ids,
                payment_schedule=payment_schedule,
            )
            gaining = self._stations(added)
            for station in gaining:
                station.assign_contractor(
                    contract.id,
                    contract.organisation_id,
                    contract.organisation_name,
                    amended_on,
                    ctx,
                )
            losing = self._stations(removed)
            for station in losing:
                station.release_contractor(contract.id, f"contract amended: {reason}", amended_on, ctx)
            return Outcome(result=self._contract_view(contract), changed=[contract, *gaining, *losing])

        return self.execute(ctx, "amend_contract", args, handler, idempotency_key)

    def terminate_contract(
        self,
        ctx: Context,
        *,
        contract_id: UUID,
        reason: str,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Terminates a contract and releases its stations."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(ADMIN)
            contract = self.load(ServiceContract, contract_id, expected_version)
            contract.terminate(reason, on, ctx)
            stations = [s for s in self._stations(contract.station_ids) if s.contract_id == str(contract.id)]
            for station in stations:
                station.release_contractor(contract.id, f"contract terminated: {reason}", on, ctx)
            return Outcome(result=self._contract_view(contract), changed=[contract, *stations])

        return self.execute(ctx, "terminate_contract", args, handler, idempotency_key)

    def get_contract(self, contract_id: UUID) -> dict[str, Any]:
        """A contract's terms, disbursements, amendments and status."""
        return self._contract_view(self.load(ServiceContract, contract_id))

    @staticmethod
    def contract_id_for(contract_number: str) -> UUID:
        """The id of the contract with this number."""
        return ServiceContract.id_for(contract_number)

    # --- quarterly ledgers -----------------------------------------------------------------------

    def submit_ledger(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        year: int,
        quarter: int,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The station's contractor submits a quarter's ledger (台账)."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.CONTRACTOR)
            station = self.load(Station, station_id)
            contract = self._contract_held_by(ctx, station)
            figures = ledger_figures(services_delivered, people_served, activities, staffing, spending_fen)
            if self.exists(QuarterlyLedger.id_for(station.id, year, quarter)):
                raise RuleViolated(
                    rule="ledger.submit.already_submitted",
                    detail=f"the ledger for {year} Q{quarter} was already submitted: "
                    "resubmit it if it is returned",
                )
            ledger = QuarterlyLedger.submit(
                station_id=station.id,
                contract_id=str(contract.id),
                organisation_id=contract.organisation_id,
                year=year,
                quarter=quarter,
                figures=figures,
                submitted_on=submitted_on,
                due_days=self.policy.ledger_due_days,
                ctx=ctx,
            )
            return Outcome(result=self._ledger_view(ledger), changed=[ledger])

        return self.execute(ctx, "submit_ledger", args, handler, idempotency_key)

    def resubmit_ledger(
        self,
        ctx: Context,
        *,
        ledger_id: UUID,
        services_delivered: int,
        people_served: int,
        activities: int,
        staffing: int,
        spending_fen: int,
        submitted_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The contractor resubmits a ledger returned for rectification (整改)."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.CONTRACTOR)
            ledger = self.load(QuarterlyLedger, ledger_id, expected_version)
            self._contract_held_by(ctx, self.load(Station, UUID(ledger.station_id)))
            figures = ledger_figures(services_delivered, people_served, activities, staffing, spending_fen)
            ledger.resubmit(figures, submitted_on, ctx)
            return Outcome(result=self._ledger_view(ledger), changed=[ledger])

        return self.execute(ctx, "resubmit_ledger", args, handler, idempotency_key)

    def accept_ledger(
        self,
        ctx: Context,
        *,
        ledger_id: UUID,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The bureau accepts a ledger."""
        args = payload_of(locals())
        ctx.require(ADMIN)
        return self.change(
            ctx, "accept_ledger", args, QuarterlyLedger, ledger_id,
            lambda ledger: ledger.accept(on, ctx), self._ledger_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def return_ledger(
        self,
        ctx: Context,
        *,
        ledger_id: UUID,
        reasons: list[str],
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The bureau returns a ledger for rectification (整改), with reasons."""
        args = payload_of(locals())
        ctx.require(ADMIN)
        return self.change(
            ctx, "return_ledger", args, QuarterlyLedger, ledger_id,
            lambda ledger: ledger.return_for_rectification(reasons, on, ctx), self._ledger_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def get_ledger(self, ledger_id: UUID) -> dict[str, Any]:
        """A quarterly ledger's figures and review history."""
        return self._ledger_view(self.load(QuarterlyLedger, ledger_id))

    @staticmethod
    def ledger_id_for(station_id: UUID, year: int, quarter: int) -> UUID:
        """The id of a station's ledger for one quarter."""
        return QuarterlyLedger.id_for(station_id, year, quarter)

    def ledger_due_on(self, year: int, quarter: int) -> date:
        """When a quarter's ledger is due: the policy's number of days after the quarter ends."""
        return quarter_end(year, quarter) + timedelta(days=self.policy.ledger_due_days)

    # --- disclosures, evaluations, misuse reports ------------------------------------------------

    def publish_disclosure(
        self,
        ctx: Context,
        *,
        contract_id: UUID,
        kind: str,
        title: str,
        content: str,
        disclosed_on: date,
        station_id: UUID | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A contractor publishes information (信息公开) about itself or a project it holds."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.CONTRACTOR)
            contract = self.load(ServiceContract, contract_id)
            if contract.organisation_id != ctx.organisation:
                raise Forbidden("a contractor may publish disclosures only for its own contracts")
            if station_id is not None and str(station_id) not in contract.station_ids:
                raise Forbidden(f"contract {contract.contract_number} does not cover station {station_id}")
            disclosure = PublicDisclosure.publish(
                organisation_id=contract.organisation_id,
                contract_id=str(contract.id),
                station_id=None if station_id is None else str(station_id),
                kind=kind,
                title=title,
                content=content,
                disclosed_on=disclosed_on,
                ctx=ctx,
            )
            return Outcome(result=self._disclosure_view(disclosure), changed=[disclosure])

        return self.execute(ctx, "publish_disclosure", args, handler, idempotency_key)

    def get_disclosure(self, disclosure_id: UUID) -> dict[str, Any]:
        """A public disclosure."""
        return self._disclosure_view(self.load(PublicDisclosure, disclosure_id))

    def record_evaluation(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        evaluated_on: date,
        score: int,
        findings: list[str],
        rectification_items: Iterable[Mapping[str, Any]] = (),
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """An evaluator records a station's external evaluation (第三方评估)."""
        args = payload_of(locals())

        def handler() -> Outcome:
            ctx.require(Role.EVALUATOR)
            station = self.load(Station, station_id)
            evaluation = ExternalEvaluation.record(
                station_id=str(station.id),
                evaluator_organisation=ctx.organisation,
                evaluated_on=evaluated_on,
                score=score,
                findings=findings,
                rectification_items=rectification_items,
                policy=self.policy,
                ctx=ctx,
            )
            return Outcome(result=self._evaluation_view(evaluation), changed=[evaluation])

        return self.execute(ctx, "record_evaluation", args, handler, idempotency_key)

    def close_rectification_item(
        self,
        ctx: Context,
        *,
        evaluation_id: UUID,
        item_id: str,
        evidence: str,
        closed_on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Closes a rectification item (整改事项) with evidence."""
        args = payload_of(locals())
        ctx.require(Role.EVALUATOR, ADMIN)
        return self.change(
            ctx, "close_rectification_item", args, ExternalEvaluation, evaluation_id,
            lambda evaluation: evaluation.close_item(item_id, evidence, closed_on, ctx), self._evaluation_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def get_evaluation(self, evaluation_id: UUID) -> dict[str, Any]:
        """An evaluation with its rectification items."""
        return self._evaluation_view(self.load(ExternalEvaluation, evaluation_id))

    def report_misuse(
        self,
        ctx: Context,
        *,
        station_id: UUID,
        worker_id: str,
        description: str,
        observed_on: date,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Anyone reports a station social worker put to work as township staff."""
        args = payload_of(locals())

        def handler() -> Outcome:
            if ctx.has_role(Role.AUDITOR):
                raise Forbidden("auditors have read-only access")
            station = self.load(Station, station_id)
            report = MisuseReport.open_report(
                station_id=str(station.id),
                township_code=station.township_code,
                worker_id=worker_id,
                description=description,
                observed_on=observed_on,
                ctx=ctx,
            )
            return Outcome(result=self._misuse_view(report), changed=[report])

        return self.execute(ctx, "report_misuse", args, handler, idempotency_key)

    def resolve_misuse_report(
        self,
        ctx: Context,
        *,
        report_id: UUID,
        resolution: str,
        on: date,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The bureau records how a misuse report was resolved."""
        args = payload_of(locals())
        ctx.require(ADMIN)
        return self.change(
            ctx, "resolve_misuse_report", args, MisuseReport, report_id,
            lambda report: report.resolve(resolution, on, ctx), self._misuse_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def get_misuse_report(self, report_id: UUID) -> dict[str, Any]:
        """A misuse report and its resolution."""
        return self._misuse_view(self.load(MisuseReport, report_id))

    # --- helpers ---------------------------------------------------------------------------------

    def _station_command(
        self,
        ctx: Context,
        command: str,
        args: dict[str, Any],
        station_id: UUID,
        expected_version: int | None,
        action: Callable[[Station], None],
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        """Runs an admin command on one station."""
        ctx.require(ADMIN)
        return self.change(
            ctx, command, args, Station, station_id, action, self._station_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def _plan(self, county_code: str, expected_version: int | None = None) -> CountyPlan:
        """The county's plan; 404 if not established."""
        try:
            return self.load(CountyPlan, CountyPlan.id_for(county_code), expected_version)
        except NotFound:
            raise NotFound(f"county {county_code} has no plan yet") from None

    def _stations(self, station_ids: Iterable[UUID | str]) -> list[Station]:
        """The stations named in a contract; 422 if one does not exist."""
        stations = []
        for station_id in station_ids:
            try:
                stations.append(self.load(Station, UUID(str(station_id))))
            except NotFound:
                raise Invalid("station_ids", f"there is no station {station_id}") from None
        return stations

    def _contract_held_by(self, ctx: Context, station: Station) -> ServiceContract:
        """The station's active contract, which must be held by the acting contractor."""
        ctx.require(Role.CONTRACTOR)
        if station.contract_id is None:
            raise Forbidden(f"no active contract covers station {station.township_code}")
        contract = self.load(ServiceContract, UUID(station.contract_id))
        if contract.organisation_id != ctx.organisation:
            raise Forbidden(
                f"station {station.township_code} is not covered by a contract of your organisation"
            )
        return contract

    # --- views -----------------------------------------------------------------------------------

    @staticmethod
    def _plan_view(plan: CountyPlan) -> dict[str, Any]:
        townships = [{**t, "villages": plan.villages_of(code)} for code, t in sorted(plan.townships.items())]
        return plain(
            {
                "id": plan.id,
                "version": plan.version,
                "county_code": plan.county_code,
                "county_name": plan.county_name,
                "period_start_year": plan.period_start_year,
                "period_end_year": plan.period_end_year,
                "batches": [{"batch": b, "deadline": d} for b, d in sorted(plan.batches.items())],
                "townships": townships,
                "total_population": sum(t["population"] for t in plan.townships.values()),
            }
        )

    @staticmethod
    def _station_view(station: Station) -> dict[str, Any]:
        return plain(
            {
                "id": station.id,
                "version": station.version,
                "county_code": station.county_code,
                "township_code": station.township_code,
                "township_name": station.township_name,
                "batch": station.batch,
                "deadline": station.deadline,
                "status": station.status,
                "site": station.site,
                "contract_id": station.contract_id,
                "organisation_id": station.organisation_id,
                "organisation_name": station.organisation_name,
                "contractor_assigned_on": station.contractor_assigned_on,
                "headcount": station.headcount,
                "minimum_staffing": station.minimum_staffing,
                "staffing_as_of": station.staffing_as_of,
                "last_source_seq": station.last_source_seq,
                "understaffed": station.status == "opened" and not station.is_staffed,
                "opened_on": station.opened_on,
                "suspended_on": station.suspended_on,
                "suspension_reason": station.suspension_reason,
                "closed_on": station.closed_on,
                "closure_reason": station.closure_reason,
                "coverage": station.coverage,
                "villages_covered": sorted(c["village_code"] for c in station.coverage if c["end"] is None),
                "transitions": station.transitions,
            }
        )

    @staticmethod
    def _contract_view(contract: ServiceContract) -> dict[str, Any]:
        return plain(
            {
                "id": contract.id,
                "version": contract.version,
                "contract_number": contract.contract_number,
                "organisation_id": contract.organisation_id,
                "organisation_name": contract.organisation_name,
                "station_ids": contract.station_ids,
                "period_start": contract.period_start,
                "period_end": contract.period_end,
                "amount_fen": contract.amount_fen,
                "supervision_fen": contract.supervision_fen,
                "budget_year": contract.budget_year,
                "budget_line": contract.budget_line,
                "payment_schedule": contract.payment_schedule,
                "signed_on": contract.signed_on,
                "status": contract.status,
                "disbursements": contract.disbursements,
                "disbursed_fen": contract.disbursed_fen,
                "remaining_fen": contract.amount_fen - contract.disbursed_fen,
                "amendments": contract.amendments,
                "terminated_on": contract.terminated_on,
                "termination_reason": contract.termination_reason,
            }
        )

    @staticmethod
    def _ledger_view(ledger: QuarterlyLedger) -> dict[str, Any]:
        return plain(
            {
                "id": ledger.id,
                "version": ledger.version,
                "station_id": ledger.station_id,
                "contract_id": ledger.contract_id,
                "organisation_id": ledger.organisation_id,
                "year": ledger.year,
                "quarter": ledger.quarter,
                "due_on": ledger.due_on,
                "submitted_on": ledger.submitted_on,
                "late": ledger.late,
                "status": ledger.status,
                "figures": ledger.figures,
                "reviews": ledger.reviews,
                "accepted_on": ledger.accepted_on,
            }
        )

    @staticmethod
    def _disclosure_view(disclosure: PublicDisclosure) -> dict[str, Any]:
        return plain(
            {
                "id": disclosure.id,
                "version": disclosure.version,
                "organisation_id": disclosure.organisation_id,
                "contract_id": disclosure.contract_id,
                "station_id": disclosure.station_id,
                "kind": disclosure.kind,
                "title": disclosure.title,
                "content": disclosure.content,
                "disclosed_on": disclosure.disclosed_on,
            }
        )

    @staticmethod
    def _evaluation_view(evaluation: ExternalEvaluation) -> dict[str, Any]:
        return plain(
            {
                "id": evaluation.id,
                "version": evaluation.version,
                "station_id": evaluation.station_id,
                "evaluator_organisation": evaluation.evaluator_organisation,
                "evaluated_on": evaluation.evaluated_on,
                "score": evaluation.score,
                "findings": evaluation.findings,
                "rectification_items": list(evaluation.items.values()),
                "open_items": evaluation.open_items,
            }
        )

    @staticmethod
    def _misuse_view(report: MisuseReport) -> dict[str, Any]:
        return plain(
            {
                "id": report.id,
                "version": report.version,
                "station_id": report.station_id,
                "township_code": report.township_code,
                "worker_id": report.worker_id,
                "description": report.description,
                "observed_on": report.observed_on,
                "reported_by": report.reported_by,
                "status": report.status,
                "resolution": report.resolution,
                "resolved_on": report.resolved_on,
            }
        )
