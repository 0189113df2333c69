"""An ``Idempotency-Key`` makes one command safe to retry, and only that command on that aggregate."""

from __future__ import annotations

from datetime import date

import pytest

from services.stations.application import Stations
from services.stations.commands import (
    AddVillage,
    CloseRectificationItem,
    ProvideSite,
    RecordEvaluation,
    RectificationItemEntry,
)
from shared.domain import Invalid
from tests.kit.actors import ADMIN, EVALUATOR

SITE = ProvideSite(office_area_m2=60, facilities=["office"], on=date(2021, 3, 1))


def test_a_retry_answers_the_first_result_and_stores_nothing_new(app: Stations) -> None:
    t01 = app.station_id_for("T01")
    first = app.provide_site(ADMIN, t01, SITE, idempotency_key="site-1")
    stored = app.recorder.max_notification_id()
    assert app.provide_site(ADMIN, t01, SITE, idempotency_key="site-1") == first
    assert app.recorder.max_notification_id() == stored


def test_one_key_for_the_same_body_on_another_station_is_refused(app: Stations) -> None:
    app.provide_site(ADMIN, app.station_id_for("T01"), SITE, idempotency_key="site-1")
    stored = app.recorder.max_notification_id()
    with pytest.raises(Invalid) as caught:
        app.provide_site(ADMIN, app.station_id_for("T02"), SITE, idempotency_key="site-1")
    assert caught.value.field == "Idempotency-Key"
    assert app.recorder.max_notification_id() == stored
    assert app.get_station(app.station_id_for("T02"))["site"] is None


def test_one_key_for_the_same_body_on_another_township_is_refused(app: Stations) -> None:
    village = AddVillage(village_code="N-1", name="新村", kind="village")
    app.add_village(ADMIN, "XX", "T01", village, idempotency_key="village-1")
    with pytest.raises(Invalid):
        app.add_village(ADMIN, "XX", "T02", village, idempotency_key="village-1")


def test_one_key_for_another_item_of_the_same_evaluation_is_refused(app: Stations) -> None:
    items = [RectificationItemEntry(description=d, due_on=date(2021, 8, 1)) for d in ("a", "b")]
    evaluation = app.record_evaluation(EVALUATOR, RecordEvaluation(
        station_id=str(app.station_id_for("T01")), evaluated_on=date(2021, 7, 1), score=80, rectification_items=items))
    closing = CloseRectificationItem(evidence="done", closed_on=date(2021, 7, 20))
    app.close_rectification_item(EVALUATOR, evaluation["id"], "R1", closing, idempotency_key="close-1")
    with pytest.raises(Invalid):
        app.close_rectification_item(EVALUATOR, evaluation["id"], "R2", closing, idempotency_key="close-1")
    assert app.get_evaluation(evaluation["id"])["open_items"] == 1
