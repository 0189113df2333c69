"""Two counties' services on the project's three-node JetStream cluster with the province's nkey users applied.

The cluster runs deploy/nats/cluster-node*.conf (only ports and paths changed) including the access.conf that
``deploy.nats_access province`` generates for two counties; every service process connects as its county's
service user (its own seed and inbox prefix), county A runs two replicas of stations. Both counties play a
short story at once; the node leading county A's stream is killed -9 and restarted 10 s later. Then: nothing
lost and each ledger verifies (the fault suite's checks, per county), each county's auditors' consumer
delivers its own county's events and nothing else, and the provincial auditors' consumer delivers both.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client

from deploy import nats_access
from deploy.nats_access import Province
from shared.settings import Settings
from tests.fault.harness import SERVICES, Deployment, Load, Private, county_plan, fault_settings, story
from tests.fault.scenario import assert_promise_kept, conclude
from tests.fault.servers import Nats, Postgres, nats_cluster

COUNTIES = ("522701", "522702")


@dataclass
class ProvinceRun:
    """The cluster, the access directory, and one deployment per county."""

    province: Province
    access: Path
    nodes: list[Nats]
    admin: Settings  # settings of the checks: the administrator's seed, county A's prefix
    counties: dict[str, Deployment]


def seed(access: Path, user: str) -> str:
    return str(nats_access.seed_file(access, user))


def county_deployment(own: Private, run_dir: Path, province: Province, county: str, url: str, access: Path,
                      tag: str) -> Deployment:
    """A county's deployment whose processes connect as the county's service users."""
    base = fault_settings(url, own.postgres.url, f"{tag}{county[-1]}")
    settings = province.county(county, base).model_copy(update={
        "nats_nkey_seed_file": seed(access, nats_access.ADMIN), "stream_replicas": 3})
    deployment = Deployment(settings, run_dir / f"logs-{county}")
    for service in SERVICES:
        user = nats_access.county_user(county, service)
        deployment.own_env[service] = {"SW_NATS_NKEY_SEED_FILE": seed(access, user),
                                       "SW_NATS_INBOX_PREFIX": nats_access.inbox_prefix(user)}
    own.deployments.append(deployment)
    return deployment


@pytest.fixture
def province() -> Iterator[ProvinceRun]:
    base = Path(tempfile.mkdtemp(prefix="swfault-province-"))
    base.chmod(0o711)
    tag = secrets.token_hex(2)
    chosen = Province(f"swp{tag}", COUNTIES)
    access = base / "access"
    nats_access.write_province(access, chosen, Settings())
    nodes = nats_cluster(base / "nats", access / "access.conf", nats_access.seed_file(access, nats_access.ADMIN))
    own = Private(base, Postgres(base).start(), nodes[0])
    url = ",".join(node.url for node in nodes)
    try:
        counties = {c: county_deployment(own, base, chosen, c, url, access, tag) for c in COUNTIES}
        admin = counties[COUNTIES[0]].settings
        asyncio.run(as_user(admin, seed(access, nats_access.ADMIN), "_INBOX",
                            lambda nc: nats_access.create_province(nc.jetstream(), chosen, admin)))
        yield ProvinceRun(chosen, access, nodes, admin, counties)
    finally:
        own.close()
        for node in nodes[1:]:
            node.stop()
        shutil.rmtree(base, ignore_errors=True)


async def as_user(settings: Settings, seed_path: str, inbox: str, action):
    """Runs ``action(nc)`` on a connection as the user of ``seed_path``."""
    nc = await nats.connect(servers=settings.nats_url.split(","), nkeys_seed=seed_path, inbox_prefix=inbox,
                            connect_timeout=5, max_reconnect_attempts=3)
    try:
        return await action(nc)
    finally:
        await nc.close()


async def drain(nc: Client, stream_name: str) -> list[tuple[str, str, str]]:
    """Everything the ``auditors`` consumer of ``stream_name`` delivers now (acknowledged): subject, source, id."""
    sub = await nc.jetstream().pull_subscribe_bind(durable="auditors", stream=stream_name)
    got: list[tuple[str, str, str]] = []
    while True:
        try:
            msgs = await sub.fetch(200, timeout=2)
        except (TimeoutError, nats.errors.TimeoutError):
            break
        for msg in msgs:
            await msg.ack_sync()
            doc = json.loads(msg.data)
            got.append((msg.subject, doc.get("source", ""), doc.get("id", "")))
    await sub.unsubscribe()
    return got


async def stream_leader(nc: Client, name: str) -> str:
    info = await nc.jetstream().stream_info(name)
    assert info.cluster is not None and info.cluster.leader
    return info.cluster.leader


def read_until(read, enough, timeout: float = 60) -> list[tuple[str, str, str]]:
    """Drains a consumer again and again until ``enough(everything read)``: a busy machine's fetch may time out
    before the stream has given everything (the checks above already found every event on the stream)."""
    seen: list[tuple[str, str, str]] = []
    deadline = time.monotonic() + timeout
    while not enough(seen) and time.monotonic() < deadline:
        seen += read()
    return seen


def test_two_counties_on_the_cluster_lose_nothing_when_the_stream_leader_dies(province: ProvinceRun) -> None:
    run, (a, b) = province, COUNTIES
    admin_seed = seed(run.access, nats_access.ADMIN)
    run.counties[a].start((*SERVICES, "stations#2"))
    run.counties[b].start()
    loads = {c: Load(d) for c, d in run.counties.items()}
    for county, load in loads.items():
        assert load.send(county_plan()).accepted, county
        load.start(story(f"P{county[-2:]}", 6))
    time.sleep(2)
    a_stream = run.counties[a].settings.stream_name
    leader = asyncio.run(as_user(run.admin, admin_seed, "_INBOX", lambda nc: stream_leader(nc, a_stream)))
    node = next(n for n in run.nodes if n.name == leader)
    node.kill()
    time.sleep(10)
    node.start()
    healed_at = time.monotonic()
    for load in loads.values():
        load.join()
    published: dict[str, set[str]] = {}  # per county: every stations and workforce event id, as the checks read it
    for county, deployment in run.counties.items():
        outcome = conclude(f"province-{county}-leader-{leader}", deployment, loads[county], healed_at)
        assert_promise_kept(outcome)
        published[county] = set(outcome.snap.stream)
    for node in run.nodes:  # every process used only what its user may (the server logs each violation)
        assert "violation" not in (node.base / f"{node.name}.log").read_text().lower(), node.name

    everything: set[tuple[str, str, str]] = set()
    for county, deployment in run.counties.items():
        user = nats_access.county_user(county, "auditors")
        stream_name = deployment.settings.stream_name
        got = read_until(lambda s=stream_name, u=user: asyncio.run(as_user(
            run.admin, seed(run.access, u), nats_access.inbox_prefix(u), lambda nc: drain(nc, s))),
            lambda seen, c=county: published[c] <= {id_ for _, _, id_ in seen})
        assert published[county] <= {id_ for _, _, id_ in got}, county  # everything its services published
        assert max(Counter(got).values()) == 1, county  # each once
        assert {s.split(".")[1] for s, _, _ in got} == {county}
        assert {source.split("/")[2] for _, source, _ in got if source} == {county}  # dead letters carry none
        other = next(d.settings.stream_name for c, d in run.counties.items() if c != county)
        assert asyncio.run(as_user(run.admin, seed(run.access, user), nats_access.inbox_prefix(user),
                                   lambda nc, s=other: drain(nc, s))) == []  # the other county's: refused
        everything |= {(s.split(".")[1], source, id_) for s, source, id_ in got}

    provincial = nats_access.PROVINCIAL_AUDITORS
    seen = read_until(lambda: asyncio.run(as_user(run.admin, seed(run.access, provincial),
                                                  nats_access.inbox_prefix(provincial),
                                                  lambda nc: drain(nc, run.province.stream_name))),
                      lambda seen: everything <= {(s.split(".")[1], source, id_) for s, source, id_ in seen})
    assert everything <= {(s.split(".")[1], source, id_) for s, source, id_ in seen}
    assert max(Counter(seen).values()) == 1 and {s.split(".")[1] for s, _, _ in seen} == {a, b}
