"""The JSON API v1 on SQLite and PostgreSQL: the `pakar batch` contract over HTTP, stored results, the KB's
forms, and a JSON error (never a 500, never a stored row) for every kind of bad input."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import event

import rules
from rules.cli import batch
from webui import knowledge, store
from webui.extensions import db

API = "/api/v1"
POST_URL = f"{API}/consultations"
ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}
DIAGNOSIS = {"mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 0.6}}
ADDED = {"id", "url", "request_id", "created_at"}  # what the API adds to a `pakar batch` result
ID_SHAPE = re.compile(r"^[A-Za-z0-9_-]{24}$")
UNKNOWN_ID = "A" * 24  # well formed, never issued


@pytest.fixture
def engine_answer(app):
    """What `pakar batch` answers to a request line (the same KB as the app, decimals read exactly)."""

    def answer(request: dict) -> dict:
        with app.app_context():
            return rules.consult(knowledge.current(), json.loads(json.dumps(request), parse_float=Decimal))

    yield answer


def _post(client, body, **kwargs):
    return client.post(POST_URL, json=body, **kwargs)


def _raw_post(client, data, content_type="application/json", url=POST_URL):
    return client.post(url, data=data, content_type=content_type)


# --- the round trip ------------------------------------------------------------------------------------


def test_round_trip_post_get_delete_then_gone(client, row_count):
    created = _post(client, DIAGNOSIS)
    assert created.status_code == 201
    body = created.get_json()
    assert row_count() == 1

    read = client.get(f"{POST_URL}/{body['id']}")
    assert read.status_code == 200
    assert read.get_json() == body

    deleted = client.delete(f"{POST_URL}/{body['id']}")
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert row_count() == 0

    for again in (client.get(f"{POST_URL}/{body['id']}"), client.delete(f"{POST_URL}/{body['id']}")):
        assert again.status_code == 404
        assert again.get_json() == {
            "error": {
                "code": "not_found",
                "message": "Tidak ada hasil tersimpan dengan id itu (mungkin sudah dihapus).",
            }
        }


def test_created_answer_points_at_the_result_page(client):
    created = _post(client, DIAGNOSIS)
    body = created.get_json()
    assert ID_SHAPE.match(body["id"])
    assert body["url"] == f"http://localhost/r/{body['id']}"
    assert created.headers["Location"] == body["url"]
    assert created.headers["Cache-Control"] == "no-store"
    assert client.get(body["url"]).status_code == 200
    assert client.get(f"{POST_URL}/{body['id']}").headers["Cache-Control"] == "no-store"


def test_ids_are_24_url_safe_characters_and_differ_for_the_same_request(client, row_count):
    first = _post(client, DIAGNOSIS).get_json()["id"]
    second = _post(client, DIAGNOSIS).get_json()["id"]
    assert ID_SHAPE.match(first) and ID_SHAPE.match(second)
    assert first != second
    assert row_count() == 2


def test_created_at_is_utc_with_its_offset_on_both_backends(client):
    body = _post(client, DIAGNOSIS).get_json()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$", body["created_at"])
    assert client.get(f"{POST_URL}/{body['id']}").get_json()["created_at"] == body["created_at"]


# --- the result is `pakar batch`'s ---------------------------------------------------------------------

REQUESTS = {
    "screening S1, English, text id": {
        "mode": "screening",
        "id": "visit-17",
        "lang": "en",
        "answers": {**ALL_NO, "Q1": "ragu", "Q4": "ya", "Q5": "ya"},
    },
    "screening all no": {"mode": "screening", "answers": ALL_NO},
    "screening, answers in capitals": {"mode": "screening", "answers": {**ALL_NO, "Q2": " YA "}},
    "diagnosis tie on KB order": DIAGNOSIS,
    "diagnosis cf-combo, number id": {
        "mode": "diagnosis",
        "id": 42,
        "symptoms": {"GC01": 0.8, "GC03": 0.6, "GC04": 0.4},
    },
    "diagnosis level codes, decimal id": {
        "mode": "diagnosis",
        "id": 1.5,
        "lang": "en",
        "symptoms": {"GC03": "pasti", "GC04": "kemungkinan_besar", "GC05": "tidak"},
    },
    "diagnosis nothing reported": {"mode": "diagnosis", "symptoms": {}},
    "screening, gate answered no": {"mode": "screening", "emergency": False, "answers": ALL_NO},
    "screening, gate answered yes": {"mode": "screening", "id": "g1", "lang": "en", "emergency": True},
    "diagnosis, gate answered yes with symptoms": {"mode": "diagnosis", "emergency": True, "symptoms": {"GC06": 1}},
}


@pytest.mark.parametrize("request_body", REQUESTS.values(), ids=REQUESTS.keys())
def test_post_result_is_the_batch_result_plus_the_receipt(client, engine_answer, request_body):
    body = _post(client, request_body).get_json()
    expected = engine_answer(request_body)
    assert {k: v for k, v in body.items() if k not in ADDED} == {k: v for k, v in expected.items() if k != "id"}
    assert body["request_id"] == expected["id"] == request_body.get("id")
    assert set(body) == set(expected) | ADDED


@pytest.mark.parametrize("request_body", REQUESTS.values(), ids=REQUESTS.keys())
def test_get_answers_the_body_the_post_answered(client, request_body):
    body = _post(client, request_body).get_json()
    assert client.get(f"{POST_URL}/{body['id']}").get_json() == body


# Exact expectations from kb/covid19/cases.yaml (cf-single, cf-combo, T3-R96, T3-R1) and the README.
KNOWN = [
    pytest.param(
        DIAGNOSIS,
        {
            "diagnosis": "PC01",
            "name": "Suspek COVID-19",
            "cf": 1.0,
            "percent": 100.0,
            "cf_text": "1",
            "percent_text": "100",
            "tie_break": "kb_order",
            "request_id": None,
        },
        [("PC01", 1.0, 2), ("PC02", 1.0, 2)],
        id="GC03=1 GC04=0.6: tie, KB order",
    ),
    pytest.param(
        {"mode": "diagnosis", "symptoms": {"GC03": 0.8}},
        {"diagnosis": "PC01", "cf": 0.8, "percent": 80.0, "tie_break": "kb_order"},
        [("PC01", 0.8, 1), ("PC02", 0.8, 1)],
        id="cf-single",
    ),
    pytest.param(
        {"mode": "diagnosis", "id": 42, "symptoms": {"GC01": 0.8, "GC03": 0.6, "GC04": 0.4}},
        {"diagnosis": "PC01", "cf": 0.9136, "percent": 91.36, "cf_text": "0.9136", "tie_break": None, "request_id": 42},
        [("PC01", 0.9136, 3), ("PC02", 0.76, 2)],
        id="cf-combo",
    ),
    pytest.param(
        {"mode": "diagnosis", "lang": "en", "symptoms": {"GC03": 0.8, "GC04": 0.4, "GC08": 0.6}},
        {"diagnosis": "PC02", "name": "Probable COVID-19", "cf": 0.9232, "percent": 92.32, "lang": "en"},
        [("PC02", 0.9232, 3), ("PC01", 0.88, 2)],
        id="README line 2",
    ),
    pytest.param(
        {"mode": "diagnosis", "symptoms": {}},
        {"diagnosis": None, "name": None, "cf": 0, "percent": 0, "tie_break": None, "why": None},
        [],
        id="no-symptoms",
    ),
]


@pytest.mark.parametrize("request_body, fields, ranking", KNOWN)
def test_diagnosis_exact_values(client, request_body, fields, ranking):
    body = _post(client, request_body).get_json()
    assert {k: body[k] for k in fields} == fields
    assert [(r["code"], r["cf"], r["evidence"]) for r in body["ranking"]] == ranking


@pytest.mark.parametrize(
    "answers, solution, title, hotline",
    [
        (ALL_NO, "S3", "Tidak ada tanda COVID-19 dari jawaban Anda", None),
        (
            {**ALL_NO, "Q1": "ya", "Q4": "ya", "Q5": "ya"},
            "S1",
            "Jawaban Anda cocok dengan tanda COVID-19 yang paling serius dalam model ini",
            {"name": "Halo Kemenkes", "number": "1500-567"},
        ),
        ({**ALL_NO, "Q6": "ya"}, "S2", "Ada kemungkinan Anda tertular COVID-19", None),
    ],
    ids=["T3-R96 all no", "T3-R1 pattern", "sore throat only"],
)
def test_screening_exact_values(client, answers, solution, title, hotline):
    body = _post(client, {"mode": "screening", "answers": answers}).get_json()
    assert (body["solution"], body["title"], body["hotline"]) == (solution, title, hotline)
    assert body["answers"] == answers


# Triage and the official case definitions (kb/covid19/triage.yaml): (level, deciding rule, suspect, probable).
TRIAGE = [
    pytest.param({"mode": "screening", "answers": ALL_NO}, ("self_care", None, "not_met", "not_met"), id="all no"),
    pytest.param(
        {"mode": "screening", "answers": {**ALL_NO, "Q1": "ya", "Q4": "ya", "Q5": "ya"}},
        ("see_doctor_today", "T04", "met", "unknown"),
        id="contact, fever, short of breath",
    ),
    pytest.param(
        {"mode": "screening", "answers": {**ALL_NO, "Q1": "ya", "Q2": "ya", "Q4": "ya"}},
        ("test_and_isolate", "T07", "met", "unknown"),
        id="contact, dry cough, fever",
    ),
    pytest.param(
        {"mode": "diagnosis", "symptoms": {"GC03": 1, "GC04": 1, "GC05": 1}},
        ("test_and_isolate", "T07", "met", "unknown"),
        id="fever, dry cough, certain contact",
    ),
    pytest.param(DIAGNOSIS, ("test_and_isolate", "T08", "unknown", "unknown"), id="fever, likely dry cough"),
    pytest.param(
        {"mode": "diagnosis", "symptoms": {"GC06": 1, "GC08": 1, "GC20": 1}},
        ("emergency", "T02", "not_met", "not_met"),
        id="three red flags",
    ),
    pytest.param(
        {"mode": "diagnosis", "symptoms": {"GC13": 1}}, ("self_care", None, "not_met", "not_met"), id="diabetes"
    ),
    pytest.param({"mode": "screening", "emergency": True}, ("emergency", "T01", "unknown", "unknown"), id="gate yes"),
    pytest.param(
        {"mode": "diagnosis", "emergency": True, "symptoms": {"GC03": 1}},
        ("emergency", "T01", "unknown", "unknown"),
        id="gate yes, diagnosis",
    ),
]


@pytest.mark.parametrize("request_body, expected", TRIAGE)
def test_every_result_carries_triage_and_the_case_definition(client, request_body, expected):
    body = _post(client, request_body).get_json()
    triage, definition = body["triage"], body["case_definition"]
    assert (triage["level"], triage["rule"], definition["suspect"], definition["probable"]) == expected
    assert set(triage) == {"level", "rule", "title", "advice"}
    assert definition["source"] == (
        "Definisi kasus Kementerian Kesehatan (KMK HK.01.07/MENKES/413/2020, revisi 5, 2020)"
    )
    assert client.get(f"{POST_URL}/{body['id']}").get_json() == body


@pytest.mark.parametrize(
    "lang, title, source",
    [
        (
            "id",
            "Darurat: hubungi 119 atau segera ke IGD sekarang",
            "Definisi kasus Kementerian Kesehatan (KMK HK.01.07/MENKES/413/2020, revisi 5, 2020)",
        ),
        (
            "en",
            "Emergency: call 119 or go to the emergency department now",
            "Indonesian Ministry of Health case definition (KMK HK.01.07/MENKES/413/2020, revision 5, 2020)",
        ),
    ],
)
@pytest.mark.parametrize("mode", ["screening", "diagnosis"])
def test_the_gate_answered_yes_is_the_emergency_result(client, row_count, mode, lang, title, source):
    body = _post(client, {"mode": mode, "lang": lang, "emergency": True}).get_json()
    assert row_count() == 1
    assert body["emergency"] is True
    assert body["triage"]["title"] == title
    assert body["case_definition"] == {"suspect": "unknown", "probable": "unknown", "source": source}
    assert body["hotline"]["number"] == "119"
    if mode == "screening":
        assert (body["solution"], body["answers"]) == (None, {})
    else:
        assert (body["diagnosis"], body["ranking"], body["symptoms"]) == (None, [], [])


def test_what_is_stored_is_the_request_and_the_result(app, client):
    body = _post(client, {"mode": "diagnosis", "id": "r1", "symptoms": {"GC03": 1.0, "GC04": "kemungkinan_besar"}})
    token = body.get_json()["id"]
    with app.app_context():
        row = store.get(token)
        assert row.request == {"mode": "diagnosis", "id": "r1", "symptoms": {"GC03": 1.0, "GC04": "kemungkinan_besar"}}
        assert (row.mode, row.outcome, row.lang, row.for_other) == ("diagnosis", "PC01", "id", False)
        assert row.trace == body.get_json()["trace"]


# --- GET /api/v1/kb ------------------------------------------------------------------------------------

KB_TEXTS = {
    "id": {
        "answers": ["Ya", "Ragu-ragu", "Tidak"],
        "Q2": "Apakah Anda sedang batuk kering?",
        "Q2 help": "Batuk kering adalah batuk yang tidak mengeluarkan dahak.",
        "GC03": "Demam di atas 38 °C",
        "top level": "Pasti Iya",
        "PC01": "Suspek COVID-19",
        "title": "Deteksi Dini COVID-19",
        "E-title": "Tanda bahaya: segera ke IGD atau hubungi 119",
        "gate": "Apakah Anda (atau orang yang Anda dampingi) mengalami salah satu tanda ini sekarang?",
        "disclaimer": "Pakar hanyalah alat bantu skrining, bukan diagnosis.",
    },
    "en": {
        "answers": ["Yes", "Not sure", "No"],
        "Q2": "Do you have a dry cough?",
        "Q2 help": "A dry cough is a cough that brings up no phlegm.",
        "GC03": "Fever above 38 °C",
        "top level": "Certainly",
        "PC01": "Suspect COVID-19",
        "title": "COVID-19 Early Detection",
        "E-title": "Danger signs: go to the emergency department or call 119 now",
        "gate": "Do you (or the person you are helping) have any of these signs right now?",
        "disclaimer": "Pakar is only a screening aid, not a diagnosis.",
    },
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_kb_in_each_language(client, lang):
    response = client.get(f"{API}/kb?lang={lang}")
    assert response.status_code == 200
    body = response.get_json()
    texts = KB_TEXTS[lang]
    assert body["lang"] == lang
    assert (body["kb"]["id"], body["kb"]["label"], body["kb"]["title"]) == ("covid19", "1.0.0", texts["title"])
    assert body["disclaimer"].startswith(texts["disclaimer"])
    screening, diagnosis = body["screening"], body["diagnosis"]
    assert [q["code"] for q in screening["questions"]] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    assert screening["questions"][0]["answers"] == ["ya", "ragu", "tidak"]
    assert screening["questions"][1] == {
        "code": "Q2",
        "text": texts["Q2"],
        "help": texts["Q2 help"],
        "answers": ["ya", "tidak"],
    }
    assert screening["questions"][2]["help"] is None
    assert [(a["code"], a["label"]) for a in screening["answers"]] == list(
        zip(["ya", "ragu", "tidak"], texts["answers"], strict=True)
    )
    assert [s["code"] for s in diagnosis["symptoms"]] == [f"GC{n:02d}" for n in range(1, 21)]
    assert (diagnosis["symptoms"][2]["name"], diagnosis["symptoms"][2]["category"]) == (texts["GC03"], "general")
    assert [(lv["code"], lv["cf"]) for lv in diagnosis["scale"]] == [
        ("tidak", 0.0),
        ("mungkin_tidak", 0.2),
        ("mungkin_iya", 0.4),
        ("kemungkinan_besar", 0.6),
        ("hampir_pasti", 0.8),
        ("pasti", 1.0),
    ]
    assert diagnosis["scale"][-1]["label"] == texts["top level"]
    assert [(h["code"], h["name"]) for h in diagnosis["hypotheses"]] == [
        ("PC01", texts["PC01"]),
        ("PC02", "Probable COVID-19"),
    ]
    assert body["emergency"]["title"] == texts["E-title"]
    assert body["emergency"]["question"] == texts["gate"]
    assert body["emergency"]["hotline"]["number"] == "119"
    assert [s["code"] for s in body["emergency"]["signs"]] == ["E01", "E02", "E03", "E04", "E05", "E06"]


def test_kb_is_indonesian_by_default(client):
    assert client.get(f"{API}/kb").get_json() == client.get(f"{API}/kb?lang=id").get_json()


def test_kb_symptom_categories_cover_every_symptom(client):
    diagnosis = client.get(f"{API}/kb").get_json()["diagnosis"]
    assert {s["category"] for s in diagnosis["symptoms"]} == set(diagnosis["categories"])
    assert len(diagnosis["categories"]) == 8


# --- bad input: an exact status and code, and nothing stored -------------------------------------------


def _json(obj) -> str:
    return json.dumps(obj)


SCREENING_OK = {"mode": "screening", "answers": ALL_NO}
BAD_BODIES = [
    # (id, raw body, content type, status, code)
    ("text/plain", "x", "text/plain", 415, "not_json"),
    ("form post", "mode=diagnosis", "application/x-www-form-urlencoded", 415, "not_json"),
    ("JSON without a content type", _json(DIAGNOSIS), None, 415, "not_json"),
    ("empty body", "", "application/json", 400, "bad_json"),
    ("truncated", '{"mode": "diagnosis", "symptoms": {', "application/json", 400, "bad_json"),
    ("trailing comma", '{"mode": "diagnosis",}', "application/json", 400, "bad_json"),
    ("single quotes", "{'mode': 'diagnosis'}", "application/json", 400, "bad_json"),
    ("two documents", _json(DIAGNOSIS) * 2, "application/json", 400, "bad_json"),
    ("NaN", '{"mode": "diagnosis", "symptoms": {"GC03": NaN}}', "application/json", 400, "bad_json"),
    ("Infinity", '{"mode": "diagnosis", "symptoms": {"GC03": Infinity}}', "application/json", 400, "bad_json"),
    ("-Infinity id", '{"mode": "diagnosis", "id": -Infinity, "symptoms": {}}', "application/json", 400, "bad_json"),
    ("1e400", '{"mode": "diagnosis", "symptoms": {"GC03": 1e400}}', "application/json", 400, "bad_json"),
    ("1e-400", '{"mode": "diagnosis", "symptoms": {"GC03": 1e-400}}', "application/json", 400, "bad_json"),
    (
        "exponent of a billion",
        '{"mode": "diagnosis", "symptoms": {"GC03": 1e999999999}}',
        "application/json",
        400,
        "bad_json",
    ),
    (
        "400-digit integer id",
        '{"mode": "diagnosis", "id": 1' + "0" * 400 + ', "symptoms": {}}',
        "application/json",
        400,
        "bad_json",
    ),
    (
        "5000-digit integer",
        '{"mode": "diagnosis", "symptoms": {"GC03": 1' + "0" * 5000 + "}}",
        "application/json",
        400,
        "bad_json",
    ),
    (
        "duplicate mode",
        '{"mode": "screening", "mode": "diagnosis", "symptoms": {}}',
        "application/json",
        400,
        "bad_json",
    ),
    (
        "duplicate symptom",
        '{"mode": "diagnosis", "symptoms": {"GC03": 1, "GC03": 0}}',
        "application/json",
        400,
        "bad_json",
    ),
    (
        "nested 5000 deep",
        '{"mode": "diagnosis", "id": ' + "[" * 5000 + "]" * 5000 + "}",
        "application/json",
        400,
        "bad_json",
    ),
    ("not UTF-8", b'{"mode": "diagnosis", "id": "\xff", "symptoms": {}}', "application/json", 400, "bad_json"),
    ("UTF-16", _json(DIAGNOSIS).encode("utf-16"), "application/json", 400, "bad_json"),
    ("array", "[]", "application/json", 400, "not_an_object"),
    ("array of a request", _json([DIAGNOSIS]), "application/json", 400, "not_an_object"),
    ("number", "3", "application/json", 400, "not_an_object"),
    ("string", '"diagnosis"', "application/json", 400, "not_an_object"),
    ("null", "null", "application/json", 400, "not_an_object"),
    ("true", "true", "application/json", 400, "not_an_object"),
]


@pytest.mark.parametrize(
    "data, content_type, status, code", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES]
)
def test_bad_body(client, row_count, data, content_type, status, code):
    response = _raw_post(client, data, content_type)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": {"code": code, "message": response.get_json()["error"]["message"]}}
    assert row_count() == 0


@pytest.mark.parametrize(
    "data",
    [
        pytest.param('{"mode": "screening", "mode": "diagnosis", "symptoms": {}}', id="duplicate mode"),
        pytest.param('{"mode": "diagnosis", "symptoms": {"GC03": 1, "GC03": 0}}', id="duplicate symptom"),
        pytest.param('{"mode": "diagnosis", "symptoms": {"GC03": NaN}}', id="NaN"),
        pytest.param('{"mode": "diagnosis", "symptoms": {"GC03": 1e400}}', id="1e400"),
        pytest.param('{"mode": "diagnosis", "id": ' + "[" * 40 + "]" * 40 + ', "symptoms": {}}', id="nested 40 deep"),
        pytest.param('{"mode": "diagnosis",}', id="trailing comma"),
    ],
)
def test_the_api_and_pakar_batch_refuse_the_same_text_with_the_same_message(client, row_count, data):
    """One JSON reader: what the API refuses as bad_json, `pakar batch` refuses as invalid_json, in the same words."""
    response = _raw_post(client, data)
    line, failed = batch.answer_line(knowledge_of(client), data)
    assert response.status_code == 400 and failed
    api_error = response.get_json()["error"]
    assert api_error["code"] == "bad_json"
    assert json.loads(line) == {"id": None, "error": {"code": "invalid_json", "message": api_error["message"]}}
    assert row_count() == 0


def knowledge_of(client):
    """The KB the client's app serves."""
    with client.application.app_context():
        return knowledge.current()


