"""Test-run isolation: every run gets its own database prefix and subject prefix (so its own stream),
and removes them afterwards, so runs never disturb each other or a running demo."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest

from shared.settings import Settings

RUN = secrets.token_hex(3)
os.environ.setdefault("SW_ENVIRONMENT", "test")
os.environ.setdefault("SW_JWT_SECRET", f"test-run-{RUN}-{secrets.token_hex(16)}")
os.environ["SW_DATABASE_PREFIX"] = f"swt_{RUN}_"
os.environ["SW_SUBJECT_PREFIX"] = f"swt{RUN}"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings of this test run."""
    return Settings()


@pytest.fixture(scope="session", autouse=True)
def _cleanup_run(request: pytest.FixtureRequest) -> Iterator[None]:
    """Drops the run's databases and streams at the end (only if infrastructure was used)."""
    yield
    if not any(item.get_closest_marker("integration") or item.get_closest_marker("e2e")
               for item in request.session.items):
        return
    from deploy.cleanup import delete_run_streams, drop_run_databases

    settings = Settings()
    drop_run_databases(settings)
    asyncio.run(delete_run_streams(settings))


@pytest.fixture
async def js(settings: Settings) -> AsyncIterator:
    """A JetStream context on the run's server."""
    from shared import stream

    nc = await stream.connect(settings, "tests")
    yield nc.jetstream()
    await nc.close()
