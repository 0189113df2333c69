"""Batched applies give the tables one-by-one applies give.

A quick pass gathers a projection's changes in memory (WidgetTotals, workforce's StationTownships) or sends its
statements pipelined (``Projection.pipelines``); a failing event still undoes only its own changes and is
dead-lettered, and a rebuild from the stream gives the tables the live projection built one event at a time, each in
its savepoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from benchmarks import planned
from benchmarks.rebuilds import TownshipsOneByOne, WidgetsOneByOne
from benchmarks.widgets import CTX, SERVICE, Widget, Widgets, WidgetTotals
from services.workforce.read_models.station_townships import StationTownships
from shared import store
from shared.projection import Projection, ProjectionRunner
from shared.settings import Settings
from shared.shadow import Shadow
from tests.integration.test_projection import _publish_all, _totals
from tests.kit.infra import read_subject
from tests.kit.waiting import run_until

BAD = {7, 33, 60}  # the last one fails where the batch closes (the gathered insert, or the pipeline's sync)
TOWNSHIPS = StationTownships.name


class TownshipsPipelined(StationTownships):
    """StationTownships sending a quick pass's statements pipelined instead of gathering them."""

    pipelines = True

    @contextlib.contextmanager
    def batch(self, cur: psycopg.Cursor) -> Iterator[None]:
        yield


def _rows(iso: Settings, query: str) -> list[dict[str, Any]]:
    with store.connect(store.service_url(iso, SERVICE)) as conn:
        return conn.execute(query).fetchall()


async def _dead(iso: Settings, js, projection: Projection) -> list[str]:
    dead = await read_subject(js, iso, f"{iso.subject_prefix}.dlq.{projection.name}")
    return [m.headers["Sw-Dlq-Reason"] for m in dead]


async def test_widget_totals_gathered_in_memory_equal_the_one_by_one_tables(iso: Settings, widgets: Widgets,
                                                                          js) -> None:
    for i, name in enumerate(("a", "explode", "b", "c", "d")):
        widget = Widget(name=name, ctx=CTX)
        for by in range(i + 2):
            widget.count_up(by=by, ctx=CTX)
        widgets.save(widget)
    await _publish_all(iso, widgets, js)
    iso = iso.model_copy(update={"consumer_max_attempts": 2})
    url = store.service_url(iso, SERVICE)
    expected = {"a": 1, "b": 6, "c": 10, "d": 15}
    await run_until(ProjectionRunner(iso, WidgetsOneByOne(), url), js, lambda: _totals(iso) == expected)
    assert await _dead(iso, js, WidgetTotals()) == ["failed 2 times: RuleViolated: this widget cannot be projected"]

    await Shadow(iso, WidgetTotals(), url, SERVICE).build(js)
    assert _totals(iso) == expected, "the rebuilt totals, gathered per batch, equal the one-by-one ones"

    live = ProjectionRunner(iso, WidgetTotals(), url)
    await live.reset(js)
    await run_until(live, js, lambda: _totals(iso) == expected)  # live, in memory: the failing event alone undone


@pytest.mark.parametrize("batched", [StationTownships, TownshipsPipelined], ids=["gathered", "pipelined"])
async def test_station_townships_applied_in_batches_equal_the_one_by_one_table(iso: Settings, widgets: Widgets, js,
                                                                            batched: type[StationTownships]) -> None:
    iso = iso.model_copy(update={"consumer_max_attempts": 2})
    await planned.publish(js, iso, planned.planned(60, bad=BAD))
    url = store.service_url(iso, SERVICE)
    query = "SELECT * FROM station_townships ORDER BY station_id"

    def complete() -> bool:  # past the last event (dead-lettered), and the others applied
        reached = _rows(iso, f"SELECT last_sequence FROM projection_tracking WHERE projection = '{TOWNSHIPS}'")
        return reached == [{"last_sequence": 60}] and len(_rows(iso, "SELECT 1 FROM station_townships")) == 57

    await run_until(ProjectionRunner(iso, TownshipsOneByOne(), url), js, complete)
    one_by_one = _rows(iso, query)
    assert {str(r["station_id"]) for r in one_by_one} == {
        planned.station_id(i) for i in range(1, 61) if i not in BAD}
    reasons = await _dead(iso, js, StationTownships())
    assert len(reasons) == len(BAD) and all("uuid" in reason for reason in reasons)

    await Shadow(iso, batched(), url, "workforce").build(js)
    assert _rows(iso, query) == one_by_one, "the rebuilt table, applied in batches, equals the one-by-one one"

    live = ProjectionRunner(iso, batched(), url)
    await live.reset(js)
    await run_until(live, js, complete)  # batched live: each failing event undone alone, the others applied
    assert _rows(iso, query) == one_by_one
    assert len(await _dead(iso, js, StationTownships())) == len(BAD), "dead-lettered once (the stream de-duplicates)"
