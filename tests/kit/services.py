"""The stations and workforce applications on a test's own databases, with their relays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext

from services.stations.application import Stations
from services.stations.published import PUBLISHED as STATIONS_PUBLISHED
from services.workforce.application import Workforce
from services.workforce.published import PUBLISHED as WORKFORCE_PUBLISHED
from shared import store
from shared.projection import Projection, ProjectionRunner
from shared.relay import Relay
from shared.settings import Settings


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