BAD_REQUESTS = [
    # (id, request, code)
    ("empty object", {}, "missing_mode"),
    ("mode null", {"mode": None, "symptoms": {}}, "missing_mode"),
    ("mode in capitals", {"mode": "Diagnosis", "symptoms": {}}, "bad_mode"),
    ("mode a number", {"mode": 1, "symptoms": {}}, "bad_mode"),
    ("mode a list", {"mode": ["screening"], "answers": ALL_NO}, "bad_mode"),
    ("lang fr", {**DIAGNOSIS, "lang": "fr"}, "bad_lang"),
    ("lang a list", {**DIAGNOSIS, "lang": ["en"]}, "bad_lang"),
    ("lang null", {**DIAGNOSIS, "lang": None}, "bad_lang"),
    ("lang a number", {**DIAGNOSIS, "lang": 1}, "bad_lang"),
    ("id an object", {**DIAGNOSIS, "id": {"a": 1}}, "bad_id"),
    ("id a list", {**DIAGNOSIS, "id": [1]}, "bad_id"),
    ("id true", {**DIAGNOSIS, "id": True}, "bad_id"),
    ("symptoms in a screening", {**SCREENING_OK, "symptoms": {}}, "unexpected_key"),
    ("answers in a diagnosis", {**DIAGNOSIS, "answers": ALL_NO}, "unexpected_key"),
    ("unknown key", {**DIAGNOSIS, "extra": {"deep": [[{"x": None}]]}}, "unexpected_key"),
    ("no answers", {"mode": "screening"}, "missing_answers"),
    ("answers a list", {"mode": "screening", "answers": ["tidak"] * 6}, "missing_answers"),
    ("answer null", {"mode": "screening", "answers": {**ALL_NO, "Q6": None}}, "bad_answer"),
    ("Q6 left out", {"mode": "screening", "answers": {k: v for k, v in ALL_NO.items() if k != "Q6"}}, "missing_answer"),
    ("unknown question", {"mode": "screening", "answers": {**ALL_NO, "Q7": "ya"}}, "unknown_question"),
    ("ragu where only ya/tidak", {"mode": "screening", "answers": {**ALL_NO, "Q2": "ragu"}}, "bad_answer"),
    ("answer a number", {"mode": "screening", "answers": {**ALL_NO, "Q1": 1}}, "bad_answer"),
    ("answer a list", {"mode": "screening", "answers": {**ALL_NO, "Q1": ["ya"]}}, "bad_answer"),
    ("no symptoms", {"mode": "diagnosis"}, "missing_symptoms"),
    ("symptoms a list", {"mode": "diagnosis", "symptoms": ["GC03"]}, "missing_symptoms"),
    ("symptoms text", {"mode": "diagnosis", "symptoms": "GC03"}, "missing_symptoms"),
    ("symptom in lower case", {"mode": "diagnosis", "symptoms": {"gc03": 1}}, "unknown_symptom"),
    ("GC21", {"mode": "diagnosis", "symptoms": {"GC21": 1}}, "unknown_symptom"),
    ("empty symptom code", {"mode": "diagnosis", "symptoms": {"": 1}}, "unknown_symptom"),
    ("certainty 0.5", {"mode": "diagnosis", "symptoms": {"GC03": 0.5}}, "bad_certainty"),
    ("certainty 1.2", {"mode": "diagnosis", "symptoms": {"GC03": 1.2}}, "bad_certainty"),
    ("certainty -0.2", {"mode": "diagnosis", "symptoms": {"GC03": -0.2}}, "bad_certainty"),
    ("certainty 1e300", {"mode": "diagnosis", "symptoms": {"GC03": 1e300}}, "bad_certainty"),
    ("certainty true", {"mode": "diagnosis", "symptoms": {"GC03": True}}, "bad_certainty"),
    ("certainty null", {"mode": "diagnosis", "symptoms": {"GC03": None}}, "bad_certainty"),
    ("certainty a word", {"mode": "diagnosis", "symptoms": {"GC03": "sure"}}, "bad_certainty"),
    ("certainty an object", {"mode": "diagnosis", "symptoms": {"GC03": {"cf": 1}}}, "bad_certainty"),
    ("certainty a level label", {"mode": "diagnosis", "symptoms": {"GC03": "Pasti Iya"}}, "bad_certainty"),
    ("emergency as text", {"mode": "screening", "emergency": "ya", "answers": ALL_NO}, "bad_emergency"),
    ("emergency 1", {"mode": "diagnosis", "emergency": 1, "symptoms": {}}, "bad_emergency"),
    ("emergency null", {"mode": "diagnosis", "emergency": None}, "bad_emergency"),
    ("gate no without answers", {"mode": "screening", "emergency": False}, "missing_answers"),
    ("gate yes with a bad answer", {"mode": "screening", "emergency": True, "answers": {"Q1": "x"}}, "bad_answer"),
]


