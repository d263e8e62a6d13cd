"""Schemathesis against the OpenAPI document the real app serves (/api/v1/openapi.json): for every operation,
schema-valid requests (positive) and schema-invalid ones (negative) generated from the document itself.

Zero server errors and zero schema violations: every response's status, content type, headers and body
conform to the document; a request the document allows is accepted (2xx, or a documented refusal that is
not about the data: 404 for an unknown receipt), and a request the document forbids is refused with a 4xx.
Every operation the document declares is fuzzed (a new one cannot be forgotten); the staff API's with the
bearer token of an account holding every role, so its checks run, not only the 401. CI-sized and
deterministic: a fixed number of examples per operation and mode, derandomized, no Hypothesis database. Each
test collects every failing case before it fails, so one run lists all the disagreements.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

import kb as kbase
from testing.apps import clear_app, make_app
from testing.staff import clear_staff, make_token, make_user

OPENAPI = "/api/v1/openapi.json"
EXAMPLES = 60  # per operation and generation mode: about two thousand requests in all, CI-sized
ROLES = ("admin", "engineer", "expert")  # the fuzzing account may do everything the staff API offers
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
# Refusals of schema-valid requests that a JSON Schema cannot express, by (operation, status, error code):
# a draft's files must load as a KB (the loader's file:line problems come back with the 422).
CANNOT_EXPRESS = {("POST /api/v1/kb/versions", 422, "kb_rejected")}


@dataclass(frozen=True)
class Finding:
    """One failed check on one generated request, in the words a bug report needs."""

    check: str
    operation: str
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
    clear_staff(app)
    clear_app(app)


@pytest.fixture(scope="module")
def staff_headers(api_app):
    """A bearer token of an account with every role, sent with every generated request."""
    make_user(api_app, "fuzzer", *ROLES)
    yield {"Authorization": f"Bearer {make_token(api_app, 'fuzzer')}"}


@pytest.fixture(scope="module")
def api_schema(api_app):
    """The document as the app serves it, loaded by Schemathesis (which also validates it as OpenAPI)."""
    yield schemathesis.openapi.from_wsgi(OPENAPI, api_app)


def _describe(case) -> str:
    body = "" if case.body is None else " " + json.dumps(case.body, default=str, ensure_ascii=True)[:300]
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "content-type"}
    return f"{case.method} {case.formatted_path}{'?' + str(case.query) if case.query else ''}{headers or ''}{body}"


def fuzz(operation, mode: str, headers: dict[str, str]) -> list[Finding]:
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
        sent = headers if operation.definition.raw.get("security") else None
        response = case.call(headers=sent)
        for name, check in checks:
            try:
                case.validate_response(response, checks=[check], headers=sent)
            except (AssertionError, FailureGroup):
                code = _error_code(response)
                refusal = (operation.label, response.status_code, code)
                if name == "positive_data_acceptance" and refusal in CANNOT_EXPRESS:
                    continue
                findings.append(
                    Finding(
                        name,
                        operation.label,
                        response.status_code,
                        code,
                        _describe(case),
                        response.text[:300],
                    )
                )

    run()
    return findings


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_api_conforms(api_schema, staff_headers, mode):
    """For every operation: no generated request gets a server error or a response that breaks the document,
    and the server accepts what the document allows and refuses what it forbids."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5  # the public API's five at least: the document was read
    findings = [finding for operation in operations for finding in fuzz(operation, mode, staff_headers)]
    # One line per distinct (check, operation, status, error code), with the first request that shows it.
    distinct: dict[tuple, Finding] = {}
    for finding in findings:
        distinct.setdefault((finding.check, finding.operation, finding.status, finding.code), finding)
    assert not distinct, f"{len(findings)} failed checks, {len(distinct)} distinct:\n" + "\n".join(
        str(f) for f in distinct.values()
    )


# --- what the fuzzing found, kept as fixed cases ---------------------------------------------------------

ALL_YES = {"Q1": "ya", "Q2": "ya", "Q3": "ya", "Q4": "ya", "Q5": "ya", "Q6": "ya"}
REQUEST_SCHEMA = "#/paths/~1api~1v1~1consultations/post/requestBody/content/application~1json/schema"
DOCUMENT_URI = "urn:pakar:openapi"


@pytest.mark.parametrize(
    ("body", "valid", "status"),
    [
        # Found on 2026-12-01: the document took any string as an answer and any decimal text as a certainty,
        # and the server refused them (400) although the document allowed them.
        ({"mode": "screening", "answers": dict.fromkeys(ALL_YES, "SELECT 1")}, False, 400),
        ({"mode": "screening", "answers": {**ALL_YES, "Q3": "SymptomCode"}}, False, 400),
        ({"mode": "diagnosis", "symptoms": {"GC19": "\u000b1.296\f\u000b\r\n"}}, False, 400),
        ({"mode": "diagnosis", "symptoms": {"GC04": "\f930013"}}, False, 400),
        ({"mode": "diagnosis", "symptoms": {"GC04": "\u000b1\u000b"}}, False, 400),  # \v and \f are not spaces
        # What the server reads leniently, the document allows: case and spaces around an answer or a CF.
        ({"mode": "screening", "answers": {**ALL_YES, "Q1": " YA "}}, True, 201),
        ({"mode": "diagnosis", "symptoms": {"GC19": " 1 "}}, True, 201),
        # Issue 9 item 8: a null id is no id, in both; an empty answers object is refused by both.
        ({"mode": "screening", "id": None, "answers": ALL_YES}, True, 201),
        ({"mode": "screening", "answers": {}}, False, 400),
    ],
)
def test_document_and_server_agree_on_found_bodies(api_app, body, valid, status):
    """Each body the fuzzing once found is judged alike by the served document and by the server."""
    document = api_app.test_client().get(OPENAPI).get_json()
    registry = Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document))
    validator = Draft202012Validator({"$ref": DOCUMENT_URI + REQUEST_SCHEMA}, registry=registry)
    response = api_app.test_client().post("/api/v1/consultations", json=body)
    assert (validator.is_valid(body), response.status_code) == (valid, status)


