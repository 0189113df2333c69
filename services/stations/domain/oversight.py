"""Oversight of the stations: public disclosures (信息公开), external evaluations (第三方评估) and misuse reports.

The rules are those of ``docs/domain.md`` §5–§7.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from shared.domain import Context, Invalid, choice, day, refuse, text, texts, whole

from .common import DisclosureKind, MisuseStatus, Policy


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