@pytest.mark.parametrize("request_body, code", [b[1:] for b in BAD_REQUESTS], ids=[b[0] for b in BAD_REQUESTS])
def test_bad_request_gets_the_engines_code_and_nothing_is_stored(client, row_count, engine_answer, request_body, code):
    response = _post(client, request_body)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == code
    with pytest.raises(rules.InputError) as refused:  # the very message `pakar batch` gives
        engine_answer(request_body)
    assert body == {"error": {"code": refused.value.code, "message": refused.value.message}}
    assert row_count() == 0


@pytest.mark.parametrize(
    "request_id, echoed",
    [
        ("abc", "abc"),
        (7, 7),
        (1.5, 1.5),
        ("", ""),
        (0, 0),
        (-3, -3),
    ],
    ids=["text", "integer", "decimal", "empty text", "zero", "negative"],
)
def test_error_echoes_a_usable_request_id(client, row_count, request_id, echoed):
    response = _post(client, {"mode": "diagnosis", "id": request_id, "symptoms": {"XX": 1}})
    assert response.status_code == 400
    assert response.get_json()["request_id"] == echoed
    assert row_count() == 0


@pytest.mark.parametrize(
    "body",
    [
        '{"mode": "diagnosis", "id": 2.0, "symptoms": {"XX": 1}}',
        '{"mode": "diagnosis", "id": 2, "symptoms": {"XX": 1}}',
        '{"mode": "diagnosis", "id": 2e0, "symptoms": {"XX": 1}}',
    ],
    ids=["2.0", "2", "2e0"],
)
def test_an_integral_request_id_is_echoed_as_an_integer(client, body):
    echoed = _raw_post(client, body).get_json()["request_id"]
    assert (echoed, type(echoed)) == (2, int)


