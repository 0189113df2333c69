"""Service processes die under load: each one killed and restarted in turn, and the active replica of two killed.

These scenarios kill only services, so they share one private PostgreSQL and nats-server (each deploys
under its own database and subject prefixes).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx

from tests.fault.harness import SERVICES, Deployment
from tests.fault.scenario import assert_promise_kept, run_with_fault


def test_each_service_killed_and_restarted(deploy: Callable[..., Deployment]) -> None:
    deployment = deploy()

    def fault() -> None:
        for service in SERVICES:  # one after another, while the load goes on
            deployment.procs[service].kill()
            time.sleep(3)
            deployment.procs[service].start()  # what its supervisor (systemd, Kubernetes) does
            time.sleep(2)

    assert_promise_kept(run_with_fault("kill-9-each-service", deployment, fault, units=12))


def published_by(url: str, service: str) -> float:
    """How many events this process's relay has published (its metrics)."""
    text = httpx.get(f"{url}/metrics", timeout=5).text
    found = re.search(rf'sw_relay_published_total\{{service="{service}"\}} ([0-9.e+]+)', text)
    return float(found.group(1)) if found else 0.0


def test_the_active_replica_killed(deploy: Callable[..., Deployment]) -> None:
    deployment = deploy((*SERVICES, "stations#2"))

    def fault() -> None:
        time.sleep(2)  # the first events are relayed by whichever replica holds the relay lock
        counts = {name: published_by(deployment.procs[name].url, "stations") for name in ("stations", "stations#2")}
        active = max(counts, key=lambda name: counts[name])
        assert counts[active] > 0, f"no stations replica has relayed anything: {counts}"
        deployment.procs[active].retired = True
        deployment.procs[active].kill()  # and it stays dead: the other replica must take over

    assert_promise_kept(run_with_fault("kill-9-active-stations-replica", deployment, fault, units=10))
