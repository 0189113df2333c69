"""The broker and the database fail under load, and come back: nothing accepted is lost, stalled or doubled.

Each scenario has its own nats-server and PostgreSQL (never the machine's), the four services as processes,
a load of real commands through the HTTP APIs, the fault during the load, then the checks of
tests/fault/checks.py after a bounded wait with no manual step.
"""

from __future__ import annotations

import time

from tests.fault.harness import Private
from tests.fault.scenario import assert_promise_kept, run_with_fault


def test_nats_killed_for_ten_seconds(private: Private) -> None:
    deployment = private.deploy()

    def fault() -> None:
        private.nats.kill()
        time.sleep(10)
        private.nats.start()

    assert_promise_kept(run_with_fault("kill-9-nats-10s", deployment, fault))


def test_postgres_killed_for_ten_seconds(private: Private) -> None:
    deployment = private.deploy()

    def fault() -> None:
        private.postgres.kill()
        time.sleep(10)
        private.postgres.start()

    assert_promise_kept(run_with_fault("kill-9-postgres-10s", deployment, fault))


def test_nats_stopped_for_twenty_seconds(private: Private) -> None:
    deployment = private.deploy()

    def fault() -> None:
        private.nats.pause()
        time.sleep(20)
        private.nats.resume()

    assert_promise_kept(run_with_fault("sigstop-nats-20s", deployment, fault))


def test_everything_restarted_at_once_postgres_last(private: Private) -> None:
    deployment = private.deploy()

    def fault() -> None:
        for proc in deployment.procs.values():
            proc.kill()
        private.nats.kill()
        private.postgres.kill()
        private.nats.start()
        for proc in deployment.procs.values():
            proc.start()  # while PostgreSQL is still down: they must wait for it, not exit
        time.sleep(5)
        private.postgres.start()

    assert_promise_kept(run_with_fault("restart-all-postgres-last", deployment, fault))
