"""The staff API in the OpenAPI document: every staff route documented with the bearer scheme and its roles,
nothing else secured, and the real answers (200, 401, 403, 429) fit the documented schemas and headers."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from testing.staff import clear_staff, make_token, make_user
from webui.staff import auth

BASE = "urn:pakar:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
IMPLICIT = {"HEAD", "OPTIONS"}
AUDIT = "/api/v1/audit"


def _template(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture
def doc(staff_client):
    yield staff_client.get("/api/v1/openapi.json").get_json()


def test_the_document_with_the_staff_part_is_valid_openapi(doc):
    validate(doc)
    assert doc["components"]["securitySchemes"]["staffToken"]["scheme"] == "bearer"


def test_every_staff_route_is_documented_with_the_bearer_scheme_and_its_roles(staff_app, doc):
    routes = {
        (_template(rule.rule), method): sorted(getattr(staff_app.view_functions[rule.endpoint], auth.API_MARK))
        for rule in staff_app.url_map.iter_rules()
        if hasattr(staff_app.view_functions[rule.endpoint], auth.API_MARK)
        for method in rule.methods - IMPLICIT
    }
    secured = {
        (path, method.upper()): sorted(op.get("x-pakar-roles", []))
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS and "security" in op
    }
    assert routes == secured
    assert (AUDIT, "GET") in routes
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS and "security" in op:
                assert op["security"] == [{"staffToken": []}]
                assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"


def _check(doc, response, path, method):
    """Validate a real response against what the document declares for it (body and headers)."""
    registry = Registry().with_resource(BASE, DRAFT202012.create_resource(doc))
    spec = doc["paths"][path][method]["responses"][str(response.status_code)]
    pointer = f"/paths/{path.replace('/', '~1')}/{method}/responses/{response.status_code}"
    while "$ref" in spec:
        pointer = spec["$ref"].removeprefix("#")
        spec = doc
        for part in pointer.lstrip("/").split("/"):
            spec = spec[part]

    def validator(at):
        return Draft202012Validator({"$ref": f"{BASE}#{at}"}, registry=registry)

    assert response.mimetype in spec["content"]
    validator(f"{pointer}/content/{response.mimetype.replace('/', '~1')}/schema").validate(response.get_json())
    for name, header in spec.get("headers", {}).items():
        at = header["$ref"].removeprefix("#") if "$ref" in header else f"{pointer}/headers/{name}"
        assert name in response.headers, f"{name} is declared but not sent"
        validator(f"{at}/schema").validate(response.headers[name])


def test_real_answers_fit_the_document(staff_app, staff_client, doc):
    make_user(staff_app, "ana", "admin")
    make_user(staff_app, "citra", "expert")
    admin = {"Authorization": f"Bearer {make_token(staff_app, 'ana')}"}
    expert = {"Authorization": f"Bearer {make_token(staff_app, 'citra')}"}
    answers = [
        staff_client.get(AUDIT, headers=admin),
        staff_client.get(AUDIT + "?page=2&per_page=1&lang=en", headers=admin),
        staff_client.get(AUDIT),
        staff_client.get(AUDIT, headers={"Authorization": "Bearer pakar_nothing"}),
        staff_client.get(AUDIT, headers=expert),
    ]
    assert [r.status_code for r in answers] == [200, 200, 401, 401, 403]
    for response in answers:
        _check(doc, response, AUDIT, "get")


def test_the_rate_limit_answer_fits_the_document(database_url, build_app):
    app = build_app(database_url, STAFF_ARGON2_PROFILE="CHEAPEST", RATELIMIT_DEFAULT="2/minute")
    clear_staff(app)
    try:
        client = app.test_client()
        doc = client.get("/api/v1/openapi.json").get_json()
        statuses = [client.get(AUDIT).status_code for _ in range(3)]
        refused = client.get(AUDIT)
        assert statuses[-1] == refused.status_code == 429
        _check(doc, refused, AUDIT, "get")
    finally:
        clear_staff(app)
