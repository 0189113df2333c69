"""Routes of group and community activities, community social organisations, supervision sessions and coverage,
verification tasks and satisfaction surveys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, get_type_hints
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel

from services.casework import read_models
from services.casework.api.deps import App, command_route
from services.casework.application import (
    AssignVerification,
    Casework,
    FosterOrganisation,
    HoldSupervision,
    RecordActivity,
    RecordSurvey,
)
from services.casework.application.base import FACT_READERS
from services.casework.application.fields import Month
from services.casework.application.points import VillagePointsPublic
from services.casework.application.records import (
    ActivityPublic,
    CommunityOrganisationPublic,
    SupervisionSessionPublic,
    SurveyPublic,
    VerificationPublic,
)
from shared.fields import Code
from shared.http import COMMAND_PROBLEMS, QUERY_PROBLEMS, CurrentContext, IdempotencyKey, Page, created, with_etag
from shared.service import ReadDb

router = APIRouter(tags=["programme"])


def create_route(path: str, body_type: type[BaseModel], action: Callable[..., dict[str, Any]],
                 answer: type[BaseModel], kind: str, id_name: str) -> None:
    """``POST path`` creating one resource (201, ``Location``, ``ETag``) and ``GET path/{id}`` answering it."""

    def route(body: BaseModel, ctx: CurrentContext, app: App, key: IdempotencyKey,
              response: Response) -> dict[str, Any]:
        result = action(app, ctx, body, idempotency_key=key)
        return created(response, f"/v1{path}/{result['id']}", result)

    route.__annotations__["body"] = body_type
    router.add_api_route(path, route, methods=["POST"], status_code=status.HTTP_201_CREATED, name=action.__name__,
                         summary=action.__name__.replace("_", " ").capitalize(), description=action.__doc__,
                         response_model=answer, responses=COMMAND_PROBLEMS)

    def read(record_id: UUID, ctx: CurrentContext, app: App, response: Response) -> dict[str, Any]:
        return with_etag(response, app.get_record(ctx, kind, record_id))

    read.__annotations__["record_id"] = Annotated[UUID, Path(alias=id_name)]  # the path names the id as lists do

    words = kind.replace("_", " ")
    router.add_api_route(f"{path}/{{{id_name}}}", read, methods=["GET"], name=f"get_{kind}", summary=f"Get {words}",
                         description=f"One {words} as recorded.", response_model=answer, responses=QUERY_PROBLEMS)


create_route("/activities", RecordActivity, Casework.record_activity, ActivityPublic, "activity", "activity_id")
create_route("/community-organisations", FosterOrganisation, Casework.foster_organisation,
             CommunityOrganisationPublic, "community_organisation", "organisation_id")
create_route("/supervision-sessions", HoldSupervision, Casework.hold_supervision, SupervisionSessionPublic,
             "supervision_session", "session_id")
create_route("/verifications", AssignVerification, Casework.assign_verification, VerificationPublic, "verification",
             "task_id")
create_route("/surveys", RecordSurvey, Casework.record_survey, SurveyPublic, "survey", "survey_id")
command_route(router, "post", "/activities/{activity_id}/outcome", Casework.record_activity_outcome, ActivityPublic)
command_route(router, "post", "/verifications/{task_id}/completion", Casework.complete_verification,
              VerificationPublic)


def points_route(path: str, action: Callable[..., dict[str, Any]]) -> None:
    """``POST path`` changing a village's points ledger (opened by its first award); answers the ledger."""

    def route(body: BaseModel, ctx: CurrentContext, app: App, key: IdempotencyKey,
              response: Response) -> dict[str, Any]:
        return with_etag(response, action(app, ctx, body, idempotency_key=key))

    route.__annotations__["body"] = get_type_hints(action)["command"]
    router.add_api_route(path, route, methods=["POST"], name=action.__name__, description=action.__doc__,
                         summary=action.__name__.replace("_", " ").capitalize(), response_model=VillagePointsPublic,
                         responses=COMMAND_PROBLEMS)


points_route("/village-points/awards", Casework.award_points)
points_route("/village-points/redemptions", Casework.redeem_points)


@router.get("/village-points/{station_id}/{village_code}", response_model=VillagePointsPublic,
            responses=QUERY_PROBLEMS)
def get_village_points(station_id: UUID, village_code: Code, ctx: CurrentContext, app: App,
                       response: Response) -> dict[str, Any]:
    """A village's points ledger: totals and each household's balance."""
    return with_etag(response, app.get_points(ctx, station_id, village_code))


@router.get("/supervision-coverage", response_model=Page[read_models.StationCoverage], responses=QUERY_PROBLEMS)
def supervision_coverage(ctx: CurrentContext, db: ReadDb,
                         month: Annotated[Month, Query(description="a month, YYYY-MM")]) -> dict[str, Any]:
    """Each supervised station in a month: sessions, hours, short sessions, and whether the plan's rules are met."""
    ctx.require(*FACT_READERS)
    return {"items": read_models.coverage(db, month), "next": None}
