"""A batch with nothing for a read model waits for the next that has something, a full batch, or its window."""

from __future__ import annotations

import time
from dataclasses import dataclass

from shared.coalesce import Deferred, subject_words

OURS, OTHERS = "sw.workforce.worker.hired", "sw.stations.station.misuse_reported"


@dataclass
class Msg:
    subject: str


def deferred(window: float = 10.0, most: int = 5, words: frozenset[str] | None = None) -> Deferred:
    return Deferred("sw", frozenset({"workforce.worker.hired"}) if words is None else words, most, window)


def test_subject_words_are_the_types_without_their_version() -> None:
    assert subject_words(["sw.workforce.worker.hired.v1", "sw.audit.finding.raised.v12"]) == {
        "workforce.worker.hired", "audit.finding.raised"}


def test_a_batch_of_other_events_waits_and_goes_first_with_the_next_that_concerns_the_read_model() -> None:
    d = deferred()
    first, second, ours = [Msg(OTHERS)], [Msg(OTHERS), Msg(OTHERS)], [Msg(OURS)]
    assert d.take(first, holding=False) == [] and d.take(second, holding=False) == []
    assert len(d) == 3
    assert d.take(ours, holding=False) == [*first, *second, *ours], "in stream order, together"
    assert len(d) == 0


def test_a_batch_with_one_event_for_the_read_model_never_waits() -> None:
    d = deferred()
    batch = [Msg(OTHERS), Msg(OURS)]
    assert d.take(batch, holding=False) == batch


def test_nothing_fetched_brings_what_waits() -> None:
    d = deferred()
    waiting = [Msg(OTHERS)]
    d.take(waiting, holding=False)
    assert d.take([], holding=False) == waiting and len(d) == 0


def test_what_waits_never_grows_to_a_full_batch() -> None:
    d = deferred(most=5)
    d.take([Msg(OTHERS)] * 3, holding=False)
    assert d.take([Msg(OTHERS)] * 2, holding=False) == [Msg(OTHERS)] * 5, "five would be a full batch"


def test_once_the_window_has_passed_what_waits_is_applied() -> None:
    d = deferred(window=0.05)
    d.take([Msg(OTHERS)], holding=False)
    assert 0 < d.fetch_timeout(1.0) <= 0.05, "the next fetch waits no longer than the window"
    time.sleep(0.06)
    assert d.expired()
    assert d.take([Msg(OTHERS)], holding=False) == [Msg(OTHERS)] * 2


def test_nothing_waits_while_events_are_held_or_the_window_is_zero_or_every_event_concerns_the_read_model() -> None:
    assert deferred().take([Msg(OTHERS)], holding=True) == [Msg(OTHERS)]
    assert deferred(window=0).take([Msg(OTHERS)], holding=False) == [Msg(OTHERS)]
    ledger = Deferred("sw", None, 5, 10.0)
    assert ledger.take([Msg(OTHERS)], holding=False) == [Msg(OTHERS)]
    assert ledger.concerns(Msg("sw.anything.at.all"))


def test_the_fetch_waits_its_usual_time_when_nothing_waits() -> None:
    assert deferred().fetch_timeout(1.0) == 1.0


def test_a_projection_that_applies_every_event_names_no_subjects() -> None:
    from benchmarks.widgets import WidgetTotals
    from services.audit.projections import LedgerProjection

    assert LedgerProjection().subjects() is None
    assert WidgetTotals().subjects() == {"widgets.widget.made", "widgets.widget.counted"}
