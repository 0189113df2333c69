"""Projections apply each event once, dead-letter poison, and rebuild to the same tables."""

from __future__ import annotations

import asyncio

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from benchmarks.widgets import CTX, PUBLISHED, SERVICE, Widget, Widgets, WidgetTotals
from shared import metrics, store
from shared.envelope import CloudEvent
from shared.projection import ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from shared.shadow import Shadow
from tests.kit.infra import read_subject
from tests.kit.waiting import eventually_async, run_until


async def _publish_all(iso: Settings, app: Widgets, js) -> None:
    relay = Relay(iso, SERVICE, app, PUBLISHED, store.service_url(iso, SERVICE))
    relay.position = relay.load_position()
    while await relay.step(js):
        pass


def _totals(iso: Settings) -> dict[str, int]:
    with store.connect(store.service_url(iso, SERVICE)) as conn:
        rows = conn.execute("SELECT name, total FROM widget_totals ORDER BY name").fetchall()
    return {r["name"]: r["total"] for r in rows}


class ShortAckWait(ProjectionRunner):
    """Redelivers unacknowledged messages after one second (to provoke redelivery quickly)."""

    async def subscribe(self, js):
        config = ConsumerConfig(durable_name=self.durable, deliver_policy=DeliverPolicy.ALL,
                                ack_policy=AckPolicy.EXPLICIT, ack_wait=1.0)
        return await js.pull_subscribe(f"{self.settings.subject_prefix}.>", durable=self.durable,
                                       stream=self.settings.stream_name, config=config)


async def test_a_batch_delivered_twice_changes_the_read_model_once(iso: Settings, widgets: Widgets, js) -> None:
    widget = Widget(name="a", ctx=CTX)
    widget.count_up(by=5, ctx=CTX)
    widgets.save(widget)
    await _publish_all(iso, widgets, js)
    runner = ShortAckWait(iso, WidgetTotals(), store.service_url(iso, SERVICE))
    runner.setup()
    sub = await runner.subscribe(js)

    first = await sub.fetch(10, timeout=2)
    settle = runner._settle
    runner._settle = _crash_before_ack  # committed, but the acks never reach the server
    await runner.process(js, first)
    runner._settle = settle
    assert _totals(iso) == {"a": 5}

    await asyncio.sleep(1.5)
    again = await sub.fetch(10, timeout=3)
    assert [m.metadata.sequence.stream for m in again] == [m.metadata.sequence.stream for m in first]
    assert all(m.metadata.num_delivered == 2 for m in again)
    await runner.process(js, again)
    assert _totals(iso) == {"a": 5}, "the redelivered batch changed nothing"


async def _crash_before_ack(decisions) -> None:
    return None


async def test_poison_message_is_dead_lettered_and_the_next_event_applied(
    iso: Settings, widgets: Widgets, js
) -> None:
    await js.publish(f"{iso.subject_prefix}.{SERVICE}.widget.made", b"{not json", stream=iso.stream_name)
    await js.publish(f"{iso.subject_prefix}.{SERVICE}.widget.made", b'{"specversion": "1.0"}', stream=iso.stream_name)
    widgets.save(Widget(name="explode", ctx=CTX))  # a handler that always fails
    widgets.save(Widget(name="good", ctx=CTX))
    await _publish_all(iso, widgets, js)

    runner = ProjectionRunner(iso.model_copy(update={"consumer_batch": 1}), WidgetTotals(),
                              store.service_url(iso, SERVICE))
    runner.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(js, stop))
    try:
        await eventually_async(lambda: _totals(iso).get("good") == 0, timeout=30)
    finally:
        stop.set()
        await task

    dead = await read_subject(js, iso, f"{iso.subject_prefix}.dlq.{WidgetTotals.name}")
    reasons = [m.headers["Sw-Dlq-Reason"] for m in dead]
    assert len(dead) == 3
    assert reasons[0].startswith("not JSON")
    assert "specversion" not in reasons[1] and "not a valid event document" in reasons[1]
    assert "failed 3 times" in reasons[2] and "cannot be projected" in reasons[2]
    assert _totals(iso) == {"good": 0}


async def test_rebuilding_a_projection_gives_the_same_tables(iso: Settings, widgets: Widgets, js) -> None:
    for name in ("x", "y"):
        widget = Widget(name=name, ctx=CTX)
        widget.count_up(by=len(name) * 3, ctx=CTX)
        widget.count_up(by=2, ctx=CTX)
        widgets.save(widget)
    await _publish_all(iso, widgets, js)
    runner = ProjectionRunner(iso, WidgetTotals(), store.service_url(iso, SERVICE))

    async def run_until_complete() -> dict[str, int]:
        runner.setup()
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(js, stop))
        await eventually_async(lambda: len(_totals(iso)) == 2 and _totals(iso)["y"] == 5)
        stop.set()
        await task
        return _totals(iso)

    live = await run_until_complete()
    await runner.reset(js)
    rebuilt = await run_until_complete()
    assert live == rebuilt == {"x": 5, "y": 5}


