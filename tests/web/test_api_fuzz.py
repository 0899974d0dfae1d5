"""Schemathesis fuzzes every operation of the OpenAPI description: no server error.

The application enables all four plugins, so the routes they register are fuzzed too,
and holds a small demo (customers, interactions, tasks and each plugin's rows) so that
generated ids find records. Requests carry an admin's token. Each operation gets a few
derandomised examples, valid ones (their answers must also match the described
response) and invalid ones, so the run is short and repeatable.

(schemathesis' ``from_fixture`` integration does not work with this pytest, so the
operations are driven here with Hypothesis directly; every failure is collected and
reported together, naming the operation and the request.)
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from guanxi.demo import generate_demo

# A deeper local run: GUANXI_FUZZ_EXAMPLES=50 pytest tests/web/test_api_fuzz.py
EXAMPLES = int(os.environ.get("GUANXI_FUZZ_EXAMPLES", "6"))


@pytest.fixture
def guanxi_plugins():
    return ["sales", "marketing", "service", "analytics"]


@pytest.fixture
def fuzzed(guanxi_web):
    """The web application on a small demo, and an admin's Authorization header."""
    app = guanxi_web.app
    # A small demo: low ids find a customer, task, opportunity, ticket …
    app.edition.demo = dataclasses.replace(
        app.edition.demo, staff=4, teams=2, customers=16, organizations=3, interactions=60
    )
    generate_demo(app)
    client = guanxi_web.api("fuzz.admin", role="admin")
    return guanxi_web.web, client.headers["Authorization"]


def _failures(operation, token: str, mode: GenerationMode, statuses: Counter) -> list[str]:
    """Run a few examples of one operation; describe each that failed a check."""
    found: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        try:
            response = case.call(headers={"Authorization": token})
        except Exception as exc:  # the test client re-raises what would have been a 500
            found.append(f"{operation.label} [{mode.value}] raised {exc!r}\n"
                         f"    {case.as_curl_command()}")
            return
        statuses[response.status_code] += 1
        checks = [not_a_server_error]
        if mode is GenerationMode.POSITIVE and response.status_code < 400:
            checks.append(response_schema_conformance)
        try:
            case.validate_response(response, checks=checks)
        except Exception as exc:  # every check failure is reported
            found.append(f"{operation.label} [{mode.value}] {response.status_code}: "
                         f"{str(exc).strip().splitlines()[0]}\n    {case.as_curl_command()}")

    run()
    return found


def test_no_server_errors(fuzzed):
    web, token = fuzzed
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _failures(operation, token, mode, statuses)
    print(f"fuzzed in {time.monotonic() - started:.1f} s: {sorted(statuses.items())}")
    assert statuses[200] + statuses[201] > 0  # some requests got through to the records
    assert not failures, "\n".join(failures)
