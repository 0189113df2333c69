"""Fixtures of the fault suite: private servers and services per scenario; the figures at the end of the run.

Run it alone with ``.venv/bin/python -m pytest tests/fault -q`` (every scenario's line of figures is repeated at
the end); ``SW_FAULT_KEEP=1`` keeps the servers' and services' logs; ``SW_FAULT_RECOVERY_SECONDS`` bounds the
wait for recovery (default 90). ``-m "not fault"`` leaves the suite out.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fault import servers
from tests.fault.harness import SERVICES, Deployment, Private, private_servers
from tests.fault.scenario import FIGURES

os.environ.setdefault("SW_POOL_SIZE", "2")  # the scenarios read the stores from this process too


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/fault/" in str(item.fspath):
            item.add_marker(pytest.mark.fault)


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("fault scenarios: figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def private() -> Iterator[Private]:
    """Servers for one scenario that kills or stops them."""
    own = private_servers("swfault-")
    try:
        yield own
    finally:
        own.close()
        _keep_or_remove(own.base)


@pytest.fixture(scope="session")
def shared() -> Iterator[Private]:
    """Servers shared by the scenarios that kill only services (each deploys under its own prefix)."""
    own = private_servers("swfault-shared-")
    try:
        yield own
    finally:
        own.close()
        _keep_or_remove(own.base)


@pytest.fixture(scope="session", autouse=True)
def _initdb_template() -> Iterator[None]:
    """Removes the session's initdb template at the end, whichever scenarios ran."""
    yield
    servers.remove_template()


@pytest.fixture
def deploy(shared: Private) -> Iterator[Callable[..., Deployment]]:
    """Starts a deployment on the shared servers; stops it after the test."""
    started: list[Deployment] = []

    def make(names: tuple[str, ...] = SERVICES) -> Deployment:
        deployment = shared.deploy(names)
        started.append(deployment)
        return deployment

    yield make
    for deployment in started:
        deployment.stop()


def _keep_or_remove(base: Path) -> None:
    """Logs stay for a look when ``SW_FAULT_KEEP`` is set; otherwise everything goes."""
    if os.environ.get("SW_FAULT_KEEP"):
        print(f"fault scenario files kept in {base}")
        return
    shutil.rmtree(base, ignore_errors=True)