class WidgetTotalsV2(WidgetTotals):
    """The same projection after a code change that added a column."""

    ddl = ("CREATE TABLE IF NOT EXISTS widget_totals (widget text PRIMARY KEY, name text, total int NOT NULL, "
           "made_by text)",)

    def _made(self, cur, event: CloudEvent) -> None:
        cur.execute("INSERT INTO widget_totals VALUES (%s, %s, 0, %s)",
                    (event.aggregateid, event.data["name"], event.actor))


async def test_a_projection_whose_schema_changed_is_rebuilt_from_the_stream(
    iso: Settings, widgets: Widgets, js
) -> None:
    widgets.save(Widget(name="old", ctx=CTX))
    await _publish_all(iso, widgets, js)
    url = store.service_url(iso, SERVICE)
    first = ProjectionRunner(iso, WidgetTotals(), url)
    await run_until(first, js, lambda: _totals(iso) == {"old": 0})

    upgraded = ProjectionRunner(iso, WidgetTotalsV2(), url)
    assert upgraded.schema_changed()
    await upgraded.rebuild_if_schema_changed(js)
    await run_until(upgraded, js, lambda: _rows(url) == [{"name": "old", "made_by": "tester"}])
    assert not upgraded.schema_changed()


def _rows(url: str) -> list[dict]:
    with store.connect(url) as conn:
        return conn.execute("SELECT name, made_by FROM widget_totals").fetchall()


async def test_a_consumer_holds_any_number_of_events_waiting_behind_a_refilled_gap(iso: Settings, js) -> None:
    """A consumer made by an older version (limit 10,000) is brought to no limit when its runner binds it."""
    runner = ProjectionRunner(iso, WidgetTotals(), store.service_url(iso, SERVICE))
    old = ConsumerConfig(durable_name=runner.durable, deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT,
                         ack_wait=30.0, max_ack_pending=10_000, filter_subject=f"{iso.subject_prefix}.>")
    await js.add_consumer(iso.stream_name, old)
    sub = await runner.subscribe(js)
    try:
        assert (await sub.consumer_info()).config.max_ack_pending == -1
    finally:
        await sub.unsubscribe()


async def test_a_failing_handler_in_a_batch_undoes_only_its_own_event(iso: Settings, widgets: Widgets, js) -> None:
    for name in ("before", "explode", "after"):
        widget = Widget(name=name, ctx=CTX)
        widget.count_up(by=len(name), ctx=CTX)
        widgets.save(widget)
    await _publish_all(iso, widgets, js)
    runner = ProjectionRunner(iso, WidgetTotals(), store.service_url(iso, SERVICE))
    runner.setup()
    applied = metrics.CONSUMER_APPLIED.labels(WidgetTotals.name)
    applied_before = applied._value.get()
    sub = await runner.subscribe(js)
    for _ in range(20):  # the failing event is redelivered until it is dead-lettered; the source's later ones wait
        msgs = await sub.fetch(10, timeout=5)
        await runner.process(js, msgs)
        assert _totals(iso)["before"] == 6, "the events before the failing one applied once, however often retried"
        if "after" in _totals(iso):
            break
        await asyncio.sleep(0.6)
    assert _totals(iso) == {"before": 6, "after": 5}
    dead = await read_subject(js, iso, f"{iso.subject_prefix}.dlq.{WidgetTotals.name}")
    assert [m.headers["Sw-Dlq-Reason"].split(":")[0] for m in dead] == [f"failed {iso.consumer_max_attempts} times"]
    assert applied._value.get() - applied_before == 5, "each of the six events but the failing one counted once"


async def test_a_shadow_rebuild_gives_the_live_tables_and_passes_over_what_was_dead_lettered(
    iso: Settings, widgets: Widgets, js
) -> None:
    for i, name in enumerate(("p", "explode", "q", "r")):
        widget = Widget(name=name, ctx=CTX)
        for by in range(i + 1):
            widget.count_up(by=by, ctx=CTX)
        widgets.save(widget)
    await _publish_all(iso, widgets, js)
    url = store.service_url(iso, SERVICE)
    runner = ProjectionRunner(iso, WidgetTotals(), url)
    runner.setup()
    await run_until(runner, js, lambda: _totals(iso) == {"p": 0, "q": 3, "r": 6})
    live = _totals(iso)
    read = await Shadow(iso.model_copy(update={"consumer_max_attempts": 2}), WidgetTotals(), url, SERVICE).build(js)
    assert _totals(iso) == live
    assert read > 14, "every message read, and those from the failing one on again before it is passed over"
