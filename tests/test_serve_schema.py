"""Property tests from the live OpenAPI document (schemathesis): whatever a client sends that
the document allows, the server never answers 5xx and every answer conforms to the document.

Bounded: a few examples per operation, each call at most 60 s; no Hypothesis deadline, as
speed is measured in benchmarks/, not asserted.
Book paths are called for the key's own unit (OTHER, which the walk-through leaves alone), so
the bodies reach the book's code rather than stopping at 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks
from serve_server import Running
from test_serve import OTHER, server  # noqa: F401 - the fixture

CHECKS = [
    schemathesis.checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def live(server: tuple[Running, dict[str, str], str]) -> tuple[Running, str]:
    return server[0], server[1][OTHER]


def aim(case: Any) -> None:
    """Most cases name a real unit, kind and region, so they reach the code behind the route."""
    if case.path_parameters and "uscc" in case.path_parameters:
        case.path_parameters["uscc"] = OTHER
    if len(repr(case.body)) % 4 == 0:
        return  # these keep what was generated
    if case.path_parameters and "kind" in case.path_parameters:
        case.path_parameters["kind"] = ("enroll", "suspend", "wages")[len(repr(case.query)) % 3]
    if case.path_parameters and "code" in case.path_parameters:
        case.path_parameters["code"] = "320500"
    if case.query and "region" in case.query:
        case.query["region"] = "210200"
    if isinstance(case.body, dict) and "region" in case.body:
        case.body["region"] = "320500"


def test_no_server_error_and_every_answer_conforms(live: tuple[Running, str]) -> None:
    running, key = live
    schema = schemathesis.openapi.from_url(f"{running.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 22
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: Any) -> None:
            aim(case)
            case.call_and_validate(base_url=running.url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS, timeout=60)

        try:
            call()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc
    answered = [line["status"] for line in running.log_lines()]
    assert len(answered) >= 4 * len(operations) and any(200 <= int(str(s)) < 300 for s in answered)


def test_the_document_is_openapi_3_1(live: tuple[Running, str], tmp_path: Path) -> None:
    import httpx

    document = httpx.get(f"{live[0].url}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
