"""Many clients at once on one aggregate: no lost update, and one effect per Idempotency-Key.

- 100 concurrent phone changes of one worker, half sent with the ``If-Match`` the clients all read and half
  without: each is answered 2xx, 409 or 412, and exactly the answered-2xx ones are in the store (the worker's
  version advanced by exactly that many), then on the stream and in the ledger;
- 50 concurrent retries of one organisation's registration with one ``Idempotency-Key``: the store holds one
  registration; every 2xx answer names the same organisation; a retry that overlaps the first request may be
  answered 409 (as the Idempotency-Key draft allows), and a retry after them is answered with the first result.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.fault import checks
from tests.fault.harness import Command, Deployment, Load, county_plan, organisation_story
from tests.fault.scenario import assert_promise_kept, conclude


def hired_worker(load: Load) -> tuple[str, int]:
    """An organisation and one worker in it; the worker's id and version."""
    assert load.send(county_plan()).accepted
    org = load.send(organisation_story("conc", 1))
    assert org.accepted, org.body
    hire = org.command.then(org.body)[0] if org.command.then else None
    assert hire is not None
    hire.then = None
    hired = load.send(hire)
    assert hired.accepted, hired.body
    return hired.body["worker_id"], int(hired.body["version"])


def at_once(load: Load, commands: list[Command]) -> list:
    """Sends every command at the same time, once each."""
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(load.send, commands))


def test_a_hundred_conflicting_commands_on_one_worker(deploy: Callable[..., Deployment]) -> None:
    deployment = deploy()
    load = Load(deployment)
    worker, version = hired_worker(load)
    commands = [Command("workforce", "PUT", f"/v1/workers/{worker}/phone", {"phone": f"1380000{n:04d}"},
                        headers={"If-Match": f'"{version}"'} if n % 2 else {}, key=None, retry=False)
                for n in range(100)]
    started = time.monotonic()
    answers = at_once(load, commands)
    statuses = Counter(a.status for a in answers)
    accepted = {a.command.correlation for a in answers if a.accepted}

    stored = checks.stored_events(deployment.settings, "workforce")
    changes = {e.correlation for e in stored.values() if e.kind.endswith("PhoneChanged") and e.aggregate == worker}
    view = deployment.client("workforce").get(f"/v1/workers/{worker}").json()
    outcome = conclude("100-conflicting-commands", deployment, load, started, answers=dict(statuses),
                       stored_changes=len(changes), version_moved=view["version"] - version)
    assert set(statuses) <= {200, 409, 412}, statuses
    assert changes == accepted, "the store holds exactly the changes that were answered 2xx"
    assert view["version"] - version == len(accepted)
    assert_promise_kept(outcome)


def test_fifty_concurrent_retries_with_one_idempotency_key(deploy: Callable[..., Deployment]) -> None:
    deployment = deploy()
    load = Load(deployment)
    assert load.send(county_plan()).accepted
    register = organisation_story("idem", 7)
    register.then = None
    # One client's retries: the same key and the same correlation id each time.
    retries = [Command(register.service, register.method, register.path, register.body, key="one-key-for-all",
                       correlation="one-registration", retry=False) for _ in range(50)]
    started = time.monotonic()
    answers = at_once(load, retries)
    statuses = Counter(a.status for a in answers)
    ids = {a.body.get("organisation_id") for a in answers if a.accepted}

    stored = checks.stored_events(deployment.settings, "workforce")
    registrations = [e for e in stored.values() if e.kind.endswith("ServiceOrganisation.Registered")]
    outcome = conclude("50-retries-one-idempotency-key", deployment, load, started, answers=dict(statuses),
                       organisations=len(ids), registrations_stored=len(registrations))
    late = load.send(retries[0])
    assert set(statuses) <= {200, 201, 409}, statuses
    assert len(registrations) == 1, "one effect"
    assert late.accepted and ids == {late.body["organisation_id"]}, "every retry is answered with the first result"
    assert_promise_kept(outcome)
