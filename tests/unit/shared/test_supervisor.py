"""The supervisor: any failure restarts a loop with backoff, stalls are visible, state changes logged once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from shared.supervisor import RUNNING, STALLED, STANDBY, Loop, Stuck, Supervisor


async def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met"
        await asyncio.sleep(0.01)


async def test_a_loop_failing_with_any_exception_is_restarted_until_it_runs() -> None:
    attempts: list[int] = []

    async def body(stop: asyncio.Event, loop: Loop) -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise ValueError("not yet")  # not a network error: still restarted
        loop.running()
        await stop.wait()

    supervisor = Supervisor("svc", backoff_max=0.05, first_backoff=0.01)
    loop = supervisor.spawn("work", body)
    await wait_for(lambda: loop.state == RUNNING)
    assert len(attempts) == 3 and loop.restarts == 2
    await supervisor.stop()
    assert loop.state == "stopped"


async def test_a_failing_loop_shows_stalled_since_its_first_failure_with_the_reason() -> None:
    async def body(_stop: asyncio.Event, loop: Loop) -> None:
        loop.starting("connecting")
        raise ConnectionRefusedError("store down")

    supervisor = Supervisor("svc", backoff_max=0.02, first_backoff=0.01)
    loop = supervisor.spawn("relay", body)
    await wait_for(lambda: loop.restarts >= 3)
    assert loop.state == STALLED and "store down" in loop.reason
    first_since = loop.since
    await wait_for(lambda: loop.restarts >= 6)
    assert loop.since == first_since, "retries do not reset the stall's start"
    assert supervisor.stalled_past(0.0) == [loop]
    await supervisor.stop()


async def test_a_stuck_event_is_named_in_the_loop_state() -> None:
    async def body(_stop: asyncio.Event, _loop: Loop) -> None:
        raise Stuck("stations-281", "message too large")

    supervisor = Supervisor("svc", backoff_max=0.02, first_backoff=0.01)
    loop = supervisor.spawn("relay", body)
    await wait_for(lambda: loop.state == STALLED)
    report = supervisor.report()["relay"]
    assert report["event_id"] == "stations-281" and report["reason"] == "message too large"
    await supervisor.stop()


async def test_state_changes_are_logged_once_not_once_per_retry(caplog: pytest.LogCaptureFixture) -> None:
    async def body(_stop: asyncio.Event, _loop: Loop) -> None:
        raise OSError("down")

    caplog.set_level(logging.INFO, logger="shared.supervisor")
    supervisor = Supervisor("svc", backoff_max=0.01, first_backoff=0.01)
    loop = supervisor.spawn("relay", body)
    await wait_for(lambda: loop.restarts >= 10)
    await supervisor.stop()
    stalled_lines = [r for r in caplog.records if "stalled" in r.getMessage()]
    failure_lines = [r for r in caplog.records if "failed; restarting" in r.getMessage()]
    assert len(stalled_lines) == 1 and len(failure_lines) == 1


async def test_backoff_grows_to_its_cap_and_starts_again_after_progress() -> None:
    runs: list[int] = []

    async def body(stop: asyncio.Event, loop: Loop) -> None:
        runs.append(1)
        if len(runs) <= 5:
            raise OSError("flaky")
        loop.standby("another replica holds the lock")
        if len(runs) == 6:
            raise OSError("lost the connection")
        await stop.wait()

    supervisor = Supervisor("svc", backoff_max=0.08, first_backoff=0.01)
    loop = supervisor.spawn("relay", body)
    await wait_for(lambda: len(runs) == 7 and loop.state == STANDBY, timeout=10)
    assert list(loop.pauses) == [0.01, 0.02, 0.04, 0.08, 0.08, 0.01]
    await supervisor.stop()


async def test_a_one_shot_loop_is_no_longer_listed_once_done() -> None:
    async def body(_stop: asyncio.Event, loop: Loop) -> None:
        loop.starting("opening")

    supervisor = Supervisor("svc")
    supervisor.spawn("boot", body, once=True)
    await wait_for(lambda: "boot" not in supervisor.loops)
    await supervisor.stop()


async def test_stop_cancels_a_loop_that_ignores_it() -> None:
    async def body(_stop: asyncio.Event, loop: Loop) -> None:
        loop.running()
        await asyncio.sleep(3600)

    supervisor = Supervisor("svc")
    loop = supervisor.spawn("stubborn", body)
    await wait_for(lambda: loop.state == RUNNING)
    await supervisor.stop(timeout=0.1)
    assert all(task.done() for task in supervisor._tasks.values())
