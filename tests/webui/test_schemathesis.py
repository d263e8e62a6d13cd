"""Schemathesis against the OpenAPI document the real app serves (/api/v1/openapi.json): for every operation,
schema-valid requests (positive) and schema-invalid ones (negative) generated from the document itself.

Zero server errors and zero schema violations: every response's status, content type, headers and body
conform to the document; a request the document allows is accepted (2xx, or a documented refusal that is
not about the data: 404 for an unknown receipt), and a request the document forbids is refused with a 4xx.
CI-sized and deterministic: a fixed number of examples per operation and mode, derandomized, no Hypothesis
database. Each test collects every failing case before it fails, so one run lists all the disagreements.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

from testing.apps import clear_app, make_app

pytestmark = pytest.mark.slow

OPENAPI = "/api/v1/openapi.json"
EXAMPLES = 150  # per operation and generation mode: a few hundred requests per operation, CI-sized
# Every operation of the document; test_every_operation_is_fuzzed keeps this list complete.
OPERATIONS = [
    ("POST", "/api/v1/consultations"),
    ("GET", "/api/v1/consultations/{consultation_id}"),
    ("DELETE", "/api/v1/consultations/{consultation_id}"),
    ("GET", "/api/v1/kb"),
]
# What every response must satisfy, whatever was sent.
CONFORMANCE = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
CHECKS = {
    "positive": [*CONFORMANCE, "positive_data_acceptance"],
    "negative": [*CONFORMANCE, "negative_data_rejection"],
}
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Finding:
    """One failed check on one generated request, in the words a bug report needs."""

    check: str
    status: int
    code: str | None  # the API's error code, when the answer is a JSON error
    request: str
    response: str

    def __str__(self) -> str:
        return f"{self.check}: {self.request} -> {self.status} {self.response}"


def _error_code(response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    """The real app on SQLite, as production configures it (CSRF on, migrations run), without rate limits:
    hundreds of requests from one address would otherwise test the 429 answer alone (tests/webui/test_limits.py
    checks that one against the document)."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    app = make_app("sqlite:///" + str(tmp / "pakar.sqlite3"), tmp, RATELIMIT_ENABLED=False)
    yield app
    clear_app(app)


@pytest.fixture(scope="module")
def api_schema(api_app):
    """The document as the app serves it, loaded by Schemathesis (which also validates it as OpenAPI)."""
    yield schemathesis.openapi.from_wsgi(OPENAPI, api_app)


def _describe(case) -> str:
    body = "" if case.body is None else " " + json.dumps(case.body, default=str, ensure_ascii=True)[:300]
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "content-type"}
    return f"{case.method} {case.formatted_path}{'?' + str(case.query) if case.query else ''}{headers or ''}{body}"


def fuzz(operation, mode: str) -> list[Finding]:
    """Run ``EXAMPLES`` generated cases of ``operation`` in ``mode``; return every failed check, none missed."""
    checks = [(name, getattr(st_checks, name)) for name in CHECKS[mode]]
    findings: list[Finding] = []
    fresh_keys = itertools.count(1)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same cases on every run (a fixed seed)
        database=None,  # nothing remembered between runs: CI sees exactly what a developer sees
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # the document's own examples first, then generated cases
    )
    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode)))
    def run(case):
        if mode == "positive" and case.headers and IDEMPOTENCY_HEADER in case.headers:
            # A key is one submission: the same key with another body is refused (422) by design, and the
            # generator reuses keys across bodies. The document cannot say "a key not used before", so each
            # schema-valid request gets a key of its own.
            case.headers[IDEMPOTENCY_HEADER] = f"schemathesis-{next(fresh_keys)}"
        response = case.call()
        for name, check in checks:
            try:
                case.validate_response(response, checks=[check])
            except (AssertionError, FailureGroup):
                findings.append(
                    Finding(name, response.status_code, _error_code(response), _describe(case), response.text[:300])
                )

    run()
    return findings


def test_every_operation_is_fuzzed(api_schema):
    """The table above names every operation the document has (a new one cannot be forgotten)."""
    served = sorted((op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations())
    assert served == sorted(OPERATIONS)


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms(api_schema, method, path, mode):
    """No generated request gets a server error or a response that breaks the document, and the server
    accepts what the document allows and refuses what it forbids."""
    findings = fuzz(api_schema[path][method], mode)
    # One line per distinct (check, status, error code), with the first request that shows it.
    distinct: dict[tuple, Finding] = {}
    for finding in findings:
        distinct.setdefault((finding.check, finding.status, finding.code), finding)
    assert not distinct, f"{len(findings)} failed checks, {len(distinct)} distinct:\n" + "\n".join(
        str(f) for f in distinct.values()
    )
