"""Workforce HTTP API (``/v1``): thin routes that turn requests into application calls and read-model queries.

Commands check roles in the application (see its module docstring); read access is checked here with
``readable_by``: county departments read everything they need, a contractor only its own organisation.
List responses never carry whole personal data: the roster shows id numbers and phones masked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AfterValidator, Field, StringConstraints

from services.workforce import read_models as views
from services.workforce.application import Workforce
from shared.domain import Context, Forbidden, Invalid, Role
from shared.fields import (
    Count,
    CreditCode,
    Day,
    Name,
    NationalId,
    Phone,
    PositiveFen,
    RequiredText,
    SequenceNumber,
    ShortText,
    WholeHours,
    Year,
    items,
)
from shared.http import AsOf, Body, CurrentContext, IdempotencyKey, IfMatch, Limit, Offset, created, with_etag
from shared.service import County, ReadDb, application_of
from shared.settings import get_settings

router = APIRouter(prefix="/v1", tags=["workforce"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
ADMIN, HR, PARTY = Role.CIVIL_AFFAIRS_ADMIN, Role.HR_SOCIAL_SECURITY, Role.PARTY_ORGANISATION
FINANCE, AUDITOR, CONTRACTOR = Role.FINANCE, Role.AUDITOR, Role.CONTRACTOR
ROSTER_READERS = (ADMIN, HR, PARTY, AUDITOR, CONTRACTOR)
PAYROLL_READERS = (ADMIN, HR, FINANCE, AUDITOR, CONTRACTOR)
COUNTY_READERS = (ADMIN, HR, PARTY, FINANCE, AUDITOR)


App = Annotated[Workforce, Depends(application_of(Workforce))]


def _month_in_window(value: str) -> str:
    settings = get_settings()
    if not f"{settings.date_min:%Y-%m}" <= value <= f"{settings.date_max:%Y-%m}":
        raise ValueError(f"must be between {settings.date_min:%Y-%m} and {settings.date_max:%Y-%m}")
    return value


Month = Annotated[str, StringConstraints(pattern=MONTH), AfterValidator(_month_in_window),
                  Field(description="a month, YYYY-MM, within the programme's window")]
# One word of a domain vocabulary (education level, certificate level, ...): the domain names the choices.
Choice = Annotated[str, StringConstraints(max_length=32)]
MonthQuery = Annotated[Month | None, Query(description="a month, YYYY-MM")]


def readable_by(ctx: Context, roles: tuple[Role, ...], organisation_id: str | None = None) -> str | None:
    """Checks read access; returns the organisation a contractor is limited to (None: no limit)."""
    ctx.require(*roles)
    if not ctx.has_role(CONTRACTOR):
        return organisation_id
    own = own_organisation(ctx)
    if organisation_id is not None and organisation_id != own:
        raise Forbidden("a contractor may only read its own organisation")
    return own


def own_organisation(ctx: Context) -> str:
    """A contractor's organisation id (its token names the id or the unified social credit code)."""
    try:
        return str(UUID(ctx.organisation))
    except ValueError:
        pass
    try:
        return str(Workforce.organisation_id_for(ctx.organisation))
    except Invalid:
        raise Forbidden("the contractor's token names no organisation") from None




# --- organisations 社工服务机构 ---------------------------------------------------------------------


class RegisterOrganisation(Body):
    name: Name
    unified_social_credit_code: CreditCode
    registered_in_county: bool
    registration_place: Name
    registered_on: Day


@router.post("/organisations", status_code=status.HTTP_201_CREATED)
def register_organisation(body: RegisterOrganisation, ctx: CurrentContext, app: App, key: IdempotencyKey,
                          response: Response) -> dict[str, Any]:
    """Registers a social work service organisation (civil affairs admin)."""
    result = app.register_organisation(ctx, idempotency_key=key, **body.model_dump())
    return created(response, f"/v1/organisations/{result['organisation_id']}", result)


@router.get("/organisations")
def list_organisations(ctx: CurrentContext, db: ReadDb, as_of: AsOf = None,
                       month: MonthQuery = None) -> dict[str, Any]:
    """Per organisation on a date: headcount, certified, insurance coverage and a month's payroll total."""
    limit = readable_by(ctx, PAYROLL_READERS)
    day = as_of or date.today()
    return views.organisations_as_of(db, day, month or f"{day:%Y-%m}", limit)


