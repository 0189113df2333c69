"""Browser tests: the console in Debian's chromium, against the four services started as processes with the seed
county and its demonstration year loaded through their APIs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from deploy.demo import load_demo
from shared.settings import Settings
from tests.kit.browser import chromium
from tests.kit.infra import isolated
from tests.kit.system import System, start_system, stop_system
from tests.kit.waiting import eventually


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)  # services as processes: the run's databases are dropped afterwards


@pytest.fixture(scope="module")
def county(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, dict[str, Any]]]:
    """The four services on databases and a stream of their own, with the demonstration year loaded; in the dev
    environment, where the console's sign-in form mints tokens (the run's own secret all the same)."""
    running = start_system(isolated(settings, environment="dev"), tmp_path_factory.mktemp("console"))
    try:
        demo = load_demo(running.settings, running.urls)
        _until_the_read_models_show_it(running)
        yield running, demo
    finally:
        stop_system(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium."""
    with chromium() as launched:
        yield launched


def _until_the_read_models_show_it(system: System) -> None:
    """The demonstration year in the station status (the dashboard's figures), however loaded the machine."""
    with system.client("stations") as stations:
        def shown() -> bool:
            answer = stations.get("/v1/station-status", params={"limit": 100})
            items = answer.json().get("items", []) if answer.status_code == 200 else []
            return len(items) == 11 and sum(i.get("status") == "opened" for i in items) == 5
        eventually(shown, timeout=120, interval=0.5)
