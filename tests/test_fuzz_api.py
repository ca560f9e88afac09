"""A bounded schemathesis run over the actor and reference endpoints: no 5xx, every answer as published.

Both valid and invalid requests are generated from the OpenAPI document, as an admin (who
reaches every write path) and as an anonymous caller, against the demo data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask, g
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registry.app import create_app
from registry.db import Graph
from registry.demo import load_demo
from registry.identity import Principal, Role

FUZZED_PATHS = r"^/api/v1/(actors|municipalities|counties|vocabulary|interest-areas|target-groups)"
EXAMPLES_PER_OPERATION = 20


@pytest.fixture(params=["admin", "anonymous"])
def fuzzed_app(request: pytest.FixtureRequest, app: Flask, graph: Graph) -> Iterator[Flask]:
    load_demo(graph)
    if request.param == "admin":

        @app.before_request
        def _admin() -> None:
            g.principal = Principal(Role.ADMIN, token_id="fuzz")

    yield app


# The schema is read from an app that never reaches a database (serving /openapi.json needs
# none); each generated request then goes to the test's own app and graph. (schemathesis's
# fixture-based loader does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/openapi.json", create_app({"TESTING": True})).include(path_regex=FUZZED_PATHS)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    deterministic=True,
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_answers_match_the_schema(case: schemathesis.Case, fuzzed_app: Flask) -> None:
    case.call_and_validate(
        app=fuzzed_app,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
