"""Oversight commands and queries: public disclosures, external evaluations, misuse reports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.stations.commands import (
    CloseRectificationItem,
    PublishDisclosure,
    RecordEvaluation,
    ReportMisuse,
    ResolveMisuseReport,
)
from services.stations.domain import ExternalEvaluation, MisuseReport, PublicDisclosure, ServiceContract, Station
from shared.application import Outcome
from shared.auth import same_organisation
from shared.domain import Context, Forbidden, Role

from .base import ADMIN, StationsBase
from .views import disclosure_view, evaluation_view, misuse_view


class OversightCommands(StationsBase):
    """Oversight commands and queries."""

    def publish_disclosure(self, ctx: Context, command: PublishDisclosure, *,
                           idempotency_key: str | None = None) -> dict[str, Any]:
        """A contractor publishes information (信息公开) about itself or a project it holds."""
        station_id = command.station_id

        def handler() -> Outcome:
            ctx.require(Role.CONTRACTOR)
            contract = self.load(ServiceContract, command.contract_id)
            if not same_organisation(contract.organisation_id, ctx.organisation):
                raise Forbidden("a contractor may publish disclosures only for its own contracts")
            if station_id is not None and station_id not in contract.station_ids:
                raise Forbidden(f"contract {contract.contract_number} does not cover station {station_id}")
            disclosure = PublicDisclosure.publish(
                ctx=ctx, **{**command.model_dump(), "organisation_id": contract.organisation_id,
                            "contract_id": str(contract.id)},
            )
            return Outcome(result=disclosure_view(disclosure), changed=[disclosure])

        return self.execute(ctx, command, handler, idempotency_key)

    def get_disclosure(self, disclosure_id: UUID | str) -> dict[str, Any]:
        """A public disclosure."""
        return disclosure_view(self.load(PublicDisclosure, disclosure_id))

    def record_evaluation(self, ctx: Context, command: RecordEvaluation, *,
                          idempotency_key: str | None = None) -> dict[str, Any]:
        """An evaluator records a station's external evaluation (第三方评估)."""

        def handler() -> Outcome:
            ctx.require(Role.EVALUATOR)
            station = self.load(Station, command.station_id)
            evaluation = ExternalEvaluation.record(
                ctx=ctx, policy=self.policy, evaluator_organisation=ctx.organisation,
                **{**command.model_dump(exclude_none=True), "station_id": str(station.id)},
            )
            return Outcome(result=evaluation_view(evaluation), changed=[evaluation])

        return self.execute(ctx, command, handler, idempotency_key)

    def close_rectification_item(self, ctx: Context, evaluation_id: UUID | str, item_id: str,
                                 command: CloseRectificationItem, *, expected_version: int | None = None,
                                 idempotency_key: str | None = None) -> dict[str, Any]:
        """Closes a rectification item (整改事项) with evidence."""
        ctx.require(Role.EVALUATOR, ADMIN)
        return self.change(ctx, command, ExternalEvaluation, evaluation_id,
                           lambda evaluation: evaluation.close_item(item_id, ctx=ctx, **command.model_dump()),
                           evaluation_view, expected_version=expected_version, idempotency_key=idempotency_key,
                           about=(item_id,))

    def get_evaluation(self, evaluation_id: UUID | str) -> dict[str, Any]:
        """An evaluation with its rectification items."""
        return evaluation_view(self.load(ExternalEvaluation, evaluation_id))

    def report_misuse(self, ctx: Context, command: ReportMisuse, *,
                      idempotency_key: str | None = None) -> dict[str, Any]:
        """Anyone reports a station social worker put to work as township staff."""

        def handler() -> Outcome:
            if ctx.has_role(Role.AUDITOR):
                raise Forbidden("auditors have read-only access")
            station = self.load(Station, command.station_id)
            report = MisuseReport.open_report(
                ctx=ctx, township_code=station.township_code,
                **{**command.model_dump(), "station_id": str(station.id)},
            )
            return Outcome(result=misuse_view(report), changed=[report])

        return self.execute(ctx, command, handler, idempotency_key)

    def resolve_misuse_report(self, ctx: Context, report_id: UUID | str, command: ResolveMisuseReport, *,
                              expected_version: int | None = None, idempotency_key: str | None = None,
                              ) -> dict[str, Any]:
        """The bureau records how a misuse report was resolved."""
        ctx.require(ADMIN)
        return self.change(ctx, command, MisuseReport, report_id,
                           lambda report: report.resolve(command.resolution, command.on, ctx), misuse_view,
                           expected_version=expected_version, idempotency_key=idempotency_key)

    def get_misuse_report(self, report_id: UUID | str) -> dict[str, Any]:
        """A misuse report and its resolution."""
        return misuse_view(self.load(MisuseReport, report_id))
