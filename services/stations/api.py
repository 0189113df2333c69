"""Stations HTTP API (``/v1``): thin routes that turn requests into application calls and read-model queries.

Commands check roles and scopes in the application (see its module docstring). Read access is checked here:
a township reads only its own townships' stations, a contractor only the stations and contracts it holds;
see services/stations/README.md for the whole table.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.stations import projections as views
from services.stations.application import Stations, as_id
from services.stations.commands import (
    AddTownship,
    AddVillage,
    AmendContract,
    AmendTownshipPopulation,
    CloseRectificationItem,
    CoverVillage,
    Dated,
    Disburse,
    DisclosureKindName,
    EndVillageCoverage,
    EstablishCountyPlan,
    LedgerFigures,
    PlanStation,
    ProvideSite,
    PublishDisclosure,
    Reasoned,
    RecordEvaluation,
    RecordStaffing,
    ReportMisuse,
    ResolveMisuseReport,
    ReturnLedger,
    SignContract,
    SubmitLedger,
)
from shared.domain import Context, Forbidden, NotFound, Role
from shared.http import AsOf, CurrentContext, IdempotencyKey, IfMatch, Limit, Offset, created, with_etag
from shared.service import County, ReadDb, application_of

router = APIRouter(prefix="/v1", tags=["stations"])
ADMIN, FINANCE, AUDITOR = Role.CIVIL_AFFAIRS_ADMIN, Role.FINANCE, Role.AUDITOR
TOWNSHIP, CONTRACTOR, EVALUATOR = Role.TOWNSHIP, Role.CONTRACTOR, Role.EVALUATOR
CONTRACT_READERS = (ADMIN, FINANCE, AUDITOR, EVALUATOR, CONTRACTOR)
LEDGER_READERS = (ADMIN, FINANCE, AUDITOR, EVALUATOR, CONTRACTOR, TOWNSHIP)
MISUSE_READERS = (ADMIN, AUDITOR, TOWNSHIP)
StationState = Literal["planned", "site_provided", "contractor_assigned", "staffed", "opened", "suspended", "closed"]
IdFilter = Annotated[str | None, Query(max_length=64)]
IdPath = Annotated[str, Path(max_length=64)]
TOWNSHIP_CODE = r"^[A-Za-z0-9][A-Za-z0-9_]{0,31}$"
CodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]


App = Annotated[Stations, Depends(application_of(Stations))]




# --- read scopes ----------------------------------------------------------------------------------


def scope(ctx: Context) -> tuple[list[str] | None, str | None]:
    """What a caller may see of the stations: (townships, organisation); None means no limit."""
    if ctx.has_role(TOWNSHIP):
        return list(ctx.townships), None
    if ctx.has_role(CONTRACTOR):
        return None, ctx.organisation or "-"
    return None, None


def check_station_readable(ctx: Context, station: dict[str, Any]) -> None:
    """A township reads only its own townships' stations, a contractor only stations it holds."""
    townships, organisation = scope(ctx)
    if townships is not None and station["township_code"] not in townships:
        raise Forbidden(f"a township user may read only its own township's station, not {station['township_code']}")
    if organisation is not None and station["organisation_id"] != organisation:
        raise Forbidden(f"station {station['township_code']} is not covered by a contract of your organisation")


def check_organisation(ctx: Context, organisation_id: str, what: str) -> None:
    """A contractor reads only its own organisation's records."""
    if ctx.has_role(CONTRACTOR) and organisation_id != ctx.organisation:
        raise Forbidden(f"a contractor may read only its own organisation's {what}")


# --- county plan ----------------------------------------------------------------------------------










