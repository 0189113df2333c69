"""The seed county: 11 townships in two batches, loaded idempotently."""

from __future__ import annotations

from datetime import date

from services.stations.application import Stations
from services.stations.commands import AmendTownshipPopulation
from services.stations.seed import TOWNSHIPS, load_seed
from tests.kit.actors import ADMIN


def test_the_seed_county_follows_the_plan() -> None:
    batch1 = [t["kind"] for t in TOWNSHIPS if t["batch"] == 1]
    batch2 = [t["kind"] for t in TOWNSHIPS if t["batch"] == 2]
    assert batch1 == ["town", "town", "township", "town", "town"]
    assert batch2 == ["town", "town", "township", "town", "town", "township"]
    assert all(3 <= len(t["villages"]) <= 6 for t in TOWNSHIPS)


def test_loading_the_seed_plans_eleven_stations_with_their_deadlines() -> None:
    app = Stations()
    result = load_seed(app, ADMIN)
    assert result["county_plan_created"] and len(result["stations_planned"]) == 11
    deadlines = {t["code"]: app.get_station(app.station_id_for(t["code"]))["deadline"] for t in TOWNSHIPS}
    assert sorted(deadlines.values()) == ["2021-12-31"] * 5 + ["2022-12-31"] * 6
    plan = app.get_county_plan("XX")
    assert (plan["period_start_year"], plan["period_end_year"], len(plan["townships"])) == (2021, 2023, 11)


def test_loading_the_seed_twice_changes_nothing() -> None:
    app = Stations()
    load_seed(app, ADMIN)
    app.amend_township_population(
        ADMIN, "XX", "T02", AmendTownshipPopulation(
            population=42000,
            effective_on=date(2022, 1, 1),
        ),
    )
    before = app.recorder.max_notification_id()
    again = load_seed(app, ADMIN)
    assert again["county_plan_created"] is False and again["stations_planned"] == []
    assert app.recorder.max_notification_id() == before
