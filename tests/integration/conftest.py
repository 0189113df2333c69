"""Fixtures for integration tests on the real PostgreSQL and NATS JetStream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from nats.js import JetStreamContext

from services.stations.application import Stations
from services.stations.published import PUBLISHED as STATIONS_PUBLISHED
from services.workforce.application import Workforce
from services.workforce.published import PUBLISHED as WORKFORCE_PUBLISHED
from shared import store, stream
from shared.projection import Projection, ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings
from tests.integration.widgets import SERVICE, Widgets
from tests.support import isolated


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
async def iso(settings: Settings, js) -> AsyncIterator[Settings]:
    """Settings with this test's own stream and databases; removed afterwards."""
    own = isolated(settings)
    await stream.ensure_stream(js, own)
    yield own
    await js.delete_stream(own.stream_name)


@pytest.fixture
def widgets(iso: Settings) -> Iterator[Widgets]:
    """The widgets application on its own PostgreSQL database."""
    store.ensure_database(iso.database_url, iso.database_name(SERVICE))
    app = Widgets(env=store.eventsourcing_env(iso, SERVICE))
    yield app
    app.close()
    store.drop_database(iso.database_url, iso.database_name(SERVICE))


@dataclass
class Services:
    """The stations and workforce applications on their own databases, and their relays."""

    settings: Settings
    stations: Stations
    workforce: Workforce

    async def publish(self, js: JetStreamContext) -> None:
        """Relays every stored event of both services to the stream."""
        for name, app, published in (("stations", self.stations, STATIONS_PUBLISHED),
                                     ("workforce", self.workforce, WORKFORCE_PUBLISHED)):
            relay = Relay(self.settings, name, app, published, store.service_url(self.settings, name))
            relay.position = relay.load_position()
            while await relay.step(js):
                pass

    def runner(self, projection: Projection, service: str) -> ProjectionRunner:
        """A runner feeding ``projection`` into ``service``'s database."""
        return ProjectionRunner(self.settings, projection, store.service_url(self.settings, service))

    def rows(self, service: str, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows of a query on ``service``'s database."""
        with store.connect(store.service_url(self.settings, service)) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def services(iso: Settings) -> Iterator[Services]:
    """Both applications on this test's own databases; dropped afterwards."""
    for name in ("stations", "workforce"):
        store.ensure_database(iso.database_url, iso.database_name(name))
    stations = Stations(env=store.eventsourcing_env(iso, "stations"))
    workforce = Workforce(env=store.eventsourcing_env(iso, "workforce", encrypt=True))
    yield Services(iso, stations, workforce)
    stations.close()
    workforce.close()
    for name in ("stations", "workforce"):
        store.drop_database(iso.database_url, iso.database_name(name))
