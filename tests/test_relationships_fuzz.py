"""A bounded schemathesis run over the collaboration-model endpoints: no 5xx, every answer as published.

Valid and invalid requests are generated from the OpenAPI document and sent against the demo
data (actors, relationships, arenas, challenges, agreements).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
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

FUZZED_PATHS = (
    r"^/api/v1/(relationships|paths|collaboration-vocabulary|agreements|arenas|challenges|analyses)"
    r"|^/api/v1/actors/\{actor_id\}/(relationships|network)"
)
EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def fuzzed_app(app: Flask, graph: Graph) -> Iterator[Flask]:
    load_demo(graph)
    yield app


# The schema comes from an app that never reaches a database (serving /openapi.json needs none);
# each generated request goes to the test's own app and graph.
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
