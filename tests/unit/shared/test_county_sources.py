"""The county in an event's ``source``: present only when the subject prefix names the county; read in both forms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.audit.facts import Facts
from shared import envelope
from shared.contracts import workforce as w
from shared.settings import Settings


@pytest.mark.parametrize(("prefix", "county", "expected"), [
    ("sw", "522701", ""),  # a single-county deployment: as before counties existed
    ("sw.522701", "522701", "522701"),
    ("sw.522701", "522702", ""),  # a prefix naming another county is not taken for this one
    ("swx1a2b", "XX", ""),
    ("prov.sw.522701", "522701", "522701"),
])
def test_the_event_county_is_the_prefix_last_token_when_it_is_the_county_code(
        prefix: str, county: str, expected: str) -> None:
    assert Settings(subject_prefix=prefix, county_code=county).event_county == expected


def test_a_document_without_a_county_is_byte_for_byte_what_it_was() -> None:
    payload = w.WorkerPartyStatusRecorded(status="member", effective_on=date(2022, 7, 1))
    common = {"service": "workforce", "payload": payload, "notification_id": 3, "previous_id": 2,
              "aggregate_id": "a", "aggregate_version": 1, "timestamp": datetime(2022, 1, 1, tzinfo=UTC), "ctx": None}
    before, scoped = envelope.build(**common), envelope.build(**common, county="522701")
    assert before["source"] == "/sw/workforce" and scoped["source"] == "/sw/522701/workforce"
    assert {k: v for k, v in before.items() if k != "source"} == {k: v for k, v in scoped.items() if k != "source"}


@pytest.mark.parametrize(("source", "service"), [
    ("/sw/stations", "stations"), ("/sw/522701/stations", "stations"), ("/sw/", ""), ("/other/stations", ""),
    ("/sw/a/b/stations", ""), ("stations", ""),
])
def test_the_service_of_a_source_is_read_in_either_form(source: str, service: str) -> None:
    assert envelope.service_of(source) == service


def test_the_audit_folds_a_county_source_like_a_source_without_one() -> None:
    folded = []
    for source in ("/sw/workforce", "/sw/522701/workforce", "/sw/stations"):
        facts = Facts()
        facts.fold(1, source, w.WorkerHired.event_type(), "worker-1",
                   {"name": "社工", "employer_id": "org-1", "hired_on": "2021-07-01"})
        folded.append("worker-1" in facts.workers)
    assert folded == [True, True, False]  # the type's service must be the source's
