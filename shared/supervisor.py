"""One supervisor for every background loop of a service process.

A loop body is a coroutine ``body(stop, loop)``: it works until ``stop`` is set and reports
its state through ``loop`` (running, standby, stalled with a reason and the event it is stuck
on). Whatever it raises, the supervisor logs it, marks the loop stalled and runs the body
again after a growing pause (capped), for as long as the process lives. State changes are
logged once, not once per retry, and exported as metrics (``sw_loop_up``,
``sw_loop_stalled_seconds``) and on ``/readyz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from shared import metrics
from shared.timing import sleep_unless

log = logging.getLogger(__name__)

STARTING, RUNNING, STANDBY, STALLED, STOPPED = "starting", "running", "standby", "stalled", "stopped"
HEALTHY = frozenset({RUNNING, STANDBY})
FIRST_BACKOFF = 0.5


class Loop:
    """One supervised loop's state; the loop's body reports through it."""

    def __init__(self, service: str, name: str) -> None:
        self.service = service
        self.name = name
        self.state = STARTING
        self.reason = ""
        self.event_id: str | None = None
        self.since = time.time()
        self.restarts = 0
        self.progressed = False  # since the last (re)start: a loop that made progress restarts promptly
        self.pauses: deque[float] = deque(maxlen=10)  # the latest pauses before restarts
        metrics.LOOP_UP.labels(service, name).set(0)
        metrics.LOOP_STALLED_SECONDS.labels(service, name).set_function(self.stalled_seconds)

    # --- reports from the body ----------------------------------------------------------
    def running(self) -> None:
        """The loop makes progress (or is idle with nothing to do)."""
        self.progressed = True
        self._set(RUNNING, "", None)

    def standby(self, reason: str) -> None:
        """The loop is healthy but waits its turn (a relay replica not holding the lock)."""
        self.progressed = True
        self._set(STANDBY, reason, None)

    def starting(self, reason: str = "") -> None:
        """The loop is getting ready (connecting, setting up); a stalled loop stays stalled until it progresses."""
        if self.state != STALLED:
            self._set(STARTING, reason, None)

    def stalled(self, reason: str, event_id: str | None = None) -> None:
        """The loop cannot progress: why, and the event it is stuck on if one is."""
        self._set(STALLED, reason, event_id)

    # --- reading ------------------------------------------------------------------------
    def stalled_seconds(self) -> float:
        """How long the loop has been stalled (0 when it is not)."""
        return time.time() - self.since if self.state == STALLED else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The state as shown on ``/readyz``."""
        out: dict[str, Any] = {
            "state": self.state,
            "since": datetime.fromtimestamp(self.since, UTC).isoformat(timespec="seconds"),
        }
        if self.reason:
            out["reason"] = self.reason
        if self.event_id:
            out["event_id"] = self.event_id
        if self.state == STALLED:
            out["stalled_seconds"] = round(self.stalled_seconds(), 1)
        if self.restarts:
            out["restarts"] = self.restarts
        return out

    def _set(self, state: str, reason: str, event_id: str | None) -> None:
        changed = state != self.state or event_id != self.event_id
        self.reason = reason[:500]
        if not changed:
            return
        if state != self.state:
            self.since = time.time()
        self.state, self.event_id = state, event_id
        metrics.LOOP_UP.labels(self.service, self.name).set(1 if state in HEALTHY else 0)
        level = logging.WARNING if state == STALLED else logging.INFO
        where = f" at event {event_id}" if event_id else ""
        log.log(level, "%s loop %s: %s%s%s", self.service, self.name, state, where, f" ({reason})" if reason else "")


class Stuck(Exception):
    """A loop cannot get past one event: the supervisor shows it stalled at that event, and retries."""

    def __init__(self, event_id: str, reason: str) -> None:
        super().__init__(reason)
        self.event_id = event_id


Body = Callable[[asyncio.Event, Loop], Awaitable[None]]


class Supervisor:
    """Runs a process's background loops, restarting each after any failure, forever."""

    def __init__(
        self, service: str, stop: asyncio.Event | None = None, backoff_max: float = 5.0,
        first_backoff: float = FIRST_BACKOFF,
    ) -> None:
        self.service = service
        self.stop_event = stop or asyncio.Event()
        self.backoff_max = backoff_max
        self.first_backoff = min(first_backoff, backoff_max)
        self.loops: dict[str, Loop] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def spawn(self, name: str, body: Body, *, once: bool = False) -> Loop:
        """Starts ``body`` under supervision; ``once``: it is done (and no longer listed) when it returns."""
        loop = Loop(self.service, name)
        self.loops[name] = loop
        self._tasks[name] = asyncio.create_task(self._supervise(loop, body, once), name=f"{self.service}:{name}")
        return loop

    async def _supervise(self, loop: Loop, body: Body, once: bool) -> None:
        delay = self.first_backoff
        stop = self.stop_event
        while not stop.is_set():
            loop.progressed = False
            try:
                await body(stop, loop)
                if once or stop.is_set():
                    break
                raise RuntimeError("the loop ended by itself")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = self.first_backoff if loop.progressed else delay
                if loop.state != STALLED and not isinstance(exc, Stuck):  # logged once, with its traceback
                    log.warning("%s loop %s failed; restarting", self.service, loop.name, exc_info=exc)
                if isinstance(exc, Stuck):
                    loop.stalled(str(exc), exc.event_id)
                else:
                    loop.stalled(f"{type(exc).__name__}: {exc}".strip())
                loop.restarts += 1
                loop.pauses.append(delay)
                await sleep_unless(stop, delay)
                delay = min(delay * 2, self.backoff_max)
        if once and not stop.is_set():
            self._forget(loop.name)
        else:
            loop._set(STOPPED, "", None)

    def _forget(self, name: str) -> None:
        self.loops.pop(name, None)
        self._tasks.pop(name, None)
        with contextlib.suppress(KeyError):
            metrics.LOOP_UP.remove(self.service, name)
            metrics.LOOP_STALLED_SECONDS.remove(self.service, name)

    async def wait(self) -> None:
        """Waits until every loop has ended (after ``stop``)."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def stop(self, timeout: float = 5.0) -> None:
        """Asks every loop to stop; cancels the ones that do not within ``timeout``."""
        self.stop_event.set()
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def report(self) -> dict[str, dict[str, Any]]:
        """Each loop's state, for ``/readyz``."""
        return {name: loop.as_dict() for name, loop in self.loops.items()}

    def stalled_past(self, threshold: float) -> list[Loop]:
        """Loops stalled for longer than ``threshold`` seconds."""
        return [loop for loop in self.loops.values() if loop.stalled_seconds() > threshold]


async def supervise_alone(service: str, name: str, body: Body, stop: asyncio.Event) -> None:
    """Runs one loop under its own supervisor until ``stop`` is set (a component run on its own)."""
    supervisor = Supervisor(service, stop)
    supervisor.spawn(name, body)
    await supervisor.wait()