@router.put("/county-plan", status_code=status.HTTP_200_OK)
def establish_county_plan(body: EstablishCountyPlan, ctx: CurrentContext, app: App, county: County,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Establishes the county's action plan (行动方案); sending the same plan again changes nothing."""
    data = body.model_dump()
    result = app.establish_county_plan(ctx, county_code=county, idempotency_key=key, **data)
    return with_etag(response, result)


@router.get("/county-plan")
def get_county_plan(ctx: CurrentContext, app: App, county: County, response: Response) -> dict[str, Any]:
    """The county plan: period, batches with deadlines, townships with populations and villages."""
    return with_etag(response, app.get_county_plan(county))


@router.post("/county-plan/townships", status_code=status.HTTP_201_CREATED)
def add_township(body: AddTownship, ctx: CurrentContext, app: App, county: County, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Adds a township to the county plan, in one of its batches; its station can then be planned."""
    result = app.add_township(ctx, county_code=county, expected_version=version, idempotency_key=key,
                              **body.model_dump())
    return created(response, "/v1/county-plan", result)




@router.post("/county-plan/townships/{township_code}/population")
def amend_township_population(township_code: CodePath, body: AmendTownshipPopulation, ctx: CurrentContext,
                              app: App, county: County, version: IfMatch, key: IdempotencyKey,
                              response: Response) -> dict[str, Any]:
    """Records a township's new population from a date; earlier figures stay in the plan's history."""
    result = app.amend_township_population(ctx, county_code=county, township_code=township_code,
                                           population=body.population, effective_on=body.effective_on,
                                           expected_version=version, idempotency_key=key)
    return with_etag(response, result)




@router.post("/county-plan/townships/{township_code}/villages", status_code=status.HTTP_201_CREATED)
def add_village(township_code: CodePath, body: AddVillage, ctx: CurrentContext, app: App, county: County,
                version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Adds a village or community (村/社区) to a township of the plan."""
    result = app.add_village(ctx, county_code=county, township_code=township_code, expected_version=version,
                             idempotency_key=key, **body.model_dump())
    return created(response, "/v1/county-plan", result)


@router.get("/county-status")
def get_county_status(
    ctx: CurrentContext, db: ReadDb, county: County,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Per batch on a date: target count, deadline, stations opened by then, and whether it is behind schedule."""
    return views.county_status(db, county, as_of or date.today())


# --- stations -------------------------------------------------------------------------------------




@router.post("/stations", status_code=status.HTTP_201_CREATED)
def plan_station(body: PlanStation, ctx: CurrentContext, app: App, county: County, key: IdempotencyKey,
                 response: Response) -> dict[str, Any]:
    """Plans the station of a township (one per township), in its batch and with its deadline."""
    result = app.plan_station(ctx, county_code=county, township_code=body.township_code, idempotency_key=key)
    return created(response, f"/v1/stations/{result['id']}", result)


@router.get("/stations/{station_id}")
def get_station(station_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """One station as its events left it (the ETag is its version)."""
    station = app.get_station(station_id)
    check_station_readable(ctx, station)
    return with_etag(response, station)




@router.put("/stations/{station_id}/site")
def provide_site(station_id: IdPath, body: ProvideSite, ctx: CurrentContext, app: App, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The township provides office space and facilities for its own station (township; bureau)."""
    result = app.provide_site(ctx, station_id=station_id, expected_version=version, idempotency_key=key,
                              **body.model_dump())
    return with_etag(response, result)




@router.post("/stations/{station_id}/staffing")
def record_staffing(station_id: IdPath, body: RecordStaffing, ctx: CurrentContext, app: App, key: IdempotencyKey,
                    response: Response) -> dict[str, Any]:
    """Records by hand a workforce headcount the staffing policy could not apply (idempotent on source_seq)."""
    result = app.record_staffing(ctx, station_id=station_id, idempotency_key=key, **body.model_dump())
    return with_etag(response, result)






@router.post("/stations/{station_id}/opening")
def open_station(station_id: IdPath, body: Dated, ctx: CurrentContext, app: App, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Opens a sited, contracted and staffed station."""
    result = app.open_station(ctx, station_id=station_id, on=body.on, expected_version=version,
                              idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/suspension")
def suspend_station(station_id: IdPath, body: Reasoned, ctx: CurrentContext, app: App, version: IfMatch,
                    key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Suspends an open station, saying why."""
    result = app.suspend_station(ctx, station_id=station_id, reason=body.reason, on=body.on,
                                 expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/reopening")
def reopen_station(station_id: IdPath, body: Dated, ctx: CurrentContext, app: App, version: IfMatch,
                   key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Reopens a suspended station."""
    result = app.reopen_station(ctx, station_id=station_id, on=body.on, expected_version=version,
                                idempotency_key=key)
    return with_etag(response, result)


@router.post("/stations/{station_id}/closure")
def close_station(station_id: IdPath, body: Reasoned, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Closes a station for good, saying why."""
    result = app.close_station(ctx, station_id=station_id, reason=body.reason, on=body.on,
                               expected_version=version, idempotency_key=key)
    return with_etag(response, result)




@router.post("/stations/{station_id}/villages")
def cover_village(station_id: IdPath, body: CoverVillage, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The station starts serving one of its township's villages/communities from a date."""
    result = app.cover_village(ctx, station_id=station_id, expected_version=version, idempotency_key=key,
                               **body.model_dump())
    return with_etag(response, result)




@router.post("/stations/{station_id}/villages/{village_code}/end")
def end_village_coverage(station_id: IdPath, village_code: CodePath, body: EndVillageCoverage, ctx: CurrentContext,
                         app: App, version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The station stops serving a village/community from a date."""
    result = app.end_village_coverage(ctx, station_id=station_id, village_code=village_code, end=body.end,
                                      expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.get("/station-status")
def station_status(
    ctx: CurrentContext,
    db: ReadDb,
    township_code: Annotated[str | None, Query(pattern=TOWNSHIP_CODE)] = None,
    batch: Annotated[int | None, Query(ge=1, le=9)] = None,
    state: Annotated[StationState | None, Query(alias="status")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The station-status view: state, batch, deadline, contractor, workers, supervisor, rectification, ledger."""
    townships, organisation = scope(ctx)
    return views.list_station_status(db, township_code=township_code, batch=batch, status=state,
                                     townships=townships, organisation_id=organisation, limit=limit, offset=offset)


@router.get("/station-status/{station_id}")
def station_status_of(station_id: IdPath, ctx: CurrentContext, db: ReadDb) -> dict[str, Any]:
    """One station in the view, with its rectification items, village coverage and dated status history."""
    item = views.get_station_status(db, _uuid_text(station_id, "station"))
    if item is None:
        raise NotFound(f"station {station_id} is not in the station-status view")
    check_station_readable(ctx, item)
    return item


def _uuid_text(value: str, what: str) -> str:
    """An id given as text, normalised (404 if it is not an id)."""
    return str(as_id(value, what))


# --- service contracts ----------------------------------------------------------------------------






@router.post("/contracts", status_code=status.HTTP_201_CREATED)
def sign_contract(body: SignContract, ctx: CurrentContext, app: App, key: IdempotencyKey,
                  response: Response) -> dict[str, Any]:
    """Signs a purchase-of-service contract; its organisation becomes the contractor of every station it covers."""
    result = app.sign_contract(ctx, idempotency_key=key, **body.model_dump())
    return created(response, f"/v1/contracts/{result['id']}", result)


@router.get("/contracts")
def list_contracts(
    ctx: CurrentContext, db: ReadDb,
    organisation_id: IdFilter = None,
    state: Annotated[Literal["signed", "terminated"] | None, Query(alias="status")] = None,
    station_id: IdFilter = None,
    budget_year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Service contracts, newest first (a contractor sees only its own)."""
    ctx.require(*CONTRACT_READERS)
    if ctx.has_role(CONTRACTOR):
        check_organisation(ctx, organisation_id or ctx.organisation, "contracts")
        organisation_id = ctx.organisation
    station = None if station_id is None else _uuid_text(station_id, "station")
    return views.list_contracts(db, organisation_id=organisation_id, status=state, station_id=station,
                                budget_year=budget_year, limit=limit, offset=offset)


@router.get("/contracts/{contract_id}")
def get_contract(contract_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A contract's terms, disbursements, amendments and status."""
    ctx.require(*CONTRACT_READERS)
    contract = app.get_contract(contract_id)
    check_organisation(ctx, contract["organisation_id"], "contracts")
    return with_etag(response, contract)




@router.post("/contracts/{contract_id}/disbursements")
def disburse(contract_id: IdPath, body: Disburse, ctx: CurrentContext, app: App, version: IfMatch,
             key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a payment (拨付) under the contract; the total may not exceed the amount."""
    result = app.disburse(ctx, contract_id=contract_id, expected_version=version, idempotency_key=key,
                          **body.model_dump())
    return with_etag(response, result)




@router.post("/contracts/{contract_id}/amendments")
def amend_contract(contract_id: IdPath, body: AmendContract, ctx: CurrentContext, app: App, version: IfMatch,
                   key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Amends the contract's terms; stations added get its contractor, stations removed are released."""
    result = app.amend_contract(ctx, contract_id=contract_id, expected_version=version, idempotency_key=key,
                                **body.model_dump())
    return with_etag(response, result)


@router.post("/contracts/{contract_id}/termination")
def terminate_contract(contract_id: IdPath, body: Reasoned, ctx: CurrentContext, app: App, version: IfMatch,
                       key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Terminates the contract early and releases its stations."""
    result = app.terminate_contract(ctx, contract_id=contract_id, reason=body.reason, on=body.on,
                                    expected_version=version, idempotency_key=key)
    return with_etag(response, result)


# --- quarterly ledgers ----------------------------------------------------------------------------






@router.post("/stations/{station_id}/ledgers", status_code=status.HTTP_201_CREATED)
def submit_ledger(station_id: IdPath, body: SubmitLedger, ctx: CurrentContext, app: App, key: IdempotencyKey,
                  response: Response) -> dict[str, Any]:
    """The station's contractor submits a quarter's ledger (台账)."""
    result = app.submit_ledger(ctx, station_id=station_id, idempotency_key=key, **body.model_dump())
    return created(response, f"/v1/ledgers/{result['id']}", result)


@router.get("/ledgers")
def list_ledgers(
    ctx: CurrentContext, db: ReadDb,
    station_id: IdFilter = None,
    organisation_id: IdFilter = None,
    state: Annotated[Literal["submitted", "accepted", "returned"] | None, Query(alias="status")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Quarterly ledgers, newest quarter first (a township sees its own stations', a contractor its own)."""
    ctx.require(*LEDGER_READERS)
    townships, organisation = scope(ctx)
    if organisation is not None:
        check_organisation(ctx, organisation_id or organisation, "ledgers")
        organisation_id = organisation
    station = None if station_id is None else _uuid_text(station_id, "station")
    return views.list_ledgers(db, station_id=station, organisation_id=organisation_id, status=state, year=year,
                              quarter=quarter, townships=townships, limit=limit, offset=offset)


@router.get("/ledgers/{ledger_id}")
def get_ledger(ledger_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A quarterly ledger's figures and review history."""
    ctx.require(*LEDGER_READERS)
    ledger = app.get_ledger(ledger_id)
    check_organisation(ctx, ledger["organisation_id"], "ledgers")
    if ctx.has_role(TOWNSHIP):
        station = app.get_station(ledger["station_id"])
        check_station_readable(ctx, {**station, "organisation_id": None})
    return with_etag(response, ledger)


@router.post("/ledgers/{ledger_id}/acceptance")
def accept_ledger(ledger_id: IdPath, body: Dated, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The bureau accepts a submitted ledger."""
    result = app.accept_ledger(ctx, ledger_id=ledger_id, on=body.on, expected_version=version,
                               idempotency_key=key)
    return with_etag(response, result)




@router.post("/ledgers/{ledger_id}/return")
def return_ledger(ledger_id: IdPath, body: ReturnLedger, ctx: CurrentContext, app: App, version: IfMatch,
                  key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The bureau returns a submitted ledger for rectification (整改), with reasons."""
    result = app.return_ledger(ctx, ledger_id=ledger_id, reasons=body.reasons, on=body.on,
                               expected_version=version, idempotency_key=key)
    return with_etag(response, result)


@router.post("/ledgers/{ledger_id}/resubmission")
def resubmit_ledger(ledger_id: IdPath, body: LedgerFigures, ctx: CurrentContext, app: App, version: IfMatch,
                    key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The contractor resubmits a returned ledger with corrected figures."""
    result = app.resubmit_ledger(ctx, ledger_id=ledger_id, expected_version=version, idempotency_key=key,
                                 **body.model_dump())
    return with_etag(response, result)


# --- public disclosures ---------------------------------------------------------------------------




@router.post("/disclosures", status_code=status.HTTP_201_CREATED)
def publish_disclosure(body: PublishDisclosure, ctx: CurrentContext, app: App, key: IdempotencyKey,
                       response: Response) -> dict[str, Any]:
    """A contractor publishes information (信息公开) about itself or a project it holds."""
    result = app.publish_disclosure(ctx, idempotency_key=key, **body.model_dump())
    return created(response, f"/v1/disclosures/{result['id']}", result)


@router.get("/disclosures")
def list_disclosures(
    ctx: CurrentContext, db: ReadDb,
    organisation_id: IdFilter = None,
    contract_id: IdFilter = None,
    station_id: IdFilter = None,
    kind: Annotated[DisclosureKindName | None, Query()] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Public disclosures, newest first (public: every role may read them)."""
    return views.list_disclosures(
        db, organisation_id=organisation_id, kind=kind, limit=limit, offset=offset,
        contract_id=None if contract_id is None else _uuid_text(contract_id, "contract"),
        station_id=None if station_id is None else _uuid_text(station_id, "station"))


@router.get("/disclosures/{disclosure_id}")
def get_disclosure(disclosure_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A public disclosure, with its content."""
    return with_etag(response, app.get_disclosure(disclosure_id))


# --- external evaluations -------------------------------------------------------------------------






@router.post("/evaluations", status_code=status.HTTP_201_CREATED)
def record_evaluation(body: RecordEvaluation, ctx: CurrentContext, app: App, key: IdempotencyKey,
                      response: Response) -> dict[str, Any]:
    """An evaluator records a station's external evaluation (第三方评估) with rectification items."""
    data = body.model_dump()
    data["rectification_items"] = [{k: v for k, v in i.items() if v is not None} for i in data["rectification_items"]]
    result = app.record_evaluation(ctx, idempotency_key=key, **data)
    return created(response, f"/v1/evaluations/{result['id']}", result)


@router.get("/evaluations")
def list_evaluations(
    ctx: CurrentContext, db: ReadDb,
    station_id: IdFilter = None,
    open_items: Annotated[bool | None, Query(description="true: only with open rectification items")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """External evaluations, newest first (a township sees its own stations', a contractor those it holds)."""
    townships, organisation = scope(ctx)
    return views.list_evaluations(db, station_id=None if station_id is None else _uuid_text(station_id, "station"),
                                  open_items=open_items, townships=townships, organisation_id=organisation,
                                  limit=limit, offset=offset)


@router.get("/evaluations/{evaluation_id}")
def get_evaluation(evaluation_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """An evaluation with its rectification items."""
    evaluation = app.get_evaluation(evaluation_id)
    check_station_readable(ctx, app.get_station(evaluation["station_id"]))
    return with_etag(response, evaluation)




@router.post("/evaluations/{evaluation_id}/items/{item_id}/closure")
def close_rectification_item(evaluation_id: IdPath, item_id: IdPath, body: CloseRectificationItem,
                             ctx: CurrentContext, app: App, version: IfMatch, key: IdempotencyKey,
                             response: Response) -> dict[str, Any]:
    """Closes a rectification item (整改事项) with the evidence that it was rectified."""
    result = app.close_rectification_item(ctx, evaluation_id=evaluation_id, item_id=item_id,
                                          expected_version=version, idempotency_key=key, **body.model_dump())
    return with_etag(response, result)


# --- misuse reports -------------------------------------------------------------------------------




@router.post("/misuse-reports", status_code=status.HTTP_201_CREATED)
def report_misuse(body: ReportMisuse, ctx: CurrentContext, app: App, key: IdempotencyKey,
                  response: Response) -> dict[str, Any]:
    """Reports a station social worker put to work as township staff (any role but auditor)."""
    result = app.report_misuse(ctx, idempotency_key=key, **body.model_dump())
    return created(response, f"/v1/misuse-reports/{result['id']}", result)


@router.get("/misuse-reports")
def list_misuse_reports(
    ctx: CurrentContext, db: ReadDb,
    station_id: IdFilter = None,
    township_code: Annotated[str | None, Query(pattern=TOWNSHIP_CODE)] = None,
    state: Annotated[Literal["open", "resolved"] | None, Query(alias="status")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> dict[str, Any]:
    """Misuse reports, newest first, without their descriptions (bureau, auditor; a township its own)."""
    ctx.require(*MISUSE_READERS)
    townships, _ = scope(ctx)
    return views.list_misuse_reports(db, station_id=None if station_id is None else _uuid_text(station_id, "station"),
                                     township_code=township_code, status=state, townships=townships, limit=limit,
                                     offset=offset)


@router.get("/misuse-reports/{report_id}")
def get_misuse_report(report_id: IdPath, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A misuse report with its description and resolution (bureau, auditor, its township, its reporter)."""
    report = app.get_misuse_report(report_id)
    if report["reported_by"].get("actor") != ctx.actor:
        ctx.require(*MISUSE_READERS)
        townships, _ = scope(ctx)
        if townships is not None and report["township_code"] not in townships:
            raise Forbidden("a township user may read only its own township's misuse reports")
    return with_etag(response, report)




@router.post("/misuse-reports/{report_id}/resolution")
def resolve_misuse_report(report_id: IdPath, body: ResolveMisuseReport, ctx: CurrentContext, app: App, version: IfMatch,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The bureau records how a misuse report was resolved."""
    result = app.resolve_misuse_report(ctx, report_id=report_id, resolution=body.resolution, on=body.on,
                                       expected_version=version, idempotency_key=key)
    return with_etag(response, result)
