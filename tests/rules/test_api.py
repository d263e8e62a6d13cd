"""The request/result contract shared by `pakar batch` and the web API."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

import rules
from rules.errors import InputError

ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}


def test_screening_result_contract(kb):
    result = rules.consult(
        kb, {"mode": "screening", "id": "a1", "lang": "en", "answers": {**ALL_NO, "Q1": "ragu", "Q4": "ya", "Q5": "ya"}}
    )
    assert result["id"] == "a1"
    assert result["mode"] == "screening"
    assert result["kb_version"] == kb.version[:12]
    assert result["solution"] == "S1"
    assert result["advice"] == kb.solution("S1").advice.en
    assert result["hotline"] == {"name": "Halo Kemenkes", "number": "1500-567"}
    assert result["trace"]["kb"] == {"id": "covid19", "version": kb.version[:12], "label": "1.0.0"}
    json.dumps(result)  # JSON-ready as it is


def test_diagnosis_result_contract(kb):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {"GC03": 0.8, "GC04": 0.4, "GC08": 0.6}})
    assert result["id"] is None
    assert result["diagnosis"] == "PC02"
    assert result["ranking"] == [
        {
            "code": "PC02",
            "name": "Probable COVID-19",
            "cf": 0.9232,
            "percent": 92.32,
            "evidence": 3,
            "cf_text": "0.9232",
            "percent_text": "92.32",
        },
        {
            "code": "PC01",
            "name": "Suspek COVID-19",
            "cf": 0.88,
            "percent": 88.0,
            "evidence": 2,
            "cf_text": "0.88",
            "percent_text": "88",
        },
    ]
    assert (result["cf_text"], result["percent_text"]) == ("0.9232", "92.32")
    assert result["advice"] == kb.hypothesis("PC02").advice.id
    assert [s["code"] for s in result["symptoms"]] == ["GC03", "GC04", "GC08"]
    assert result["tie_break"] is None
    assert result["why"].startswith("PC02 di urutan pertama")


def test_no_symptom_concludes_nothing_and_gives_the_kbs_advice(kb):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {"GC01": 0, "GC02": "tidak"}, "lang": "en"})
    assert result["diagnosis"] is None
    assert result["ranking"] == []
    assert result["advice"] == kb.no_conclusion.en
    assert result["how"][0] == "No symptom was reported, so no hypothesis was concluded."
    assert result["trace"]["facts"] == []


@pytest.mark.parametrize("value", [1.0, 1, "1", "1.0", Decimal("1.0"), "pasti"])
def test_certainty_accepts_numbers_and_level_codes(kb, value):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {"GC10": value}})
    assert result["ranking"] == [
        {
            "code": "PC02",
            "name": "Probable COVID-19",
            "cf": 1.0,
            "percent": 100.0,
            "evidence": 1,
            "cf_text": "1",
            "percent_text": "100",
        }
    ]


@pytest.mark.parametrize(
    "request_, code, words",
    [
        ([], "not_an_object", "objek JSON"),
        ("screening", "not_an_object", "objek JSON"),
        ({}, "missing_mode", "Mode tidak ada"),
        ({"mode": None}, "missing_mode", "Mode tidak ada"),
        ({"mode": "triage"}, "bad_mode", "'triage'"),
        ({"mode": "screening", "lang": "fr", "answers": ALL_NO}, "bad_lang", "'fr'"),
        ({"mode": "screening", "id": {"x": 1}, "answers": ALL_NO}, "bad_id", '"id"'),
        ({"mode": "screening", "id": True, "answers": ALL_NO}, "bad_id", '"id"'),
        ({"mode": "screening", "id": float("nan"), "answers": ALL_NO}, "bad_id", '"id"'),
        ({"mode": "screening", "id": Decimal("Infinity"), "answers": ALL_NO}, "bad_id", '"id"'),
        ({"mode": "screening"}, "missing_answers", "Q1, Q2, Q3, Q4, Q5, Q6"),
        ({"mode": "screening", "answers": ["ya"]}, "missing_answers", "answers"),
        ({"mode": "screening", "answers": {**ALL_NO, "Q7": "ya"}}, "unknown_question", "'Q7'"),
        ({"mode": "screening", "answers": {"Q1": "ya"}}, "missing_answer", "Q2"),
        ({"mode": "screening", "answers": {**ALL_NO, "Q2": "ragu"}}, "bad_answer", "Q2; pilih: ya, tidak"),
        ({"mode": "screening", "answers": {**ALL_NO, "Q3": 1}}, "bad_answer", "Q3"),
        ({"mode": "screening", "answers": ALL_NO, "symptoms": {}}, "unexpected_key", "'symptoms'"),
        ({"mode": "diagnosis"}, "missing_symptoms", "symptoms"),
        (
            {"mode": "diagnosis", "symptoms": {"GC21": 1}},
            "unknown_symptom",
            "'GC21' tidak ada. 'GC20'? Kode gejala: GC01 sampai GC20.",
        ),
        ({"mode": "diagnosis", "symptoms": {"gc03": 1}}, "unknown_symptom", "'GC03'?"),
        ({"mode": "diagnosis", "symptoms": {"GC03": 0.5}}, "bad_certainty", "0.5"),
        ({"mode": "diagnosis", "symptoms": {"GC03": 1.2}}, "bad_certainty", "1.2"),
        ({"mode": "diagnosis", "symptoms": {"GC03": -0.2}}, "bad_certainty", "-0.2"),
        ({"mode": "diagnosis", "symptoms": {"GC03": True}}, "bad_certainty", "True"),
        ({"mode": "diagnosis", "symptoms": {"GC03": None}}, "bad_certainty", "GC03"),
        ({"mode": "diagnosis", "symptoms": {"GC03": "banyak"}}, "bad_certainty", "banyak"),
        ({"mode": "diagnosis", "symptoms": {"GC03": 0.2000001}}, "bad_certainty", "0.2000001"),
        # Far-out exponents are refused before any exact arithmetic (which would take minutes).
        ({"mode": "diagnosis", "symptoms": {"GC03": "1e999999999"}}, "bad_certainty", "1e999999999"),
        ({"mode": "diagnosis", "symptoms": {"GC03": Decimal("1e-999999999")}}, "bad_certainty", "1E-999999999"),
        ({"mode": "diagnosis", "symptoms": {"GC03": 10**2000}}, "bad_certainty", "GC03"),
    ],
)
def test_bad_requests_are_refused_with_a_readable_message(kb, request_, code, words):
    with pytest.raises(InputError) as caught:
        rules.consult(kb, request_)
    assert caught.value.code == code
    assert words in caught.value.message


def test_error_messages_follow_the_requested_language(kb):
    with pytest.raises(InputError) as caught:
        rules.consult(kb, {"mode": "diagnosis", "lang": "en", "symptoms": {"GC03": 0.5}})
    assert caught.value.message.startswith("Certainty 0.5 for GC03 is not on the scale; choose: 0 (tidak), 0.2")


@pytest.mark.parametrize(
    "request_, expected",
    [
        (
            {"id": 5, "mode": "x"},
            {
                "id": 5,
                "error": {
                    "code": "bad_mode",
                    "message": 'Mode \'x\' tidak dikenal; gunakan "screening" atau "diagnosis".',
                },
            },
        ),
        (
            {"id": [1], "mode": "x"},
            {"id": None, "error": {"code": "bad_id", "message": '"id" harus berupa teks atau angka.'}},
        ),
    ],
)
def test_consult_safely_turns_errors_into_result_objects(kb, request_, expected):
    assert rules.consult_safely(kb, request_) == expected


@pytest.mark.parametrize(
    "code, lang, expected",
    [
        (
            "GC06",
            "en",
            "We ask about GC06 (Shortness of breath) because these rules use the answer: "
            "R13 (→ PC02 Probable COVID-19, CF 0.8).",
        ),
        (
            "Q5",
            "en",
            "We ask Q5 because these rules use the answer: D1 (Q5 = Yes → S1, salience 30); "
            "D2 (Q5 = Yes → S2, salience 20); D3 (Q5 = No → S3, salience 10).",
        ),
    ],
)
def test_why_names_the_rules_that_use_an_answer(kb, code, lang, expected):
    assert rules.why(kb, code, lang) == expected


def test_how_explains_every_step_and_the_tie_break(kb):
    result = rules.consult(
        kb, {"mode": "diagnosis", "lang": "en", "symptoms": {"GC03": 1.0, "GC04": 1.0, "GC05": 1.0, "GC10": 1.0}}
    )
    assert result["diagnosis"] == "PC02"
    assert result["tie_break"] == "evidence"
    assert result["how"][-1] == (
        "PC02 and PC01 both reach CF 1; PC02 wins because more of your symptoms support it (4 > 3)."
    )
    assert sum(1 for line in result["how"] if line.startswith("  R")) == 7


def test_same_request_same_trace(kb):
    request = {"mode": "diagnosis", "symptoms": {"GC01": 0.4, "GC03": 0.8, "GC06": 0.6, "GC17": 0.2}}
    first = json.dumps(rules.consult(kb, request), sort_keys=True)
    assert json.dumps(rules.consult(kb, request), sort_keys=True) == first


def test_rounded_values_are_marked_as_such(kb):
    every = {s.code: 0.8 for s in kb.symptoms}
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": every})
    # PC02 = 1 - product of (1 - 0.8 x expert CF) over its 18 rules: 1 - 0.2^5 x 0.36^6 x 0.52^7, exactly
    exact = 1 - Fraction(1, 5) ** 5 * Fraction(9, 25) ** 6 * Fraction(13, 25) ** 7
    assert result["trace"]["ranking"][0]["cf"] == "≈0.9999999928"
    assert abs(exact - Fraction("0.9999999928")) < Fraction(1, 10**10)
    assert result["cf_text"] == "≈0.9999999928"
    assert result["percent_text"] == "≈99.99999928"
    assert result["cf"] == 0.9999999928
