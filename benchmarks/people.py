"""The people a county's stations serve and their cases, from a seed: what a county's year over HTTP
(``benchmarks.county``) and casework's bulk history (``benchmarks.casework_history``) both register and record.

A person belongs to one of four kinds (``KINDS``: elderly people, people with disabilities, families on minimum
livelihood, left-behind children with their guardians' consent), is registered at a station, and their case is
opened that day, assessed (a child's guardianship too), planned, served monthly (up to six services) and, once six
services are done, reviewed and closed — every step on or after the one before, none after the year's end.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from benchmarks.load import GIVEN, SURNAMES
from services.stations.seed import TOWNSHIPS
from services.workforce.domain import national_id_check_char

KINDS = (  # target groups, the case's needs, the services delivered (domain, type)
    (("elderly_in_difficulty", "left_behind_elderly"), ("elderly_care",),
     (("elderly_care", "health_service"), ("elderly_care", "emotional_comfort"))),
    (("disabled", "minimum_livelihood"), ("social_assistance",),
     (("social_assistance", "rehabilitation_training"), ("social_assistance", "resource_linking"))),
    (("minimum_livelihood",), ("social_assistance",),
     (("social_assistance", "household_economic_assessment"), ("social_assistance", "care"))),
    (("left_behind_child", "minor"), ("child_welfare",),
     (("child_welfare", "family_visit_check"), ("child_welfare", "family_visit_check"))),
)
VILLAGES = {t["code"]: t["villages"] for t in TOWNSHIPS}

CaseStep = tuple[str, str, dict[str, Any]]
"""A step of an open case: method, the case's sub-path (assessments, plan, services, reviews, closure), body."""


def person_id(n: int, born: date) -> str:
    """A valid national id number (GB 11643) born on ``born``, distinct for distinct (n mod 1000, born)."""
    first17 = f"522701{born:%Y%m%d}{n % 1000:03d}"
    return first17 + national_id_check_char(first17)


def born_on(n: int, groups: tuple[str, ...], registered: date) -> date:
    """Person ``n``'s birth date: a child of 8 to 13 at registration, an elderly person born 1940-56, anyone else
    1965-90. Spread over the span by ``n mod 1000`` and shifted a day every thousand people, so (n mod 1000, birth
    date) — the id number — differs for every ``n`` below 1,000 times the span in days."""
    if "minor" in groups:
        first, span = date(registered.year - 13, 1, 1), 1800
    elif "elderly_in_difficulty" in groups:
        first, span = date(1940, 1, 1), 6000
    else:
        first, span = date(1965, 1, 1), 9000
    return first + timedelta(days=(n % 1000 + n // 1000) % span)


def registration(r: random.Random, n: int, code: str, station_id: str, household_ref: str,
                 registered: date) -> dict[str, Any]:
    """The body registering person ``n`` (kind ``n mod 4``) at a township's station on ``registered``."""
    groups = KINDS[n % len(KINDS)][0]
    personal = personal_data(r, n, groups, registered)
    return {"station_id": station_id, "township_code": code, "village_code": r.choice(VILLAGES[code])["code"],
            "household_ref": household_ref, "household_size": 1 + r.randrange(5), "target_groups": list(groups),
            "registered_on": str(registered), "personal": personal}


def personal_data(r: random.Random, n: int, groups: tuple[str, ...], registered: date) -> dict[str, Any]:
    """Person ``n``'s personal data; a child's guardian consented the day before registration."""
    born = born_on(n, groups, registered)
    name = r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(GIVEN)
    personal: dict[str, Any] = {"name": name, "national_id_number": person_id(n, born), "birth_date": str(born),
                                "address": f"{r.randrange(1, 9)}组{r.randrange(1, 60)}号"}
    if "minor" in groups:
        personal["guardian"] = {"name": r.choice(SURNAMES) + "奶奶", "relation": "grandmother",
                                "consented_on": str(registered - timedelta(days=1))}
    return personal


def case_steps(r: random.Random, n: int, registered: date, until: date) -> list[CaseStep]:
    """The steps of person ``n``'s case opened on ``registered``: assessment, plan, a service a month, then (six
    services done by ``until``) review and closure."""
    groups, needs, services = KINDS[n % len(KINDS)]
    steps: list[CaseStep] = [
        ("POST", "assessments", {"on": str(registered + timedelta(days=3)), "needs": list(needs),
                                 "household_income_fen": 50_000 + 10_000 * r.randrange(20),
                                 **({"guardianship": "inadequate"} if "minor" in groups else {})}),
        ("PUT", "plan", {"on": str(registered + timedelta(days=6)), "goals": ["需求回应", "资源链接"],
                         "review_by": str(registered + timedelta(days=120))})]
    on = registered + timedelta(days=10)
    for k in range(6):  # a service a month
        if on > until:
            break
        domain, kind = services[k % len(services)]
        steps.append(("POST", "services", {"on": str(on), "domain": domain, "service_type": kind,
                                           "minutes": 30 + 15 * r.randrange(6)}))
        on += timedelta(days=30)
    if len(steps) == 8 and on - timedelta(days=15) <= until:  # six services done: reviewed, then closed
        steps += [("POST", "reviews", {"on": str(on - timedelta(days=15)), "goals_met": 2}),
                  ("POST", "closure", {"on": str(min(on, until)), "outcome": "goals_met"})]
    return steps
