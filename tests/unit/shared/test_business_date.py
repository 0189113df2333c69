"""Business dates are calendar days in China Standard Time, whatever the server's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from shared import domain, fields
from shared.fields import PastDay


def test_county_today_is_the_date_in_china_standard_time() -> None:
    before = datetime.now(UTC)
    today = domain.county_today()
    after = datetime.now(UTC)
    assert today in {(before + timedelta(hours=8)).date(), (after + timedelta(hours=8)).date()}


def test_a_past_day_may_be_the_county_s_today_but_not_its_tomorrow(monkeypatch: pytest.MonkeyPatch) -> None:
    # 07:00 in the county is still yesterday in UTC: the county's today must be accepted.
    monkeypatch.setattr(fields, "county_today", lambda: date(2026, 3, 2))
    adapter = TypeAdapter(PastDay)
    assert adapter.validate_python("2026-03-02") == date(2026, 3, 2)
    with pytest.raises(ValidationError, match="must not be in the future"):
        adapter.validate_python("2026-03-03")