# Found on 2026-12-01 in the staff API: query parameters the document refused were served (200), one the
# document allowed was refused (impact's threshold was any text), and a draft file holding a control character
# gave a 500. (path, query, status, error code): a 200 exactly when the document allows every value.
STAFF_QUERIES = [
    ("/api/v1/audit", {"lang": "fr"}, 400, "bad_lang"),
    ("/api/v1/audit", {"page": "x"}, 400, "bad_number"),
    ("/api/v1/audit", {"page": "0"}, 400, "bad_number"),
    ("/api/v1/audit", {"per_page": ""}, 400, "bad_number"),
    ("/api/v1/audit", {"per_page": "\u00b2"}, 400, "bad_number"),  # a digit to str.isdigit, not to the pattern
    ("/api/v1/audit", {"page": "-1"}, 400, "bad_number"),
    ("/api/v1/audit", {"page": "007", "per_page": "9999", "lang": "en"}, 200, None),  # past 500 gives 500
    ("/api/v1/audit", {"page": "9" * 5000}, 200, None),  # past the last page gives the last page
    ("/api/v1/kb/versions", {"lang": "xx"}, 400, "bad_lang"),
    ("/api/v1/kb/versions", {"lang": "id"}, 200, None),
    ("/api/v1/kb/versions", {"": "0"}, 400, "unknown_parameter"),  # a name the operation does not declare
    ("/api/v1/audit", {"page": "1", "Page": "2"}, 400, "unknown_parameter"),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": "0.5", "limit": "0"}, 200, None),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": ".05"}, 200, None),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": "1.00"}, 200, None),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": "0"}, 200, None),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": "1/2"}, 400, "bad_threshold"),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": "5e-2"}, 400, "bad_threshold"),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": " 0.5"}, 400, "bad_threshold"),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": "\u0661"}, 400, "bad_threshold"),  # an Arabic-Indic 1
    ("/api/v1/kb/versions/{version}/impact", {"threshold": "1.5"}, 400, "bad_threshold"),
    ("/api/v1/kb/versions/{version}/impact", {"threshold": ">\u00f1"}, 400, "bad_threshold"),
    ("/api/v1/kb/versions/{version}/impact", {"limit": "x"}, 400, "bad_number"),
]


def _schema_pointers(document: dict, path: str) -> dict[str, str]:
    """The JSON pointers of the schemas of ``path``'s GET query parameters in the served document, by name."""
    pointers = {}
    operation = "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/get/parameters/"
    for index, parameter in enumerate(document["paths"][path]["get"]["parameters"]):
        pointer = parameter.get("$ref", f"{operation}{index}")
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][pointer.rsplit("/", 1)[1]]
        pointers[parameter["name"]] = pointer + "/schema"
    return pointers


@pytest.mark.parametrize(("path", "query", "status", "code"), STAFF_QUERIES)
def test_document_and_server_agree_on_staff_queries(api_app, staff_headers, path, query, status, code):
    """Each staff query the fuzzing once found is judged alike by the served document and by the server."""
    client = api_app.test_client()
    document = client.get(OPENAPI).get_json()
    registry = Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document))
    pointers = _schema_pointers(document, path)
    valid = all(
        name in pointers
        and Draft202012Validator({"$ref": DOCUMENT_URI + pointers[name]}, registry=registry).is_valid(value)
        for name, value in query.items()
    )
    version = client.get("/api/v1/kb/versions", headers=staff_headers).get_json()["versions"][0]["version"]
    response = client.get(path.format(version=version), query_string=query, headers=staff_headers)
    error = response.get_json().get("error", {})
    assert (valid, response.status_code, error.get("code")) == (status == 200, status, code)


def test_a_draft_file_with_a_control_character_is_refused_with_its_place(api_app, staff_headers):
    """Found on 2026-12-01: 500. A character YAML allows nowhere is the loader's file:line:col problem (422)."""
    client = api_app.test_client()
    before = client.get("/api/v1/kb/versions", headers=staff_headers).get_json()["versions"]
    files = kbase.read_files()
    files["kb.yaml"] = files["kb.yaml"].replace("\n", "\n\x07", 1)
    response = client.post("/api/v1/kb/versions", json={"files": files}, headers=staff_headers)
    assert (response.status_code, response.get_json()["error"]["problems"]) == (
        422,
        [
            "kb.yaml:2:1: character U+0007 may not appear in a YAML file (a control character or a lone surrogate)"
            " (delete it; in a double-quoted text an escape such as \\x07 may stand for it)"
        ],
    )
    assert client.get("/api/v1/kb/versions", headers=staff_headers).get_json()["versions"] == before