@pytest.mark.parametrize(
    "request_body",
    [
        {"mode": "diagnosis", "id": {"a": 1}, "symptoms": {"XX": 1}},
        {"mode": "diagnosis", "id": True, "symptoms": {}},
        {"mode": "diagnosis", "id": None, "symptoms": {"XX": 1}},
        {"mode": "diagnosis", "symptoms": {"XX": 1}},
    ],
    ids=["object", "true", "null", "absent"],
)
def test_error_has_no_request_id_without_a_usable_one(client, request_body):
    body = _post(client, request_body).get_json()
    assert set(body) == {"error"}


def test_request_id_null_is_like_no_id(client):
    body = _post(client, {**DIAGNOSIS, "id": None}).get_json()
    assert body["request_id"] is None


def test_body_of_exactly_64_kib_is_read_and_one_byte_more_is_too_large(client, row_count):
    request_text = _json(DIAGNOSIS)
    limit = 64 * 1024
    fits = _raw_post(client, request_text + " " * (limit - len(request_text)))
    assert fits.status_code == 201
    too_large = _raw_post(client, request_text + " " * (limit + 1 - len(request_text)))
    assert too_large.status_code == 413
    assert too_large.get_json() == {
        "error": {
            "code": "too_large",
            "message": "Isi permintaan lebih dari 65536 byte; satu konsultasi jauh lebih kecil.",
        }
    }
    assert row_count() == 1


