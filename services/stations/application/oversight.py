"""Oversight commands and queries: public disclosures, external evaluations, misuse reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from services.stations.domain import ExternalEvaluation, MisuseReport, PublicDisclosure, ServiceContract, Station
from shared.application import Outcome
from shared.domain import Context, Forbidden, Role

from .base import ADMIN, StationsBase, payload_of
from .views import disclosure_view, evaluation_view, misuse_view


class OversightCommands(StationsBase):
    """Oversight commands and queries."""

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
            return Outcome(result=disclosure_view(disclosure), changed=[disclosure])

        return self.execute(ctx, "publish_disclosure", args, handler, idempotency_key)

    def get_disclosure(self, disclosure_id: UUID) -> dict[str, Any]:
        """A public disclosure."""
        return disclosure_view(self.load(PublicDisclosure, disclosure_id))

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
            return Outcome(result=evaluation_view(evaluation), changed=[evaluation])

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
            lambda evaluation: evaluation.close_item(item_id, evidence, closed_on, ctx), evaluation_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def get_evaluation(self, evaluation_id: UUID) -> dict[str, Any]:
        """An evaluation with its rectification items."""
        return evaluation_view(self.load(ExternalEvaluation, evaluation_id))

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
            return Outcome(result=misuse_view(report), changed=[report])

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
            lambda report: report.resolve(resolution, on, ctx), misuse_view,
            expected_version=expected_version, idempotency_key=idempotency_key,
        )

    def get_misuse_report(self, report_id: UUID) -> dict[str, Any]:
        """A misuse report and its resolution."""
        return misuse_view(self.load(MisuseReport, report_id))
