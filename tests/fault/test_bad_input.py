"""Hostile and mistaken input: each is refused with a 4xx, nothing is stored, and the flow keeps moving.

The inputs are the ones that once got through: a site whose event is larger than NATS accepts (~2 MB of
facilities), integers above 2^53, ``Infinity`` and ``1e16``, ``offset`` at 2^63 on every stations list, dates in
year 1 and 9999, money given as ``true`` or ``"100"``, a weak ``If-Match``, an integer ``as_of``, and ``%``/``_``
taken as wildcards in the ledger's ``type_prefix``. After them, ordinary commands of both sources must still
reach the stream and the audit ledger.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from services.stations.application import Stations
from tests.fault import checks
from tests.fault.harness import Answer, Command, Deployment, Load, county_plan, organisation_story, township_story
from tests.fault.scenario import assert_promise_kept, conclude

BIG = 2**53 + 1  # 9007199254740993: not representable as a double
OFFSET = 2**63
LISTS = ("/v1/station-status", "/v1/contracts", "/v1/ledgers", "/v1/disclosures", "/v1/evaluations",
         "/v1/misuse-reports")


def setup(load: Load) -> tuple[dict[str, str], str, int]:
    """Four planned stations (one per site input) and a hired worker: station ids by code, worker, version."""
    assert load.send(county_plan()).accepted
    codes = ["BADA", "BADB", "BADC", "BADD"]
    for code in codes:
        add = township_story(code)
        add_answer = load.send(add)
        assert add_answer.accepted, add_answer.body
        plan = add.then(add_answer.body)[0] if add.then else None
        assert plan is not None
        plan.then = None
        assert load.send(plan).accepted
    org = load.send(organisation_story("bad", 3))
    assert org.accepted, org.body
    hire = org.command.then(org.body)[0] if org.command.then else None
    assert hire is not None
    hire.then = None
    hired = load.send(hire)
    assert hired.accepted, hired.body
    stations = {code: str(Stations.station_id_for(code)) for code in codes}
    return stations, hired.body["worker_id"], int(hired.body["version"])


def site(station: str, code: str, body: dict[str, Any] | None = None, raw: bytes | None = None) -> Command:
    return Command("stations", "PUT", f"/v1/stations/{station}/site", body, role="township",
                   claims={"townships": [code], "subject": f"clerk-{code}"}, raw=raw, key=None, retry=False)


def bad_commands(stations: dict[str, str], worker: str, version: int) -> dict[str, Command]:
    """Every refused command, by what is wrong with it."""
    pay = f"/v1/workers/{worker}/pay"
    good_site = {"office_area_m2": 60.0, "facilities": ["desk"], "on": "2021-06-01"}

    def wf(path: str, body: dict[str, Any], **kw: Any) -> Command:
        return Command("workforce", "POST", path, body, key=None, retry=False, **kw)

    def st(path: str, body: dict[str, Any]) -> Command:
        return Command("stations", "POST", path, body, key=None, retry=False)

    return {
        "facilities ~2 MB": site(stations["BADA"], "BADA", {**good_site, "facilities": [f"设施{n}" + "x" * 1000
                                                                                         for n in range(2000)]}),
        "office_area_m2 Infinity": site(stations["BADB"], "BADB", raw=b'{"office_area_m2": Infinity, '
                                        b'"facilities": ["desk"], "on": "2021-06-01"}'),
        "office_area_m2 1e16": site(stations["BADC"], "BADC", raw=b'{"office_area_m2": 1e16, '
                                    b'"facilities": ["desk"], "on": "2021-06-01"}'),
        "site on 0001-01-01": site(stations["BADD"], "BADD", {**good_site, "on": "0001-01-01"}),
        "gross_fen 2^53+1": wf(pay, {"period": "2021-04", "gross_fen": BIG, "paid_on": "2021-05-10"}),
        "gross_fen true": wf(pay, {"period": "2021-05", "gross_fen": True, "paid_on": "2021-06-10"}),
        'gross_fen "100"': wf(pay, {"period": "2021-06", "gross_fen": "100", "paid_on": "2021-07-10"}),
        "paid_on 9999-12-31": wf(pay, {"period": "2021-07", "gross_fen": 320_000, "paid_on": "9999-12-31"}),
        'If-Match W/"n"': wf(pay, {"period": "2021-08", "gross_fen": 320_000, "paid_on": "2021-09-10"},
                              headers={"If-Match": f'W/"{version}"'}),
        "population 2^53+1": st("/v1/county-plan/townships", {"code": "BADBIG", "name": "大数乡", "kind": "township",
                                                              "population": BIG, "batch": 2}),
        "population effective 9999-12-31": st("/v1/county-plan/townships/BADA/population",
                                              {"population": 9000, "effective_on": "9999-12-31"}),
    }


def bad_queries(deployment: Deployment) -> dict[str, Command]:
    """Every refused query, by what is wrong with it."""
    out = {f"offset 2^63 on {path}": Command("stations", "GET", f"{path}?offset={OFFSET}", key=None, retry=False)
           for path in LISTS}
    out["as_of integer"] = Command("stations", "GET", "/v1/county-status?as_of=20210101", key=None, retry=False)
    for wildcard in ("%", "_"):
        out[f"type_prefix {wildcard}"] = Command("audit", "GET", f"/v1/ledger?type_prefix={wildcard}&limit=5",
                                                 role="auditor", key=None, retry=False)
    return out


def refused(name: str, answer: Answer) -> bool:
    """A 4xx; for ``type_prefix`` also a 200 listing only types that really start with the literal characters."""
    if isinstance(answer.status, int) and 400 <= answer.status < 500:
        return True
    if name.startswith("type_prefix") and answer.status == 200:
        wildcard = name.split()[-1]
        return all(item["type"].startswith(wildcard) for item in answer.body["items"])
    return False


def test_bad_input_is_refused_stores_nothing_and_the_flow_keeps_moving(deploy: Callable[..., Deployment]) -> None:
    deployment = deploy()
    load = Load(deployment)
    stations, worker, version = setup(load)
    started = time.monotonic()
    commands, queries = bad_commands(stations, worker, version), bad_queries(deployment)
    answers = {name: load.send(command) for name, command in {**commands, **queries}.items()}
    # The ordinary flow afterwards: a stations command and a workforce command, both to reach the ledger.
    after = [load.send(township_story("AFTERBAD")), load.send(
        Command("workforce", "POST", f"/v1/workers/{worker}/pay",
                {"period": "2021-09", "gross_fen": 320_000, "paid_on": "2021-10-10"}))]

    stored = {e.correlation for s in checks.SOURCES for e in checks.stored_events(deployment.settings, s).values()}
    let_through = {name: a.status for name, a in answers.items() if not refused(name, a)}
    stored_bad = [name for name, command in commands.items() if command.correlation in stored]
    outcome = conclude("bad-input", deployment, load, started, timeout=45,
                       refused=f"{len(answers) - len(let_through)}/{len(answers)}", stored_bad=len(stored_bad))
    assert not let_through, f"accepted or failed instead of a 4xx: {let_through}"
    assert not stored_bad, f"stored although refused: {stored_bad}"
    assert all(a.accepted for a in after), [(a.status, a.body) for a in after]
    assert_promise_kept(outcome)