@pytest.mark.parametrize("extra, status", [(0, 201), (1, 413), (64 * 1024, 413)], ids=["exactly", "one-more", "double"])
def test_a_chunked_body_over_the_limit_is_too_large_not_bad_json(client, row_count, extra, status):
    """Without a Content-Length (chunked, as a WSGI server that ends the stream hands it on) the limit holds
    too: over it is 413 too_large, exactly at it is read."""
    request_text = _json(DIAGNOSIS)
    body = (request_text + " " * (64 * 1024 + extra - len(request_text))).encode()
    response = client.post(
        POST_URL,
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == status
    if status == 413:
        assert response.get_json()["error"]["code"] == "too_large"
    assert row_count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    "method, url, status, code",
    [
        ("get", POST_URL, 405, "method_not_allowed"),
        ("put", POST_URL, 405, "method_not_allowed"),
        ("post", f"{POST_URL}/{UNKNOWN_ID}", 405, "method_not_allowed"),
        ("patch", f"{POST_URL}/{UNKNOWN_ID}", 405, "method_not_allowed"),
        ("post", f"{API}/kb", 405, "method_not_allowed"),
        ("delete", f"{API}/openapi.json", 405, "method_not_allowed"),
        ("get", f"{API}/consultation", 404, "unknown_path"),
        ("get", f"{POST_URL}/", 404, "unknown_path"),
        ("get", f"{POST_URL}/{UNKNOWN_ID}/trace", 404, "unknown_path"),
        ("post", "/api/v2/consultations", 404, "unknown_path"),
        ("get", "/api/", 404, "unknown_path"),
        ("get", f"{POST_URL}/{UNKNOWN_ID}", 404, "not_found"),
        ("delete", f"{POST_URL}/{UNKNOWN_ID}", 404, "not_found"),
        ("get", f"{POST_URL}/short", 404, "not_found"),
        ("get", f"{POST_URL}/{'A' * 25}", 404, "not_found"),
        ("delete", f"{POST_URL}/{'%21' * 24}", 404, "not_found"),
        ("get", f"{API}/kb?lang=fr", 400, "bad_lang"),
        ("get", f"{API}/kb?lang=", 400, "bad_lang"),
        ("get", f"{POST_URL}/{UNKNOWN_ID}?lang=EN", 400, "bad_lang"),
        ("delete", f"{POST_URL}/{UNKNOWN_ID}?lang=de", 400, "bad_lang"),
        ("post", f"{POST_URL}?lang=xx", 400, "bad_lang"),
    ],
)
def test_wrong_method_path_id_or_query_lang_is_a_json_error(client, row_count, method, url, status, code):
    _post(client, DIAGNOSIS)
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == code
    assert row_count() == 1


