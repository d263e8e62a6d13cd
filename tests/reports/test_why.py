"""The plain-language why: steps from the real engine's trace, and the reason the first possibility leads."""
from __future__ import annotations

import pytest

import rules
from reports.why import ranking_reason, steps


@pytest.mark.parametrize("symptoms, kind, first, second", [
    ({"GC03": 0.6, "GC04": 0.4, "GC15": 1.0}, "cf", "PC02", "PC01"),          # hypertension only feeds PC02
    ({"GC03": 1.0, "GC04": 0.6, "GC06": 0.8}, "evidence", "PC02", "PC01"),    # both 1; PC02 has 3 symptoms
    ({"GC03": 1.0, "GC04": 0.6}, "kb_order", "PC01", "PC02"),                 # both 1, 2 symptoms each
])
def test_ranking_reason_names_what_decided(kb, symptoms, kind, first, second):
    reason = ranking_reason(rules.consult(kb, {"mode": "diagnosis", "symptoms": symptoms}))
    assert (reason["kind"], reason["a"]["code"], reason["b"]["code"]) == (kind, first, second)


def test_no_conclusion_has_no_reason_and_no_steps(kb):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {}})
    assert ranking_reason(result) is None
    assert steps(kb, result["trace"], result["diagnosis"], "id") == []


@pytest.mark.parametrize("lang, expected", [
    ("id", [("Demam di atas 38 °C", "Kemungkinan Besar Iya", 0.0, 60.0),
            ("Batuk kering", "Mungkin Iya", 60.0, 76.0),
            ("Penyakit penyerta hipertensi", "Pasti Iya", 76.0, 90.4)]),
    ("en", [("Fever above 38 °C", "Likely", 0.0, 60.0),
            ("Dry cough", "Maybe", 60.0, 76.0),
            ("Existing illness - high blood pressure", "Certainly", 76.0, 90.4)]),
])
def test_steps_follow_the_top_hypothesis_in_firing_order(kb, lang, expected):
    # 0.6; 0.6 + 0.4×0.4 = 0.76; 0.76 + (1×0.6)×0.24 = 0.904
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {"GC03": 0.6, "GC04": 0.4, "GC15": 1.0}})
    got = [(s["names"], s["level"], round(s["before"], 6), round(s["after"], 6))
           for s in steps(kb, result["trace"], "PC02", lang)]
    assert got == expected
