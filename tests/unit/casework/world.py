"""The casework unit tests' world: actors, stations, a policy, valid registrations, and refusal checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest

from services.casework.application import Casework
from services.casework.application.ports import MemoryAccessLog, MemoryDirectory, MemoryKeyStore
from services.casework.domain import Policy
from shared.domain import Context, RuleViolated
from tests.kit.ids import national_id

EAST, WEST = (str(uuid5(NAMESPACE_URL, f"urn:unit:station:{n}")) for n in ("east", "west"))
WORKER_ID, OTHER_WORKER_ID, SUPERVISOR_ID = (str(uuid5(NAMESPACE_URL, f"urn:unit:worker:{n}"))
                                             for n in ("li", "wang", "zhou"))
ORG = str(uuid5(NAMESPACE_URL, "urn:unit:org:1"))
ADMIN = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-bureau", correlation_id="c-1")
WORKER = Context(actor=WORKER_ID, role="social_worker", organisation=ORG, correlation_id="c-2")
OTHER_WORKER = Context(actor=OTHER_WORKER_ID, role="social_worker", organisation=ORG, correlation_id="c-3")
CONTRACTOR = Context(actor="org-admin", role="contractor", organisation=ORG, correlation_id="c-4")
FINANCE = Context(actor="fin-1", role="finance", organisation="county-finance", correlation_id="c-5")
AUDITOR = Context(actor="aud-1", role="auditor", organisation="county-audit", correlation_id="c-6")
SUPERVISOR = Context(actor=SUPERVISOR_ID, role="supervisor", organisation=ORG, correlation_id="c-7")
POLICY = Policy(supervision_min_hours=16, guardian_consent_age=14)
CHILD_ID = national_id(7, born="20150301")
ADULT_ID = national_id(8, born="19500101")


@dataclass
class World:
    """The application and what it was given."""

    app: Casework
    keys: MemoryKeyStore
    log: MemoryAccessLog
    directory: MemoryDirectory

    def stored(self) -> list[Any]:
        """Every stored event, in order."""
        return list(self.app.recorder.select_notifications(start=1, limit=10_000))


def make_directory() -> MemoryDirectory:
    """The worker at the east station, the other worker at the west, the supervisor of the east station, and the
    organisation holding both."""
    return MemoryDirectory(
        assignments=[(WORKER_ID, EAST, date(2021, 1, 1), None), (OTHER_WORKER_ID, WEST, date(2021, 1, 1), None)],
        supervision=[(SUPERVISOR_ID, EAST, date(2021, 1, 1), None)],
        contracts={ORG: {EAST, WEST}},
    )




def child_body(**changes: Any) -> dict[str, Any]:
    """A child's registration at the east station, with the guardian's consent."""
    body: dict[str, Any] = {
        "station_id": EAST, "township_code": "T01", "village_code": "V01", "household_ref": "H-17",
        "household_size": 3, "target_groups": ["left_behind_child", "minimum_livelihood"],
        "registered_on": "2022-03-01",
        "personal": {"name": "王小明", "national_id_number": CHILD_ID, "phone": "13900001111",
                     "address": "一村三组", "birth_date": "2015-03-01", "health_notes": "哮喘",
                     "guardian": {"name": "王奶奶", "relation": "grandmother", "consented_on": "2022-02-28"}},
    }
    body.update(changes)
    return body


def adult_body(**changes: Any) -> dict[str, Any]:
    """An elderly person's registration at the east station."""
    body: dict[str, Any] = {
        "station_id": EAST, "township_code": "T01", "village_code": "V02", "target_groups": ["elderly_in_difficulty"],
        "registered_on": "2022-03-02",
        "personal": {"name": "赵大爷", "national_id_number": ADULT_ID, "birth_date": "1950-01-01"},
    }
    body.update(changes)
    return body


def refused(world: World, rule: str, act: Any) -> RuleViolated:
    """Runs ``act``, which a named rule must refuse, storing nothing; returns the refusal."""
    before = len(world.stored())
    with pytest.raises(RuleViolated) as error:
        act()
    assert error.value.rule == rule, error.value.rule
    assert len(world.stored()) == before, "a refused command stored events"
    return error.value


def new_world() -> World:
    """The casework application on in-memory stores, with the unit tests' directory of assignments."""
    keys, log, directory = MemoryKeyStore(), MemoryAccessLog(), make_directory()
    app = Casework(env={}, policy=POLICY, keys=keys, directory=directory, access_log=log)
    return World(app, keys, log, directory)