def test_wrong_method_names_the_allowed_ones(client):
    response = client.put(f"{POST_URL}/{UNKNOWN_ID}")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "DELETE"}
    assert response.get_json()["error"]["message"] == (
        "Metode PUT tidak berlaku di sini; yang boleh: DELETE, GET, HEAD, OPTIONS."
    )


# --- messages in the request's language ----------------------------------------------------------------

MESSAGES = [
    (
        "post",
        POST_URL,
        {"mode": "diagnosis", "lang": "en", "symptoms": {"gc03": 1}},
        "There is no symptom 'gc03'. 'GC03'? Symptom codes run from GC01 to GC20.",
    ),
    (
        "post",
        POST_URL,
        {"mode": "diagnosis", "symptoms": {"gc03": 1}},
        "Gejala 'gc03' tidak ada. 'GC03'? Kode gejala: GC01 sampai GC20.",
    ),
    (
        "post",
        f"{POST_URL}?lang=en",
        {"mode": "diagnosis", "symptoms": {"gc03": 1}},
        "Gejala 'gc03' tidak ada. 'GC03'? Kode gejala: GC01 sampai GC20.",
    ),  # the body decides, not the URL
    ("post", POST_URL, {"mode": "screening", "lang": "en", "answers": {"Q1": "ya"}}, "Question Q2 has no answer."),
    (
        "post",
        POST_URL,
        {"mode": "diagnosis", "lang": "en", "symptoms": {"GC03": 0.5}},
        "Certainty 0.5 for GC03 is not on the scale; choose: 0 (tidak), 0.2 (mungkin_tidak), 0.4 (mungkin_iya), "
        "0.6 (kemungkinan_besar), 0.8 (hampir_pasti), 1 (pasti).",
    ),
    (
        "post",
        f"{POST_URL}?lang=en",
        '{"mode": "diagnosis",}',
        "The request body is not valid JSON (line 1, column 22).",
    ),
    ("post", POST_URL, '{"mode": "diagnosis",}', "Isi permintaan bukan JSON yang sah (baris 1, kolom 22)."),
    ("post", f"{POST_URL}?lang=en", '{"a": 1,\n "a": 2}', "The key 'a' appears more than once in one object."),
    ("post", f"{POST_URL}?lang=en", '{"a": NaN}', "NaN is not a JSON number; send a finite number."),
    ("post", POST_URL, '{"a": -Infinity}', "-Infinity bukan angka JSON; kirim angka yang terhingga."),
    (
        "post",
        f"{POST_URL}?lang=en",
        '{"a": 1e999}',
        "The number 1e999 is outside the range of interoperable JSON numbers.",
    ),
    ("post", f"{POST_URL}?lang=en", "[" * 5000, "The request's JSON is nested too deeply."),
    ("post", f"{POST_URL}?lang=en", b'"\xc3"', "The request body must be JSON in UTF-8."),
    (
        "get",
        f"{POST_URL}/{UNKNOWN_ID}?lang=en",
        None,
        "There is no stored result with that id (it may have been deleted).",
    ),
    ("delete", f"{POST_URL}/{UNKNOWN_ID}", None, "Tidak ada hasil tersimpan dengan id itu (mungkin sudah dihapus)."),
    ("get", f"{API}/kb?lang=fr", None, 'Bahasa \'fr\' tidak tersedia; gunakan "id" atau "en".'),
    ("get", f"{API}/nothing?lang=en", None, "There is no such API address; see /api/v1/openapi.json."),
    ("get", f"{API}/nothing", None, "Alamat API ini tidak ada; lihat /api/v1/openapi.json."),
    ("get", f"{POST_URL}?lang=en", None, "Method GET is not allowed here; allowed: OPTIONS, POST."),
]


