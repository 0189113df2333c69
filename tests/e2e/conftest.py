"""End-to-end: every service started as its own process, driven over HTTP and NATS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.system import System, start_system, stop_system


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def system(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """All four services, on this session's own databases and stream."""
    running = start_system(isolated(settings), tmp_path_factory.mktemp("services"))
    yield running
    stop_system(running)
