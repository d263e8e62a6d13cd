"""The served OpenAPI document (webui/openapi.py: webui/openapi.base.json plus the KB's parts): valid OpenAPI
3.1, matching the API's routes, the codes of the KB the server runs (another KB gets its own), and every
response the API really sends (validated with JSON Schema 2020-12 against the schema the document declares)."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy.exc import OperationalError

import kb as kbase
from rules.messages import REQUEST_ERRORS as ENGINE_MESSAGES
from testing.kbfiles import BASE as MINI_KB
from testing.kbfiles import OPTIONAL as MINI_KB_OPTIONAL
from testing.kbfiles import write_kb
from webui import knowledge, store

OPENAPI = "/api/v1/openapi.json"
BASE = "urn:pakar:openapi"  # the document's URI in the registry
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
IMPLICIT = {"HEAD", "OPTIONS"}  # Flask answers these for every route by itself

CONSULTATIONS = "/api/v1/consultations"
ONE = "/api/v1/consultations/{consultation_id}"
KB = "/api/v1/kb"
UNKNOWN_ID = "A" * 24
ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}


@pytest.fixture
def doc(client):
    """The document as the server serves it."""
    response = client.get(OPENAPI)
    assert (response.status_code, response.mimetype) == (200, "application/json")
    yield response.get_json()


class Contract:
    """Looks up what the document declares for a response and validates a real Flask response against it."""

    def __init__(self, document: dict):
        self.doc = document
        self.registry = Registry().with_resource(BASE, DRAFT202012.create_resource(document))

    def resolve(self, node: dict, pointer: str) -> tuple[dict, str]:
        """Follow OpenAPI's local ``$ref``s (responses, parameters, headers) to the object and its pointer."""
        while "$ref" in node:
            pointer = node["$ref"].removeprefix("#")
            node = self.at(pointer)
        return node, pointer

    def at(self, pointer: str):
        node = self.doc
        for part in pointer.lstrip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validator(self, pointer: str) -> Draft202012Validator:
        """A Draft 2020-12 validator for the schema at ``pointer``; its ``#/components/...`` refs resolve."""
        return Draft202012Validator(
            {"$ref": f"{BASE}#{pointer}"}, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    def declared(self, path: str, method: str, status: int) -> str:
        """The pointer of the response the document declares for (path template, method, status)."""
        pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()
        operation = self.at(pointer)
        assert str(status) in operation["responses"], f"{method} {path} does not declare {status}"
        return f"{pointer}/responses/{status}"

    def check(self, response, response_pointer: str) -> None:
        """Validate ``response`` (status body, content type, headers) against the response object there."""
        spec, pointer = self.resolve(self.at(response_pointer), response_pointer)
        content = spec.get("content")
        if content is None:
            assert response.data == b""
        else:
            assert response.mimetype in content, f"{response.mimetype} not in {list(content)}"
            media = pointer + "/content/" + response.mimetype.replace("/", "~1") + "/schema"
            self.validator(media).validate(response.get_json())
        for name, header in spec.get("headers", {}).items():
            header, header_pointer = self.resolve(header, f"{pointer}/headers/{name}")
            assert name in response.headers, f"header {name} is declared but not sent"
            self.validator(header_pointer + "/schema").validate(response.headers[name])

    def check_operation(self, response, path: str, method: str) -> None:
        self.check(response, self.declared(path, method, response.status_code))


@pytest.fixture
def contract(doc):
    yield Contract(doc)


# --- the document itself -------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(doc):
    validate(doc)
    assert doc["openapi"] == "3.1.0"


def test_the_document_names_the_kb_it_was_made_from_and_is_made_once(app, client, doc):
    with app.app_context():
        served = knowledge.current()
    assert doc["info"]["x-pakar-kb"] == {"id": served.id, "version": served.short_version}
    assert client.get(OPENAPI).get_json() == doc
    assert app.extensions["pakar.openapi"][0] == served.version


def _flask_template(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_documented_and_nothing_else(app, doc):
    routes = {
        (_flask_template(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - IMPLICIT
    }
    documented = {
        (path, method.upper())
        for path, item in doc["paths"].items()
        for method in item
        if method in HTTP_METHODS and "security" not in item[method]  # the staff API: tests/webui/staff
    }
    assert routes == documented
    assert len(routes) == 5


def test_path_parameters_are_declared_for_every_template_variable(contract, doc):
    for path, item in doc["paths"].items():
        for method in set(item) & HTTP_METHODS:
            given = item.get("parameters", []) + item[method].get("parameters", [])
            params = [contract.resolve(p, "")[0] for p in given]
            assert {p["name"] for p in params if p["in"] == "path"} == set(re.findall(r"{([^}]+)}", path))


def test_every_error_code_the_engine_can_refuse_a_request_with_is_documented(contract):
    documented = set(contract.at("/components/schemas/RequestError/properties/error/properties/code/enum"))
    engine = set(ENGINE_MESSAGES) - {"invalid_json", "no_decision", "internal"}  # batch-only / not input
    assert documented == engine | {"bad_json"}


@pytest.mark.parametrize(
    "pointer",
    [
        "/paths/~1api~1v1~1consultations/post/requestBody/content/application~1json",
        "/components/responses/Created/content/application~1json",
        "/components/responses/Stored/content/application~1json",
        "/components/responses/RequestError/content/application~1json",
        "/components/responses/BadLang/content/application~1json",
        "/components/responses/NotFound/content/application~1json",
        "/components/responses/UnknownPath/content/application~1json",
        "/components/responses/MethodNotAllowed/content/application~1json",
        "/components/responses/TooLarge/content/application~1json",
        "/components/responses/NotJson/content/application~1json",
        "/components/responses/Internal/content/application~1json",
        "/paths/~1api~1v1~1kb/get/responses/200/content/application~1json",
    ],
)
def test_every_example_fits_its_schema(contract, pointer):
    media = contract.at(pointer)
    assert media["examples"]
    validator = contract.validator(pointer + "/schema")
    for name, example in media["examples"].items():
        errors = [e.message for e in validator.iter_errors(example["value"])]
        assert errors == [], name


REQUEST_EXAMPLES = [
    "screening",
    "screeningLastAnswers",
    "diagnosis",
    "diagnosisLevelCodes",
    "screeningEmergency",
    "diagnosisNoEmergency",
    "diagnosisEmergency",
]


def test_the_request_examples_are_these(contract):
    examples = contract.at("/paths/~1api~1v1~1consultations/post/requestBody/content/application~1json/examples")
    assert sorted(examples) == sorted(REQUEST_EXAMPLES)  # the served JSON sorts keys


@pytest.mark.parametrize("name", REQUEST_EXAMPLES)
def test_request_examples_are_answered(client, contract, name):
    example = contract.at(
        f"/paths/~1api~1v1~1consultations/post/requestBody/content/application~1json/examples/{name}/value"
    )
    response = client.post(CONSULTATIONS, json=example)
    assert response.status_code == 201
    contract.check_operation(response, CONSULTATIONS, "POST")


def _outcome(result: dict) -> tuple:
    """What a result concluded and from what, leaving out texts (which follow the KB's wording)."""
    return (
        sorted(result),
        result["mode"],
        result["request_id"],
        result.get("solution"),
        result.get("answers"),
        result.get("diagnosis"),
        result.get("emergency"),
        (result["triage"]["level"], result["triage"]["rule"]),
        result["case_definition"]["suspect"],
        result["case_definition"]["probable"],
        result.get("cf"),
        [(r["code"], r["cf"]) for r in result.get("ranking", [])],
        [(s["code"], s["cf"]) for s in result.get("symptoms", [])],
        [f["rule"] for f in result["trace"]["firings"]],
    )


@pytest.mark.parametrize("name", ["screening", "diagnosis", "screeningEmergency", "diagnosisEmergency"])
def test_response_examples_are_what_the_request_examples_get(client, contract, name):
    request_body = contract.at(
        f"/paths/~1api~1v1~1consultations/post/requestBody/content/application~1json/examples/{name}/value"
    )
    example = contract.at(f"/components/responses/Created/content/application~1json/examples/{name}/value")
    body = client.post(CONSULTATIONS, json=request_body).get_json()
    assert _outcome(body) == _outcome(example)


# --- the document describes the KB the server runs -------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    yield kbase.load()


def _enums(doc: dict) -> dict:
    schemas = doc["components"]["schemas"]
    return {
        "questions": schemas["QuestionCode"]["enum"],
        "required answers": schemas["ScreeningRequest"]["properties"]["answers"]["required"],
        "answers": {
            code: node["enum"]
            for code, node in schemas["ScreeningResult"]["properties"]["answers"]["properties"].items()
        },
        "symptoms": schemas["SymptomCode"]["enum"],
        "scale": schemas["ScaleCf"]["enum"],
        "scale codes": schemas["ScaleCode"]["enum"],
        "languages": schemas["Lang"]["enum"],
        "version": doc["info"]["x-pakar-kb"]["version"],
    }


def test_the_enums_are_the_bundled_kbs_codes(doc, bundled):
    assert _enums(doc) == {
        "questions": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
        "required answers": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
        "answers": {"Q1": ["ya", "ragu", "tidak"], **{f"Q{n}": ["ya", "tidak"] for n in range(2, 7)}},
        "symptoms": [f"GC{n:02d}" for n in range(1, 21)],
        "scale": [0, 0.2, 0.4, 0.6, 0.8, 1],
        "scale codes": ["tidak", "mungkin_tidak", "mungkin_iya", "kemungkinan_besar", "hampir_pasti", "pasti"],
        "languages": ["id", "en"],
        "version": bundled.short_version,
    }


@pytest.fixture
def mini_app(tmp_path, database_url, build_app):
    """An app on the small test KB (two questions, three symptoms, a four-level scale)."""
    yield build_app(database_url, KB_PATH=str(write_kb(tmp_path / "mini-kb", {**MINI_KB, **MINI_KB_OPTIONAL})))


def test_another_kb_gets_its_own_codes_and_examples(mini_app):
    client = mini_app.test_client()
    doc = client.get(OPENAPI).get_json()
    validate(doc)
    with mini_app.app_context():
        mini = knowledge.current()
    assert _enums(doc) == {
        "questions": ["Q1", "Q2"],
        "required answers": ["Q1", "Q2"],
        "answers": {"Q1": ["ya", "tidak"], "Q2": ["ya", "tidak"]},
        "symptoms": ["GC01", "GC02", "GC03"],
        "scale": [0, 0.4, 0.8, 1],
        "scale codes": ["tidak", "mungkin", "besar", "pasti"],
        "languages": ["id", "en"],
        "version": mini.short_version,
    }
    # No triage section: no levels or criteria to list, and both keys of every result are null.
    assert "enum" not in doc["components"]["schemas"]["TriageLevel"]
    assert "enum" not in doc["components"]["schemas"]["CriterionCode"]
    contract = Contract(doc)
    examples = contract.at("/paths/~1api~1v1~1consultations/post/requestBody/content/application~1json/examples")
    assert examples["diagnosis"]["value"]["symptoms"] == {"GC01": 1, "GC02": 0.8, "GC03": 0.4}
    for name, example in examples.items():
        response = client.post(CONSULTATIONS, json=example["value"])
        assert response.status_code == 201, name
        contract.check_operation(response, CONSULTATIONS, "POST")
        assert (response.get_json()["triage"], response.get_json()["case_definition"]) == (None, None), name
    created = contract.at("/components/responses/Created/content/application~1json/examples")
    assert created["diagnosis"]["value"]["kb_version"] == mini.short_version
    assert [r["code"] for r in created["diagnosis"]["value"]["ranking"]] == ["PC01", "PC02"]


def test_the_triage_enums_are_the_bundled_kbs_levels_criteria_and_statuses(contract, bundled):
    assert contract.at("/components/schemas/TriageLevel/enum") == [
        "emergency",
        "see_doctor_today",
        "test_and_isolate",
        "self_care",
    ]
    assert contract.at("/components/schemas/CriterionCode/enum") == [c.code for c in bundled.triage.criteria]
    assert contract.at("/components/schemas/CriterionCode/enum")[:3] == ["emergency_now", "fever", "cough"]
    assert contract.at("/components/schemas/DefinitionStatus/enum") == ["met", "not_met", "unknown"]
    levels = contract.at("/components/schemas/TriageLevel/description")
    assert "`emergency`: Emergency: call 119 or go to the emergency department now" in levels


@pytest.mark.parametrize(
    "pointer",
    [
        "/components/schemas/ScreeningResult",
        "/components/schemas/DiagnosisResult",
        "/components/schemas/ScreeningEmergencyResult",
        "/components/schemas/DiagnosisEmergencyResult",
    ],
)
def test_every_result_schema_requires_triage_and_case_definition(contract, pointer):
    schema = contract.at(pointer)
    assert {"triage", "case_definition"} <= set(schema["required"])
    assert schema["properties"]["triage"]["oneOf"] == [{"$ref": "#/components/schemas/Triage"}, {"type": "null"}]


def test_code_pattern_fits_every_code_of_the_bundled_kb(contract, bundled):
    pattern = re.compile(contract.at("/components/schemas/Code/pattern"))
    codes = (
        [q.code for q in bundled.questions]
        + [a.code for a in bundled.answer_options]
        + [s.code for s in bundled.symptoms]
        + [lv.code for lv in bundled.scale]
        + [h.code for h in bundled.hypotheses]
    )
    assert [c for c in codes if not pattern.match(c)] == []


def test_descriptions_name_the_bundled_questions_symptoms_and_scale(contract, bundled):
    answers = contract.at("/components/schemas/ScreeningRequest/properties/answers/description")
    symptoms = contract.at("/components/schemas/DiagnosisRequest/properties/symptoms/description")
    scale = contract.at("/components/schemas/Certainty/description")
    for question in bundled.questions:
        assert f"{question.code}: {' / '.join(question.answers)}" in answers
    for symptom in bundled.symptoms:
        assert symptom.code in symptoms
    for level in bundled.scale:
        assert f"(`{level.code}`)" in scale


@pytest.mark.parametrize("certainty", [0, 0.2, 0.4, 0.6, 0.8, 1, 1.0, "pasti", "0.8"])
def test_request_schema_accepts_every_form_of_a_certainty(contract, certainty):
    contract.validator("/components/schemas/ConsultationRequest").validate(
        {"mode": "diagnosis", "symptoms": {"GC03": certainty}}
    )


@pytest.mark.parametrize(
    "request_body",
    [
        pytest.param({"mode": "screening", "emergency": True}, id="screening gate yes"),
        pytest.param({"mode": "diagnosis", "emergency": True}, id="diagnosis gate yes"),
        pytest.param({"mode": "diagnosis", "emergency": True, "symptoms": {"GC03": 1}}, id="gate yes with symptoms"),
        pytest.param({"mode": "screening", "emergency": False, "answers": ALL_NO}, id="gate no"),
        pytest.param({"mode": "diagnosis", "emergency": False, "symptoms": {}}, id="gate no, nothing reported"),
    ],
)
def test_request_schema_accepts_what_the_api_answers(client, contract, request_body):
    contract.validator("/components/schemas/ConsultationRequest").validate(request_body)
    assert client.post(CONSULTATIONS, json=request_body).status_code == 201


@pytest.mark.parametrize(
    "request_body",
    [
        {"mode": "diagnosis"},
        {"mode": "diagnosis", "symptoms": {"GC03": 1}, "answers": {}},
        {"mode": "screening", "answers": ALL_NO, "lang": "fr"},
        {"mode": "screening", "answers": ALL_NO, "id": {"a": 1}},
        {"mode": "diagnosis", "symptoms": {"GC03": 1.2}},
        {"mode": "other", "symptoms": {}},
        [],
        {"mode": "screening", "emergency": False},
        {"mode": "diagnosis", "emergency": "yes", "symptoms": {}},
        {"mode": "diagnosis", "emergency": None, "symptoms": {}},
        {"mode": "screening", "emergency": True, "answers": {"Q1": "ya"}},
    ],
    ids=[
        "no symptoms",
        "extra key",
        "lang fr",
        "id object",
        "certainty above 1",
        "bad mode",
        "array",
        "gate no, no answers",
        "emergency text",
        "emergency null",
        "gate yes, answers incomplete",
    ],
)
def test_request_schema_refuses_what_the_api_refuses(client, contract, request_body):
    assert not contract.validator("/components/schemas/ConsultationRequest").is_valid(request_body)
    assert client.post(CONSULTATIONS, json=request_body).status_code == 400


def _screening(**answers):
    return {"mode": "screening", "answers": {**ALL_NO, **answers}}


def _diagnosis(certainty):
    return {"mode": "diagnosis", "symptoms": {"GC03": certainty}}


# Edge bodies: the document and the server must agree on each (schema-valid exactly when the server stores it).
EDGES = {
    "id null": {"mode": "diagnosis", "symptoms": {}, "id": None},
    "id empty text": {"mode": "diagnosis", "symptoms": {}, "id": ""},
    "id fraction": {"mode": "diagnosis", "symptoms": {}, "id": 1.5},
    "id true": {"mode": "diagnosis", "symptoms": {}, "id": True},
    "id list": {"mode": "diagnosis", "symptoms": {}, "id": []},
    "lang null": {"mode": "diagnosis", "symptoms": {}, "lang": None},
    "answers empty": {"mode": "screening", "answers": {}},
    "answers empty, gate yes": {"mode": "screening", "answers": {}, "emergency": True},
    "answers null": {"mode": "screening", "answers": None},
    "answer upper case": _screening(Q1="YA"),
    "answer with spaces": _screening(Q1=" tidak\t"),
    "answer with a line break": _screening(Q1="ragu\r\n"),
    "answer with a no-break space": _screening(Q1="\u00a0ya"),
    "answer with the Kelvin sign": _screening(Q1="TIDA\u212a"),
    "answer unknown": _screening(Q1="maybe"),
    "answer a number": _screening(Q1=1),
    "question unknown": _screening(Q7="ya"),
    "certainty text": _diagnosis("0.8"),
    "certainty text padded": _diagnosis(" 00.80 "),
    "certainty text whole": _diagnosis("1.000"),
    "certainty text zero": _diagnosis("0"),
    "certainty text off the scale": _diagnosis("0.3"),
    "certainty text with exponent": _diagnosis("8e-1"),
    "certainty text with sign": _diagnosis("+0.8"),
    "certainty text with underscore": _diagnosis("0.8_0"),
    "certainty text no leading digit": _diagnosis(".8"),
    "certainty text arabic digits": _diagnosis("\u0661"),
    "certainty number": _diagnosis(0.8),
    "certainty number negative zero": _diagnosis(-0.0),
    "certainty number off the scale": _diagnosis(0.3),
    "certainty code": _diagnosis("pasti"),
    "certainty code upper case": _diagnosis("PASTI"),
    "certainty null": _diagnosis(None),
    "symptoms null": {"mode": "diagnosis", "symptoms": None},
    "emergency null": {"mode": "diagnosis", "emergency": None},
    "mode null": {"mode": None},
    "no mode": {},
    "extra key": {"mode": "diagnosis", "symptoms": {}, "extra": 1},
}


@pytest.mark.parametrize("name", list(EDGES))
def test_the_document_and_the_server_agree_on_edge_bodies(client, contract, name):
    body = EDGES[name]
    valid = contract.validator("/components/schemas/ConsultationRequest").is_valid(body)
    status = client.post(CONSULTATIONS, json=body).status_code
    assert (valid, status) in ((True, 201), (False, 400)), f"schema-valid: {valid}, server: {status}"


# --- every real response fits its declared schema ------------------------------------------------------

# (id, method, url, JSON body or raw text, content type, path template, expected status)
REAL = [
    (
        "screening S1",
        "post",
        CONSULTATIONS,
        {"mode": "screening", "id": "a1", "lang": "en", "answers": {**ALL_NO, "Q1": "ya", "Q4": "ya", "Q5": "ya"}},
        None,
        CONSULTATIONS,
        201,
    ),
    ("screening S3", "post", CONSULTATIONS, {"mode": "screening", "answers": ALL_NO}, None, CONSULTATIONS, 201),
    (
        "diagnosis tie",
        "post",
        CONSULTATIONS,
        {"mode": "diagnosis", "id": 3, "symptoms": {"GC03": 1.0, "GC04": 0.6}},
        None,
        CONSULTATIONS,
        201,
    ),
    ("diagnosis nothing", "post", CONSULTATIONS, {"mode": "diagnosis", "symptoms": {}}, None, CONSULTATIONS, 201),
    (
        "screening gate yes",
        "post",
        CONSULTATIONS,
        {"mode": "screening", "id": "g1", "lang": "en", "emergency": True},
        None,
        CONSULTATIONS,
        201,
    ),
    (
        "diagnosis gate yes",
        "post",
        CONSULTATIONS,
        {"mode": "diagnosis", "emergency": True, "symptoms": {"GC03": 1, "GC06": "pasti"}},
        None,
        CONSULTATIONS,
        201,
    ),
    (
        "screening gate no",
        "post",
        CONSULTATIONS,
        {"mode": "screening", "emergency": False, "answers": {**ALL_NO, "Q4": "ya", "Q5": "ya"}},
        None,
        CONSULTATIONS,
        201,
    ),
    (
        "bad emergency",
        "post",
        CONSULTATIONS,
        {"mode": "diagnosis", "id": 4, "emergency": "ya", "symptoms": {}},
        None,
        CONSULTATIONS,
        400,
    ),
    (
        "diagnosis codes",
        "post",
        CONSULTATIONS,
        {"mode": "diagnosis", "id": 2.5, "lang": "en", "symptoms": {"GC10": "pasti", "GC13": "hampir_pasti"}},
        None,
        CONSULTATIONS,
        201,
    ),
    (
        "unknown symptom",
        "post",
        CONSULTATIONS,
        {"mode": "diagnosis", "id": "x", "symptoms": {"GC99": 1}},
        None,
        CONSULTATIONS,
        400,
    ),
    (
        "bad certainty",
        "post",
        CONSULTATIONS,
        {"mode": "diagnosis", "symptoms": {"GC03": 0.5}},
        None,
        CONSULTATIONS,
        400,
    ),
    (
        "missing answer",
        "post",
        CONSULTATIONS,
        {"mode": "screening", "id": 9, "answers": {"Q1": "ya"}},
        None,
        CONSULTATIONS,
        400,
    ),
    ("bad mode", "post", CONSULTATIONS, {"mode": "triage"}, None, CONSULTATIONS, 400),
    (
        "bad lang in body",
        "post",
        CONSULTATIONS,
        {"mode": "diagnosis", "lang": "jv", "symptoms": {}},
        None,
        CONSULTATIONS,
        400,
    ),
    ("bad id", "post", CONSULTATIONS, {"mode": "diagnosis", "id": [], "symptoms": {}}, None, CONSULTATIONS, 400),
    ("array", "post", CONSULTATIONS, "[]", "application/json", CONSULTATIONS, 400),
    ("bad json", "post", CONSULTATIONS, "{", "application/json", CONSULTATIONS, 400),
    (
        "NaN",
        "post",
        CONSULTATIONS,
        '{"mode": "diagnosis", "symptoms": {"GC03": NaN}}',
        "application/json",
        CONSULTATIONS,
        400,
    ),
    (
        "duplicate key",
        "post",
        CONSULTATIONS,
        '{"mode": "diagnosis", "mode": "diagnosis"}',
        "application/json",
        CONSULTATIONS,
        400,
    ),
    (
        "bad lang in query",
        "post",
        f"{CONSULTATIONS}?lang=fr",
        {"mode": "diagnosis", "symptoms": {}},
        None,
        CONSULTATIONS,
        400,
    ),
    ("too large", "post", CONSULTATIONS, " " * (64 * 1024 + 1), "application/json", CONSULTATIONS, 413),
    ("not json", "post", CONSULTATIONS, "mode=diagnosis", "application/x-www-form-urlencoded", CONSULTATIONS, 415),
    ("read unknown", "get", f"{CONSULTATIONS}/{UNKNOWN_ID}?lang=en", None, None, ONE, 404),
    ("read bad lang", "get", f"{CONSULTATIONS}/{UNKNOWN_ID}?lang=fr", None, None, ONE, 400),
    ("delete unknown", "delete", f"{CONSULTATIONS}/{UNKNOWN_ID}", None, None, ONE, 404),
    ("delete bad lang", "delete", f"{CONSULTATIONS}/{UNKNOWN_ID}?lang=fr", None, None, ONE, 400),
    ("kb id", "get", KB, None, None, KB, 200),
    ("kb en", "get", f"{KB}?lang=en", None, None, KB, 200),
    ("kb bad lang", "get", f"{KB}?lang=fr", None, None, KB, 400),
    ("openapi", "get", "/api/v1/openapi.json", None, None, "/api/v1/openapi.json", 200),
    # Not operations of the document: these fit the shared responses it declares for any /api/ request.
    ("unknown path", "get", "/api/v1/consultation", None, None, "#/components/responses/UnknownPath", 404),
    ("wrong method", "get", CONSULTATIONS, None, None, "#/components/responses/MethodNotAllowed", 405),
    (
        "wrong method on one",
        "put",
        f"{CONSULTATIONS}/{UNKNOWN_ID}",
        None,
        None,
        "#/components/responses/MethodNotAllowed",
        405,
    ),
]


def _send(client, method, url, body, content_type):
    if isinstance(body, (dict, list)):
        return getattr(client, method)(url, json=body)
    if body is not None:
        return getattr(client, method)(url, data=body, content_type=content_type)
    return getattr(client, method)(url)


def _check(contract, response, method, template):
    if template.startswith("#"):
        contract.check(response, template.removeprefix("#"))
    else:
        contract.check_operation(response, template, method)


@pytest.mark.parametrize(
    "method, url, body, content_type, template, status", [r[1:] for r in REAL], ids=[r[0] for r in REAL]
)
def test_real_response_fits_the_documented_schema(client, contract, method, url, body, content_type, template, status):
    response = _send(client, method, url, body, content_type)
    assert response.status_code == status
    _check(contract, response, method, template)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_stored_result_read_and_deleted_fit_the_documented_schemas(client, contract, lang):
    for request_body in (
        {"mode": "screening", "lang": lang, "answers": {**ALL_NO, "Q2": "ya"}},
        {"mode": "diagnosis", "lang": lang, "symptoms": {"GC01": 0.8, "GC03": 0.6, "GC04": 0.4}},
        {"mode": "screening", "lang": lang, "emergency": True},
        {"mode": "diagnosis", "lang": lang, "emergency": True, "symptoms": {"GC06": 1}},
    ):
        created = client.post(CONSULTATIONS, json=request_body)
        contract.check_operation(created, CONSULTATIONS, "POST")
        url = f"{CONSULTATIONS}/{created.get_json()['id']}?lang={lang}"
        read = client.get(url)
        assert read.status_code == 200
        contract.check_operation(read, ONE, "GET")
        deleted = client.delete(url)
        assert deleted.status_code == 204
        contract.check_operation(deleted, ONE, "DELETE")


@pytest.mark.parametrize("mode", ["screening", "diagnosis"])
def test_a_result_stored_before_triage_existed_reads_with_both_keys_null(app, client, contract, mode):
    """A row stored before issue 8 has no ``triage``/``case_definition`` and no assessment in its trace: the
    GET fills both keys with null (its KB had no triage section) and the body fits the document."""
    body = {"mode": "screening", "answers": ALL_NO} if mode == "screening" else {"mode": "diagnosis", "symptoms": {}}
    with app.app_context():
        result = knowledge.answer(body)
        old = {k: v for k, v in result.items() if k not in ("triage", "case_definition")}
        old["trace"] = {k: v for k, v in result["trace"].items() if k != "assessment"}
        token = store.save(body, old, for_other=False)
    read = client.get(f"{CONSULTATIONS}/{token}")
    assert read.status_code == 200
    contract.check_operation(read, ONE, "GET")
    got = read.get_json()
    assert (got["triage"], got["case_definition"]) == (None, None)
    assert "assessment" not in got["trace"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_idempotency_key_answers_fit_the_documented_schemas(client, contract, lang):
    """A repeat answers the documented 201 again, a bad key the 400, another body with the key the 422."""
    body = {"mode": "screening", "lang": lang, "answers": ALL_NO}
    key = {"Idempotency-Key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"'}
    first, again = (client.post(CONSULTATIONS, json=body, headers=key) for _ in range(2))
    for response in (first, again):
        assert response.status_code == 201
        contract.check_operation(response, CONSULTATIONS, "POST")
    assert again.get_json() == first.get_json()
    bad = client.post(CONSULTATIONS, json=body, headers={"Idempotency-Key": '""'})
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (400, "bad_idempotency_key")
    contract.check_operation(bad, CONSULTATIONS, "POST")
    reused = client.post(CONSULTATIONS, json={**body, "answers": {**ALL_NO, "Q2": "ya"}}, headers=key)
    assert (reused.status_code, reused.get_json()["error"]["code"]) == (422, "idempotency_key_reused")
    contract.check_operation(reused, CONSULTATIONS, "POST")


def _broken(*args, **kwargs):
    raise RuntimeError("database down")


@pytest.mark.parametrize(
    "module, name, method, url, template",
    [
        (store, "record", "post", CONSULTATIONS, CONSULTATIONS),
        (store, "get", "get", f"{CONSULTATIONS}/{UNKNOWN_ID}", ONE),
        (store, "remove", "delete", f"{CONSULTATIONS}/{UNKNOWN_ID}", ONE),
        (knowledge, "describe", "get", KB, KB),
    ],
    ids=["post", "get", "delete", "kb"],
)
def test_a_fault_on_our_side_fits_the_documented_500(
    client, contract, monkeypatch, module, name, method, url, template
):
    monkeypatch.setattr(module, name, _broken)
    response = _send(client, method, url, {"mode": "diagnosis", "symptoms": {}} if method == "post" else None, None)
    assert response.status_code == 500
    contract.check_operation(response, template, method)


def _outage(*args, **kwargs):
    raise OperationalError("SELECT 1", None, Exception("server closed the connection unexpectedly"))


@pytest.mark.parametrize(
    "name, method, url, template",
    [
        ("record", "post", CONSULTATIONS, CONSULTATIONS),
        ("get", "get", f"{CONSULTATIONS}/{UNKNOWN_ID}", ONE),
        ("remove", "delete", f"{CONSULTATIONS}/{UNKNOWN_ID}", ONE),
    ],
    ids=["post", "get", "delete"],
)
def test_the_database_unavailable_fits_the_documented_503(client, contract, monkeypatch, name, method, url, template):
    monkeypatch.setattr(store, name, _outage)
    response = _send(client, method, url, {"mode": "diagnosis", "symptoms": {}} if method == "post" else None, None)
    assert (response.status_code, response.get_json()["error"]["code"]) == (503, "unavailable")
    contract.check_operation(response, template, method)


# Every operation, once over its limit (webui.limits): the document's 429 with Retry-After.
RATE_LIMITED = [
    ("post", "post", CONSULTATIONS, CONSULTATIONS),
    ("read", "get", f"{CONSULTATIONS}/{UNKNOWN_ID}", ONE),
    ("delete", "delete", f"{CONSULTATIONS}/{UNKNOWN_ID}", ONE),
    ("kb", "get", KB, KB),
    ("openapi", "get", OPENAPI, OPENAPI),
]


@pytest.mark.parametrize("method, url, template", [r[1:] for r in RATE_LIMITED], ids=[r[0] for r in RATE_LIMITED])
def test_over_a_limit_fits_the_documented_429(app_factory, contract, method, url, template):
    client = app_factory(RATELIMIT_CONSULTATIONS="1/minute", RATELIMIT_DEFAULT="1/minute").test_client()
    body = {"mode": "screening", "emergency": True} if method == "post" else None
    _send(client, method, url, body, None)
    response = _send(client, method, url, body, None)
    assert (response.status_code, response.get_json()["error"]["code"]) == (429, "rate_limited")
    contract.check_operation(response, template, method)


def test_every_declared_response_is_exercised_above(doc):
    """Each (path, method, status) the document declares is met by a real request in this module."""
    exercised = {(r[5], r[1].upper(), str(r[6])) for r in REAL if not r[5].startswith("#")}
    exercised |= {(ONE, "GET", "200"), (ONE, "DELETE", "204")}  # the stored-result test
    exercised |= {
        (t, m.upper(), "500") for t, m in [(CONSULTATIONS, "post"), (ONE, "get"), (ONE, "delete"), (KB, "get")]
    }  # the fault test
    exercised |= {(t, m.upper(), "503") for t, m in [(CONSULTATIONS, "post"), (ONE, "get"), (ONE, "delete")]}
    exercised |= {(CONSULTATIONS, "POST", "422")}  # the Idempotency-Key test
    exercised |= {(t, m.upper(), "429") for _name, m, _url, t in RATE_LIMITED}  # the rate-limit test
    declared = {
        (path, method.upper(), status)
        for path, item in doc["paths"].items()
        for method in set(item) & HTTP_METHODS
        if "security" not in item[method]  # the staff API's operations: tests/webui/staff/test_staff_openapi.py
        for status in item[method]["responses"]
    }
    assert declared == exercised
