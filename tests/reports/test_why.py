"""The plain-language why: the top possibility's steps from real consultations, read live and read back from
storage, with exact percentages (the filters round them, not this)."""

from __future__ import annotations

from fractions import Fraction

import pytest

import rules
from reports.why import WhyStep, steps
from rules.results import from_json

FEVER_COUGH_HYPERTENSION = {"mode": "diagnosis", "symptoms": {"GC03": 0.6, "GC04": 0.4, "GC15": 1.0}}


def stored(kb, request: dict):
    """The result as the web app reads it back: stored without its trace, the trace apart."""
    full = rules.consult(kb, request)
    return from_json({k: v for k, v in full.items() if k != "trace"}, full["trace"])


@pytest.mark.parametrize(
    "lang, expected",
    [
        # 0.6; 0.6 + 0.4×0.4 = 0.76; 0.76 + (1×0.6)×0.24 = 0.904
        (
            "id",
            [
                WhyStep("Demam di atas 38 °C", "Kemungkinan Besar Iya", Fraction(0), Fraction(60)),
                WhyStep("Batuk kering", "Mungkin Iya", Fraction(60), Fraction(76)),
                WhyStep("Penyakit penyerta hipertensi", "Pasti Iya", Fraction(76), Fraction(452, 5)),
            ],
        ),
        (
            "en",
            [
                WhyStep("Fever above 38 °C", "Likely", Fraction(0), Fraction(60)),
                WhyStep("Dry cough", "Maybe", Fraction(60), Fraction(76)),
                WhyStep("Existing illness - high blood pressure", "Certainly", Fraction(76), Fraction(452, 5)),
            ],
        ),
    ],
)
@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda kb, request: rules.consult_record(kb, request), id="live"),
        pytest.param(stored, id="stored"),
    ],
)
def test_steps_follow_the_top_hypothesis_in_firing_order(kb, read, lang, expected):
    assert steps(kb, read(kb, FEVER_COUGH_HYPERTENSION), lang) == expected


def test_a_stored_rounded_value_reads_back_as_its_rounded_decimal(kb):
    # PC02 with every symptom at 0.8: 1 - 0.2^5 x 0.36^6 x 0.52^7 does not end within 10 places, so the
    # trace stores it marked "≈"; read back, it is the 10-place decimal (no longer a parse error).
    every = {s.code: 0.8 for s in kb.symptoms}
    last = steps(kb, stored(kb, {"mode": "diagnosis", "symptoms": every}), "en")[-1]
    assert last.percent_after == Fraction("99.99999928")
    live = steps(kb, rules.consult_record(kb, {"mode": "diagnosis", "symptoms": every}), "en")[-1]
    assert live.percent_after == 100 - 100 * Fraction(1, 5) ** 5 * Fraction(9, 25) ** 6 * Fraction(13, 25) ** 7


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param({"mode": "diagnosis", "symptoms": {}}, id="no-conclusion"),
        pytest.param({"mode": "screening", "answers": {f"Q{i}": "tidak" for i in range(1, 7)}}, id="screening"),
    ],
)
def test_no_steps_without_a_diagnosis(kb, request_):
    assert steps(kb, stored(kb, request_), "id") == []
