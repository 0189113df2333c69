"""Events stored before the domain was split into one module per aggregate still load.

They name their classes by the single module's topics (``services.stations.domain:Station.Planned``); the
``services.stations.domain`` package re-exports every aggregate, so those topics still resolve.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from eventsourcing.persistence import StoredEvent

from services.stations.application import Stations
from services.stations.domain import Station
from tests.kit.actors import ADMIN

OLD_MODULE = "services.stations.domain"


def as_stored_under_the_old_topics(app: Stations, stored: StoredEvent) -> StoredEvent:
    """The same event as the single-module domain stored it."""
    qualname = stored.topic.split(":", 1)[1]
    state = app.mapper.transcoder.decode(stored.state)
    if "originator_topic" in state:
        state["originator_topic"] = f"{OLD_MODULE}:{state['originator_topic'].split(':', 1)[1]}"
    return replace(stored, topic=f"{OLD_MODULE}:{qualname}", state=app.mapper.transcoder.encode(state))


def test_a_station_stored_under_the_old_topics_loads_and_takes_new_events() -> None:
    station = Station(county_code="XX", township_code="T01", township_name="城关镇", batch=1,
                      deadline=date(2021, 12, 31), minimum_staffing=2, ctx=ADMIN)
    station.provide_site(60.0, ["office"], date(2021, 3, 1), ADMIN)
    app = Stations()
    old = [as_stored_under_the_old_topics(app, app.mapper.to_stored_event(e)) for e in station.collect_events()]
    assert [s.topic for s in old] == [f"{OLD_MODULE}:Station.Planned", f"{OLD_MODULE}:Station.SiteProvided"]
    app.recorder.insert_events(old)

    loaded = app.repository.get(station.id)
    assert isinstance(loaded, Station)
    assert (loaded.version, loaded.status, loaded.site["office_area_m2"]) == (2, "site_provided", 60.0)
    loaded.cover_village("T01-01", "东街社区", date(2021, 4, 1), ADMIN)
    app.save(loaded)
    assert app.repository.get(station.id).version == 3
