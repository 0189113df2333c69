"""Fixtures for integration tests on the real PostgreSQL and NATS JetStream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from benchmarks.widgets import SERVICE, Widgets
from services.stations.application import Stations
from services.workforce.application import Workforce
from shared import store, stream
from shared.settings import Settings
from tests.kit.bus import PREFIX, Bus, start_private_server
from tests.kit.infra import isolated
from tests.kit.services import Services


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


@pytest.fixture(scope="module")
def private_server(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[Bus]:
    """The server process, stopped at the end of the module."""
    own = settings.model_copy(update={"subject_prefix": PREFIX})
    proc, url, passwords = start_private_server(tmp_path_factory.mktemp("departments-nats"), own)
    yield Bus(url, own, passwords, proc)
    proc.terminate()
    proc.wait(timeout=10)