@pytest.mark.parametrize("method, url, body, expected", MESSAGES)
def test_message_in_the_requests_language(client, method, url, body, expected):
    if isinstance(body, dict):
        response = client.post(url, json=body)
    elif body is not None:
        response = client.post(url, data=body, content_type="application/json")
    else:
        response = getattr(client, method)(url)
    assert response.get_json()["error"]["message"] == expected


def test_not_json_message_in_english_when_asked(client):
    response = client.post(f"{POST_URL}?lang=en", data="x", content_type="text/plain")
    assert response.get_json()["error"]["message"] == "Send the request as application/json."


# --- faults on our side ----------------------------------------------------------------------------------


def _boom(*args, **kwargs):
    raise RuntimeError("database down")


@pytest.mark.parametrize(
    "target, method, url",
    [
        ("record", "post", POST_URL),
        ("get", "get", f"{POST_URL}/{UNKNOWN_ID}"),
        ("remove", "delete", f"{POST_URL}/{UNKNOWN_ID}?lang=en"),
    ],
)
def test_a_fault_on_our_side_is_a_json_500_and_stores_nothing(client, row_count, monkeypatch, target, method, url):
    monkeypatch.setattr(store, target, _boom)
    response = getattr(client, method)(url, json=DIAGNOSIS) if method == "post" else getattr(client, method)(url)
    assert response.status_code == 500
    lang = "en" if "lang=en" in url else "id"
    expected = {
        "id": "Terjadi kesalahan di sistem; tidak ada yang disimpan. Silakan coba lagi.",
        "en": "Something went wrong on our side; nothing was stored. Please try again.",
    }[lang]
    assert response.get_json() == {"error": {"code": "internal", "message": expected}}
    monkeypatch.undo()
    assert row_count() == 0


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "once"}], ids=["no-key", "with-key"])
def test_the_post_answers_from_memory_once_the_row_is_committed(app, client, headers):
    """After the INSERT nothing reads the consultation back (a failing read could lose an acknowledged
    result); the answer equals what a later GET reads."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()).upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        created = _post(client, DIAGNOSIS, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert created.status_code == 201
    inserts = [i for i, s in enumerate(seen) if s.startswith("INSERT INTO CONSULTATION")]
    assert len(inserts) == 1
    assert [s for s in seen[inserts[0] + 1 :] if s.startswith("SELECT") and "CONSULTATION" in s] == []
    assert client.get(f"{POST_URL}/{created.get_json()['id']}").get_json() == created.get_json()


# --- no cookies, no CSRF ---------------------------------------------------------------------------------


def test_forms_need_a_csrf_token_but_the_api_does_not(client):
    form = client.post("/diagnosis", data={"GC03": "1"})
    assert form.status_code == 400  # CSRF is on in this app
    created = _post(client, DIAGNOSIS)
    assert created.status_code == 201
    assert client.delete(f"{POST_URL}/{created.get_json()['id']}").status_code == 204


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("post", POST_URL, DIAGNOSIS),
        ("post", POST_URL, {"mode": "nope"}),
        ("get", f"{API}/kb?lang=en", None),
        ("get", f"{POST_URL}/{UNKNOWN_ID}", None),
    ],
)
def test_the_api_sets_no_cookie(client, method, url, body):
    response = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
    assert "Set-Cookie" not in response.headers