@router.get("/organisations/{organisation_id}")
def get_organisation(organisation_id: UUID, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """An organisation's record with the contracts and stations it holds (no personal data)."""
    return with_etag(response, app.get_organisation(organisation_id))


class RegisteredOn(Body):
    registered_on: Day


@router.post("/organisations/{organisation_id}/county-registration")
def register_in_county(organisation_id: UUID, body: RegisteredOn, ctx: CurrentContext, app: App,
                       version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records that an organisation registered elsewhere is now registered in the county (civil affairs admin)."""
    result = app.register_in_county(ctx, organisation_id=organisation_id, registered_on=body.registered_on,
                                    expected_version=version, idempotency_key=key)
    return with_etag(response, result)


class SetUpOn(Body):
    set_up_on: Day


@router.post("/organisations/{organisation_id}/party-organisation")
def record_party_organisation(organisation_id: UUID, body: SetUpOn, ctx: CurrentContext, app: App,
                              version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records that the organisation set up its party organisation 党组织 (party organisation)."""
    result = app.record_party_organisation(ctx, organisation_id=organisation_id, set_up_on=body.set_up_on,
                                           expected_version=version, idempotency_key=key)
    return with_etag(response, result)


class ContractHeld(Body):
    contract_id: UUID
    station_ids: Annotated[list[UUID], items(1)]
    source_seq: SequenceNumber = Field(description="sequence of the stations event this records")


@router.post("/organisations/{organisation_id}/contracts")
def record_contract(organisation_id: UUID, body: ContractHeld, ctx: CurrentContext, app: App,
                    response: Response) -> dict[str, Any]:
    """Records by hand a stations contract event the projection could not apply (idempotent on source_seq)."""
    result = app.record_contract(ctx, organisation_id=organisation_id, contract_id=body.contract_id,
                                 station_ids=body.station_ids, source_seq=body.source_seq)
    return with_etag(response, result)


class ContractEnded(Body):
    source_seq: SequenceNumber = Field(description="sequence of the stations event this records")


@router.post("/organisations/{organisation_id}/contracts/{contract_id}/end")
def record_contract_ended(organisation_id: UUID, contract_id: UUID, body: ContractEnded, ctx: CurrentContext,
                          app: App, response: Response) -> dict[str, Any]:
    """Records by hand that a stations contract ended (idempotent on source_seq)."""
    result = app.record_contract_ended(ctx, organisation_id=organisation_id, contract_id=contract_id,
                                       source_seq=body.source_seq)
    return with_etag(response, result)


@router.get("/organisations/{organisation_id}/payroll")
def get_payroll(organisation_id: UUID, ctx: CurrentContext, db: ReadDb,
                month: MonthQuery = None) -> dict[str, Any]:
    """An organisation's payroll: totals per month, or one month's lines (``month=YYYY-MM``)."""
    readable_by(ctx, PAYROLL_READERS, str(organisation_id))
    return views.payroll(db, str(organisation_id), month)


# --- workers 社工 -------------------------------------------------------------------------------------


class HireWorker(Body):
    employer_id: UUID
    name: Name
    national_id_number: NationalId = Field(description="身份证号 (personal data)")
    phone: Phone = Field(description="mobile phone (personal data)")
    hired_on: Day


@router.post("/workers", status_code=status.HTTP_201_CREATED)
def hire_worker(body: HireWorker, ctx: CurrentContext, app: App, key: IdempotencyKey,
                response: Response) -> dict[str, Any]:
    """Hires a social worker (civil affairs admin; a contractor into its own organisation)."""
    result = app.hire_worker(ctx, idempotency_key=key, **body.model_dump())
    return created(response, f"/v1/workers/{result['worker_id']}", result)


class FindWorker(Body):
    national_id_number: NationalId


@router.post("/workers/lookup")
def find_worker(body: FindWorker, ctx: CurrentContext, app: App) -> dict[str, Any]:
    """Finds a worker's id by national id number (sent in the body, so it never appears in a URL or log)."""
    return app.find_worker(ctx, body.national_id_number)


@router.get("/workers/{worker_id}")
def get_worker(worker_id: UUID, ctx: CurrentContext, app: App, response: Response,
               reveal: Annotated[bool, Query(description="show id number and phone whole (logged)")] = False,
               ) -> dict[str, Any]:
    """A worker's record; id number and phone masked unless ``reveal=true`` by a role that needs them."""
    return with_etag(response, app.view_worker(ctx, worker_id, reveal))



class ChangePhone(Body):
    phone: Phone


@router.put("/workers/{worker_id}/phone")
def change_phone(worker_id: UUID, body: ChangePhone, ctx: CurrentContext, app: App, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records the worker's new phone number."""
    return with_etag(response, app.change_phone(
        ctx, worker_id=worker_id, phone=body.phone, expected_version=version, idempotency_key=key))


class Education(Body):
    level: Choice = Field(description="secondary, junior_college, bachelor, master or doctorate")
    major: ShortText = ""
    school: Name


@router.post("/workers/{worker_id}/education")
def record_education(worker_id: UUID, body: Education, ctx: CurrentContext, app: App, version: IfMatch,
                     key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a degree or diploma 学历."""
    return with_etag(response, app.record_education(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Certificate(Body):
    level: Choice = Field(description="assistant, social_worker or senior")
    obtained_on: Day
    number: Name


@router.post("/workers/{worker_id}/certificates")
def record_certificate(worker_id: UUID, body: Certificate, ctx: CurrentContext, app: App, version: IfMatch,
                       key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a professional certificate 社会工作者职业水平证书."""
    return with_etag(response, app.record_certificate(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Title(Body):
    title: Name
    awarded_on: Day


@router.post("/workers/{worker_id}/titles")
def award_title(worker_id: UUID, body: Title, ctx: CurrentContext, app: App, version: IfMatch,
                key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a professional title 职称 (HR and social security)."""
    return with_etag(response, app.award_title(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class SignLabourContract(Body):
    starts_on: Day
    ends_on: Day | None = Field(description="null: open-ended")


@router.post("/workers/{worker_id}/labour-contract")
def sign_labour_contract(worker_id: UUID, body: SignLabourContract, ctx: CurrentContext, app: App,
                         version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a signed labour contract 劳动合同."""
    return with_etag(response, app.sign_labour_contract(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class RenewLabourContract(Body):
    ends_on: Day | None = Field(description="null: open-ended")


@router.post("/workers/{worker_id}/labour-contract/renewal")
def renew_labour_contract(worker_id: UUID, body: RenewLabourContract, ctx: CurrentContext, app: App,
                          version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Renews 续签 the current labour contract to a later end."""
    return with_etag(response, app.renew_labour_contract(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class EndLabourContract(Body):
    ended_on: Day
    reason: ShortText = ""


@router.post("/workers/{worker_id}/labour-contract/end")
def end_labour_contract(worker_id: UUID, body: EndLabourContract, ctx: CurrentContext, app: App,
                        version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records that the current labour contract ended."""
    return with_etag(response, app.end_labour_contract(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Assign(Body):
    station_id: UUID
    assigned_on: Day


@router.post("/workers/{worker_id}/assignment")
def assign_to_station(worker_id: UUID, body: Assign, ctx: CurrentContext, app: App, version: IfMatch,
                      key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Assigns the worker to a station 驻站 (one at a time; a contractor only to stations it holds)."""
    return with_etag(response, app.assign_to_station(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Transfer(Body):
    station_id: UUID
    transferred_on: Day


@router.post("/workers/{worker_id}/transfer")
def transfer_to_station(worker_id: UUID, body: Transfer, ctx: CurrentContext, app: App, version: IfMatch,
                        key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Moves the worker to another station 调动."""
    return with_etag(response, app.transfer_to_station(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Unassign(Body):
    unassigned_on: Day
    reason: ShortText = ""


@router.post("/workers/{worker_id}/unassignment")
def unassign_from_station(worker_id: UUID, body: Unassign, ctx: CurrentContext, app: App, version: IfMatch,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Ends the worker's current station assignment."""
    return with_etag(response, app.unassign_from_station(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Pay(Body):
    period: Month = Field(description="the month paid, YYYY-MM")
    gross_fen: PositiveFen
    paid_on: Day


@router.post("/workers/{worker_id}/pay")
def record_pay(worker_id: UUID, body: Pay, ctx: CurrentContext, app: App, version: IfMatch,
               key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a month's pay 月工资; pay below the minimum wage is accepted and flagged."""
    return with_etag(response, app.record_pay(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Insurance(Body):
    items: list[Choice] = Field(min_length=1, max_length=6, description="pension, medical, unemployment, "
                                "work_injury, maternity, housing_fund")
    enrolled_on: Day


@router.post("/workers/{worker_id}/insurance")
def enrol_insurance(worker_id: UUID, body: Insurance, ctx: CurrentContext, app: App, version: IfMatch,
                    key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records enrolment in insurance items / the housing fund 五险一金."""
    return with_etag(response, app.enrol_insurance(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class PersonnelFile(Body):
    held_at: Name
    lodged_on: Day


@router.put("/workers/{worker_id}/personnel-file")
def record_personnel_file(worker_id: UUID, body: PersonnelFile, ctx: CurrentContext, app: App, version: IfMatch,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records where the worker's personnel file 人事档案 is kept."""
    return with_etag(response, app.record_personnel_file(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Leave(Body):
    left_on: Day
    reason: RequiredText


@router.post("/workers/{worker_id}/leaving")
def leave_workforce(worker_id: UUID, body: Leave, ctx: CurrentContext, app: App, version: IfMatch,
                    key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """The worker leaves 离职; station, supervision and labour contract end with it."""
    return with_etag(response, app.leave_workforce(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Training(Body):
    course: Name
    hours: WholeHours
    completed_on: Day


@router.post("/workers/{worker_id}/training")
def record_training(worker_id: UUID, body: Training, ctx: CurrentContext, app: App, version: IfMatch,
                    key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a completed training course 培训 (HR and social security)."""
    return with_etag(response, app.record_training(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class OpenDispute(Body):
    summary: RequiredText
    opened_on: Day


@router.post("/workers/{worker_id}/disputes", status_code=status.HTTP_201_CREATED)
def open_dispute(worker_id: UUID, body: OpenDispute, ctx: CurrentContext, app: App, version: IfMatch,
                 key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Opens a labour dispute 劳动争议 (HR and social security)."""
    result = app.open_dispute(ctx, worker_id=worker_id, expected_version=version, idempotency_key=key,
                              **body.model_dump())
    return created(response, f"/v1/workers/{worker_id}", result)


class ResolveDispute(Body):
    outcome: RequiredText
    resolved_on: Day


@router.post("/workers/{worker_id}/disputes/{dispute_id}/resolution")
def resolve_dispute(worker_id: UUID, dispute_id: UUID, body: ResolveDispute, ctx: CurrentContext, app: App,
                    version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records how a labour dispute was resolved (HR and social security)."""
    return with_etag(response, app.resolve_dispute(
        ctx, worker_id=worker_id, dispute_id=str(dispute_id), expected_version=version, idempotency_key=key,
        **body.model_dump()))


class PartyStatus(Body):
    status: Choice = Field(description="member, activist or none")
    effective_on: Day


@router.put("/workers/{worker_id}/party-status")
def record_party_status(worker_id: UUID, body: PartyStatus, ctx: CurrentContext, app: App, version: IfMatch,
                        key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records the worker's party status 政治面貌 (party organisation)."""
    return with_etag(response, app.record_party_status(
        ctx, worker_id=worker_id, expected_version=version, idempotency_key=key, **body.model_dump()))


# --- supervisors 督导 ---------------------------------------------------------------------------------


class Designate(Body):
    designated_on: Day


@router.post("/workers/{worker_id}/supervisor", status_code=status.HTTP_201_CREATED)
def designate_supervisor(worker_id: UUID, body: Designate, ctx: CurrentContext, app: App, version: IfMatch,
                         key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Designates a worker with a qualifying certificate as supervisor (civil affairs admin)."""
    result = app.designate_supervisor(ctx, worker_id=worker_id, designated_on=body.designated_on,
                                      expected_version=version, idempotency_key=key)
    return created(response, f"/v1/supervisors/{worker_id}", result)


@router.get("/supervisors")
def list_supervisors(ctx: CurrentContext, db: ReadDb, app: App, as_of: AsOf = None) -> dict[str, Any]:
    """Per supervisor on a date: the stations covered against the plan's 5–8, with a warning below it."""
    readable_by(ctx, COUNTY_READERS)
    return views.supervisors_as_of(db, as_of or date.today(), app.policy)


@router.get("/supervisors/{supervisor_id}")
def get_supervisor(supervisor_id: UUID, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
    """A supervisor's current stations against the plan's 5–8."""
    readable_by(ctx, COUNTY_READERS)
    return with_etag(response, app.supervisor_load(supervisor_id))


class SupervisedStation(Body):
    station_id: UUID
    assigned_on: Day


@router.post("/supervisors/{supervisor_id}/stations")
def assign_supervision(supervisor_id: UUID, body: SupervisedStation, ctx: CurrentContext, app: App,
                       version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Gives a supervisor one more station, refused above the plan's maximum (civil affairs admin)."""
    return with_etag(response, app.assign_supervision(
        ctx, supervisor_id=supervisor_id, expected_version=version, idempotency_key=key, **body.model_dump()))


class Release(Body):
    released_on: Day


@router.post("/supervisors/{supervisor_id}/stations/{station_id}/release")
def release_supervision(supervisor_id: UUID, station_id: UUID, body: Release, ctx: CurrentContext, app: App,
                        version: IfMatch, key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Takes a station off a supervisor's list (civil affairs admin)."""
    return with_etag(response, app.release_supervision(
        ctx, supervisor_id=supervisor_id, station_id=station_id, released_on=body.released_on,
        expected_version=version, idempotency_key=key))


# --- roster 花名册 ------------------------------------------------------------------------------------


@router.get("/roster")
def get_roster(
    ctx: CurrentContext,
    db: ReadDb,
    app: App,
    as_of: AsOf = None,
    station_id: UUID | None = None,
    organisation_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Who works where on a date, certified, insured, under contract; id number and phone masked."""
    organisation = readable_by(ctx, ROSTER_READERS, str(organisation_id) if organisation_id else None)
    page = views.roster(db, as_of or date.today(), str(station_id) if station_id else None, organisation,
                        limit, offset)
    masked = app.masked_identities(item["worker_id"] for item in page["items"])
    page["items"] = [{**item, **masked[item["worker_id"]]} for item in page["items"]]
    return page


@router.get("/roster/stations")
def get_roster_stations(ctx: CurrentContext, db: ReadDb, as_of: AsOf = None) -> dict[str, Any]:
    """Per station on a date: headcount, certified count, its workers and its supervisors."""
    readable_by(ctx, COUNTY_READERS)
    return views.stations_as_of(db, as_of or date.today())


# --- baseline and targets -----------------------------------------------------------------------------


class EnterBaseline(Body):
    certified_social_workers: Count
    professionals: Count
    year: Year | None = Field(default=None, description="default: the year before the plan")


@router.post("/baseline", status_code=status.HTTP_201_CREATED)
def enter_baseline(body: EnterBaseline, ctx: CurrentContext, app: App, county: County, key: IdempotencyKey,
                   response: Response) -> dict[str, Any]:
    """Enters the county's 2020 workforce baseline 基数 (civil affairs admin)."""
    result = app.enter_baseline(ctx, county_code=county, idempotency_key=key, **body.model_dump())
    return created(response, "/v1/baseline", result)


@router.get("/baseline")
def get_baseline(ctx: CurrentContext, app: App, county: County, response: Response) -> dict[str, Any]:
    """The county's baseline and the yearly figures recorded since."""
    readable_by(ctx, COUNTY_READERS)
    return with_etag(response, app.get_baseline(county))


class YearlyFigures(Body):
    year: Year
    certified_social_workers: Count
    professionals: Count


@router.post("/baseline/yearly-figures")
def record_yearly_figures(body: YearlyFigures, ctx: CurrentContext, app: App, county: County, version: IfMatch,
                          key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Records a later year's official certified and professional counts (civil affairs admin)."""
    return with_etag(response, app.record_yearly_figures(
        ctx, county_code=county, expected_version=version, idempotency_key=key, **body.model_dump()))


class CorrectBaseline(Body):
    certified_social_workers: Count
    professionals: Count
    reason: RequiredText


@router.post("/baseline/correction")
def correct_baseline(body: CorrectBaseline, ctx: CurrentContext, app: App, county: County, version: IfMatch,
                     key: IdempotencyKey, response: Response) -> dict[str, Any]:
    """Corrects the baseline figures, saying why (civil affairs admin)."""
    return with_etag(response, app.correct_baseline(
        replace(ctx, reason=body.reason), county_code=county, certified_social_workers=body.certified_social_workers,
        professionals=body.professionals, expected_version=version, idempotency_key=key))


@router.get("/targets")
def get_targets(ctx: CurrentContext, db: ReadDb, app: App, county: County, as_of: AsOf = None) -> dict[str, Any]:
    """The workforce targets on a date (met / on_track / at_risk), with the figures they were assessed on."""
    readable_by(ctx, COUNTY_READERS)
    return views.targets(db, county, as_of or date.today(), app.policy)
