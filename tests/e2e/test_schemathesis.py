"""Generated requests against each service's OpenAPI document: no 5xx, and every response conforms.

Schemathesis generates cases from each running service's ``/openapi.json`` (valid and invalid ones), sends
them with a civil affairs admin token, and checks: no server error; the body of a documented status matches
its schema; the content type and the documented headers match. Undocumented statuses (the 4xx problem
answers) are not refused by these checks; an invalid request answered 2xx is (negative data rejection).

The services run as processes on their own database and subject prefixes (random commands change their data).
In ``make test`` each service gets at least 200 cases. For a longer run (≥ 1,000 cases per service):

    SW_SCHEMATHESIS_MIN_CASES=1000 .venv/bin/python -m pytest tests/e2e/test_schemathesis.py -q -s

or against a running ``make run``, with the schemathesis CLI:

    T=$(.venv/bin/python -m shared.auth --role civil_affairs_admin)
    .venv/bin/schemathesis run http://127.0.0.1:8101/openapi.json -H "Authorization: Bearer $T" \\
        --max-examples 40 --checks not_a_server_error,response_schema_conformance,negative_data_rejection
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
)

from shared.settings import Settings
from tests.kit.infra import isolated
from tests.kit.system import System, start_system, stop_system

# Examples per operation and generation mode (valid and invalid data): a few hundred cases per service.
EXAMPLES = int(os.environ.get("SW_SCHEMATHESIS_EXAMPLES", "3"))
MIN_CASES = int(os.environ.get("SW_SCHEMATHESIS_MIN_CASES", "200"))
KIND = re.compile(r"- (ST\d+ [^\n]+)")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance,
          negative_data_rejection]


@pytest.fixture(scope="module")
def fuzzed(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The four services on their own prefixes, for generated requests only."""
    running = start_system(isolated(settings), Path(tmp_path_factory.mktemp("schemathesis")))
    yield running
    stop_system(running)


@dataclass
class Run:
    """Cases sent and the failures found, by operation."""

    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def fuzz(system: System, service: str) -> Run:
    """Sends generated cases to every operation of one service, about ``MIN_CASES`` in all.

    Hypothesis stops early on an operation with few distinct requests (one without parameters sends one).
    """
    schema = schemathesis.openapi.from_url(f"{system.urls[service]}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    per_operation = max(EXAMPLES, -(-MIN_CASES // (2 * len(operations))))
    headers = {"Authorization": system.client(service).headers["Authorization"]}
    run = Run()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(operation, mode, per_operation, system.urls[service], headers, run)
    return run


def _exercise(operation, mode: GenerationMode, examples: int, base_url: str, headers: dict[str, str],
              run: Run) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def send(case) -> None:
        run.cases += 1
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
        except (Exception, BaseExceptionGroup) as exc:  # a check failed: keep one example of each kind, go on
            text = str(exc).strip()
            for kind in KIND.findall(text) or ["other"]:
                run.failures.setdefault(f"{kind} | {mode.value} {operation.label}", text[:700])

    try:
        send()
    except Unsatisfiable:
        pass  # no invalid request exists for an operation without parameters or body
    except (Exception, BaseExceptionGroup) as exc:  # e.g. a strategy that cannot generate for this operation
        run.failures.setdefault(f"{mode.value} {operation.label}", f"generation: {exc}"[:600])


@pytest.mark.parametrize("service", ["stations", "workforce", "audit", "casework"])
def test_generated_requests_get_no_5xx_and_conforming_answers(fuzzed: System, service: str) -> None:
    run = fuzz(fuzzed, service)
    kinds = Counter(key.split(" | ")[0] for key in run.failures)
    print(f"schemathesis {service}: {run.cases} cases; operations failing, by check: {dict(kinds)}")
    # Server errors and accepted invalid data first: they matter more than a content type the document omits.
    shown = sorted(run.failures.items(), key=lambda item: not item[0].startswith(("ST101", "ST201")))
    assert not run.failures, f"{dict(kinds)}\n\n" + "\n\n".join(f"{k}:\n{v}" for k, v in shown[:12])
