"""Healing's pure parts: grouping missing events into runs, when a check is due, what readyz shows."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import nats.errors
from eventsourcing.utils import get_topic
from nats.js.errors import NoStreamResponseError

from benchmarks.widgets import PUBLISHED, Widget
from shared import heal
from shared.application import IdempotencyRecord


def test_missing_events_are_reported_as_runs_of_consecutive_public_events() -> None:
    public = list(range(1, 21))
    assert heal.as_ranges([6, 7, 8, 12], public) == [[6, 8, 3], [12, 12, 1]]
    # 7 was never published (no contract), so 6 and 8 are one run of two.
    assert heal.as_ranges([6, 8], [n for n in public if n != 7]) == [[6, 8, 2]]
    assert heal.as_ranges([], public) == []


def test_republishing_reads_the_log_in_spans_without_long_stretches_of_unwanted_events() -> None:
    assert heal.spans([1, 2, 3, 1000, 1001], gap=500) == [(1, 3), (1000, 1001)]
    assert heal.spans([5], gap=500) == [(5, 5)]


def _relay(interval: float = 60.0) -> SimpleNamespace:
    return SimpleNamespace(heal_status=heal.HealStatus(), settings=SimpleNamespace(relay_heal_interval=interval))


def _js(reconnects: int) -> SimpleNamespace:
    return SimpleNamespace(_nc=SimpleNamespace(stats={"reconnects": reconnects}))


def test_a_check_is_due_on_start_after_a_reconnect_and_when_the_interval_has_passed() -> None:
    relay = _relay()
    assert heal.due(relay, _js(0)), "on start"
    relay.heal_status.due, relay.heal_status.next_check = False, time.monotonic() + 60
    assert not heal.due(relay, _js(0))
    assert heal.due(relay, _js(1)), "after a reconnect"
    relay.heal_status.due = False
    assert not heal.due(relay, _js(1))
    relay.heal_status.next_check = time.monotonic() - 1
    assert heal.due(relay, _js(1)), "periodically"


def test_a_publish_refused_for_want_of_a_stream_asks_for_a_check() -> None:
    relay = _relay()
    relay.heal_status.due = False
    heal.note_publish_failure(relay, TimeoutError())
    assert not relay.heal_status.due, "a slow broker is not a lost stream"
    heal.note_publish_failure(relay, nats.errors.NoRespondersError())
    assert relay.heal_status.due
    relay.heal_status.due = False
    heal.note_publish_failure(relay, NoStreamResponseError())
    assert relay.heal_status.due


def test_the_status_readyz_shows_is_plain_json() -> None:
    status = heal.HealStatus(checks=3, missing_found=5, republished=5, last_missing=[[6, 10, 5]])
    shown = json.loads(json.dumps(status.as_dict()))
    assert shown["missing_found"] == 5 and shown["last_missing"] == [[6, 10, 5]]
    assert "due" not in shown and "store_log" not in shown


def test_only_events_with_a_contract_count_as_published() -> None:
    recorder = SimpleNamespace(datastore=SimpleNamespace(schema="public"), events_table_name="widgets_events")
    relay = SimpleNamespace(app=SimpleNamespace(recorder=recorder), published=PUBLISHED)
    log_ = heal.StoreLog(relay)  # type: ignore[arg-type]
    assert log_.is_public(get_topic(Widget.Made))
    assert not log_.is_public(get_topic(IdempotencyRecord.Event))
    assert not log_.is_public("nowhere.gone:Event"), "an unknown topic is not published either"
