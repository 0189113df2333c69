"""A three-node JetStream cluster (the project's deploy/nats/cluster-node*.conf) loses its stream leader under load.

The stream is created with three replicas before the services start, as the cluster configs say production
does (the services themselves create it with one replica when it is missing). The leader is killed -9 during
the load and restarted 10 s later; the services are connected through node 1 and follow the cluster's
gossip to the others.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.api import StreamConfig

from shared.stream import DUPLICATE_WINDOW_SECONDS
from tests.fault.harness import Private, fault_settings
from tests.fault.scenario import assert_promise_kept, run_with_fault
from tests.fault.servers import Nats, Postgres, nats_cluster


@pytest.fixture
def cluster() -> Iterator[tuple[Private, list[Nats]]]:
    base = Path(tempfile.mkdtemp(prefix="swfault-cluster-"))
    base.chmod(0o711)
    nodes = nats_cluster(base / "nats")
    own = Private(base, Postgres(base).start(), nodes[0])
    try:
        yield own, nodes
    finally:
        own.close()
        for node in nodes[1:]:
            node.stop()
        shutil.rmtree(base, ignore_errors=True)


async def create_r3_stream(url: str, name: str, prefix: str) -> None:
    nc = await nats.connect(url)
    try:
        config = StreamConfig(name=name, subjects=[f"{prefix}.>"], duplicate_window=DUPLICATE_WINDOW_SECONDS,
                              num_replicas=3)
        await nc.jetstream().add_stream(config)
    finally:
        await nc.close()


async def stream_leader(url: str, name: str) -> str:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(name)
        assert info.cluster is not None and info.cluster.leader
        return info.cluster.leader
    finally:
        await nc.close()


def test_stream_leader_killed_in_a_three_node_cluster(cluster: tuple[Private, list[Nats]]) -> None:
    own, nodes = cluster
    probe = fault_settings(nodes[0].url, own.postgres.url)
    asyncio.run(create_r3_stream(nodes[0].url, probe.stream_name, probe.subject_prefix))
    deployment = own.deploy(settings=probe)
    killed: list[str] = []

    def fault() -> None:
        leader = asyncio.run(stream_leader(nodes[0].url, probe.stream_name))
        node = next(n for n in nodes if n.name == leader)
        killed.append(leader)
        node.kill()
        time.sleep(10)
        node.start()

    assert_promise_kept(run_with_fault("kill-9-stream-leader-r3", deployment, fault, units=10, leader=killed))
