"""The launcher applies the generated access rules to the nats-server it starts itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from deploy import infra, nats_access
from shared.settings import Settings
from tests.kit.bus import reported


@pytest.fixture
def started(tmp_path: Path, settings: Settings) -> Iterator[infra.Infra]:
    """What the launcher does when no NATS answers at the configured URL (PostgreSQL: the configured one)."""
    unreachable = f"nats://127.0.0.1:{infra.free_port()}"
    servers = infra.ensure(unreachable, settings.database_url, data_dir=tmp_path / "data", log=lambda _m: None,
                           access=settings)
    try:
        yield servers
    finally:
        servers.stop()


async def test_the_launchers_own_server_holds_each_service_to_its_subjects_and_has_the_departments_consumers(
        started: infra.Infra, settings: Settings) -> None:
    assert started.started == ["nats"]
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error).lower())

    own = started.service_env("stations")
    stations = await nats.connect(own["SW_NATS_URL"], inbox_prefix=own["SW_NATS_INBOX_PREFIX"], error_cb=on_error,
                                  max_reconnect_attempts=0)
    ack = await stations.jetstream().publish(f"{settings.subject_prefix}.stations.station.planned", b"{}",
                                             stream=settings.stream_name)
    assert ack.seq == 1
    await stations.publish(f"{settings.subject_prefix}.workforce.worker.hired", b"{}")
    await stations.flush()
    assert await reported(errors, "permissions violation for publish")
    await stations.close()

    admin = await nats.connect(started.nats_url, max_reconnect_attempts=0)
    consumers = [info.name for info in await admin.jetstream().consumers_info(settings.stream_name)]
    messages = (await admin.jetstream().stream_info(settings.stream_name)).state.messages
    await admin.close()
    assert sorted(consumers) == sorted(nats_access.durable(d) for d in nats_access.DEPARTMENTS)
    assert messages == 1

    with pytest.raises(nats.errors.Error):
        await nats.connect(started.service_url("stations").replace("stations:", "stations:x"),
                           max_reconnect_attempts=0, allow_reconnect=False)
