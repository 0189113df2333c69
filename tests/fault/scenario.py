"""One fault scenario from load to verdict: load, fault, heal, bounded wait for recovery, checks, one line of figures.

Recovery needs no manual step. If the system has not settled within ``SW_FAULT_RECOVERY_SECONDS`` (default 90),
the scenario takes the step an operator would — restarting every service process (and any that exited) — counts
it as a manual step, and waits once more, so the figures still say what was lost and what only stalled.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fault import checks
from tests.fault.harness import Deployment, Load, county_plan, story

RECOVERY_SECONDS = float(os.environ.get("SW_FAULT_RECOVERY_SECONDS", "90"))
FIGURES: list[str] = []  # every scenario's line, shown again at the end of the run


@dataclass
class Outcome:
    """The figures of one scenario and what is wrong."""

    name: str
    load: Load
    snap: checks.Snapshot
    recovery: float | None
    manual_steps: int
    verdict: dict[str, Any]
    projections: dict[str, bool]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lost(self) -> list[str]:
        return self.snap.lost(self.load.accepted)

    @property
    def complete(self) -> bool:
        """Complete by our own count (nothing stored is missing) and by the verifier's own answer."""
        return not self.snap.unpublished and not self.snap.unledgered and self.verdict.get("complete") is True

    def line(self) -> str:
        """The one line of figures this scenario prints."""
        f = self.load.figures()
        parts = [f"sent={f['sent']}", f"2xx={f['2xx']}", f"errors={f['errors']}", f"lost={len(self.lost)}",
                 f"duplicated={self.snap.duplicated}", f"unpublished={len(self.snap.unpublished)}",
                 f"unledgered={len(self.snap.unledgered)}", f"ledger_ok={self.verdict.get('ok')}",
                 f"ledger_complete={self.complete}", f"projections_equal={all(self.projections.values())}",
                 f"recovery_s={self.recovery if self.recovery is not None else 'never'}",
                 f"manual_steps={self.manual_steps}"]
        parts += [f"{k}={v}" for k, v in self.extra.items()]
        return f"FAULT {self.name}: " + " ".join(parts)

    def problems(self) -> list[str]:
        """Everything that breaks the promise, most telling first."""
        out = []
        if self.lost:
            out.append(f"{len(self.lost)} accepted commands missing from store/stream/ledger: {self.lost[:5]}")
        if self.snap.unpublished:
            out.append(f"{len(self.snap.unpublished)} stored events never reached the stream: "
                       f"{sorted(self.snap.unpublished)[:5]}")
        if self.snap.unledgered:
            out.append(f"{len(self.snap.unledgered)} stream events missing from the ledger: "
                       f"{sorted(self.snap.unledgered)[:5]}")
        if self.snap.duplicated:
            dups = [k for k, n in (self.snap.stream + self.snap.ledger).items() if n > 1][:5]
            out.append(f"{self.snap.duplicated} duplicates on the stream or in the ledger: {dups}")
        if self.manual_steps:
            out.append(f"recovered only after {self.manual_steps} manual restart(s)")
        if not self.verdict.get("ok"):
            out.append(f"ledger verify is not ok: {self.verdict}")
        if self.verdict.get("complete") is not True:
            out.append(f"ledger verify does not answer complete: {self.verdict}")
        if not all(self.projections.values()):
            out.append(f"read models differ from a rebuild: {self.projections}")
        if not self.load.accepted:
            out.append("no command was accepted")
        return out


def recovered(deployment: Deployment, timeout: float) -> tuple[checks.Snapshot, bool]:
    """Polls until every service process is ready and everything stored reached the stream and the ledger."""
    deadline = time.monotonic() + timeout
    while True:
        ready = all(proc.ready() for proc in deployment.serving())
        snap = checks.snapshot(deployment.settings)
        if ready and snap.settled:
            return snap, True
        if time.monotonic() > deadline:
            return snap, False
        time.sleep(1.0)


def settle(deployment: Deployment, healed_at: float, extra: dict[str, Any], timeout: float = RECOVERY_SECONDS
           ) -> tuple[checks.Snapshot, float | None, int]:
    """Waits for recovery with no manual step; failing that, restarts the services once (a manual step)."""
    snap, ok = recovered(deployment, timeout)
    if ok:
        return snap, round(time.monotonic() - healed_at, 1), 0
    extra["stuck_before_restart"] = f"unpublished:{len(snap.unpublished)},unledgered:{len(snap.unledgered)}," \
                                    f"consumers_idle:{snap.consumers_idle},exited:{deployment.exited()}"
    for proc in deployment.serving():
        proc.stop()
    for proc in deployment.serving():
        proc.start()  # what an operator would do
    for proc in deployment.serving():
        proc.wait_ready()
    snap, _ = recovered(deployment, timeout)
    return snap, None, 1


def conclude(name: str, deployment: Deployment, load: Load, healed_at: float, timeout: float = RECOVERY_SECONDS,
             announce: bool = True, **extra: Any) -> Outcome:
    """Waits for recovery, runs every check, prints and records the figures line (unless told not to)."""
    snap, recovery, manual = settle(deployment, healed_at, extra, timeout)
    verdict = checks.verify(deployment) if deployment.procs["audit"].ready() else {"ok": False}
    equal = checks.projections_equal(deployment.settings)
    outcome = Outcome(name, load, snap, recovery, manual, verdict, equal, extra)
    if announce:
        announce_figures(outcome)
    return outcome


def announce_figures(outcome: Outcome) -> None:
    """Prints the scenario's line of figures and keeps it for the end of the run."""
    line = outcome.line()
    print(line)
    FIGURES.append(line)


def assert_promise_kept(outcome: Outcome) -> None:
    """Fails with every problem found (the figures line first)."""
    problems = outcome.problems()
    assert not problems, outcome.line() + "\n  - " + "\n  - ".join(problems)


def run_with_fault(name: str, deployment: Deployment, fault: Callable[[], None], units: int = 12,
                   lead_in: float = 2.0, tag: str = "", **extra: Any) -> Outcome:
    """The county plan, then a load of ``units`` stories with ``fault()`` (inject, hold, heal) during it."""
    load = Load(deployment)
    first = load.send(county_plan())
    assert first.accepted, f"the county plan was refused before any fault: {first.status} {first.body}"
    load.start(story(tag or name.replace("-", "")[:4], units))
    time.sleep(lead_in)
    fault()
    healed_at = time.monotonic()
    load.join()
    return conclude(name, deployment, load, healed_at, **extra)
