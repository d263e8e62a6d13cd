"""The typed results of rules/results.py: the one decision of why the first hypothesis ranks first, the JSON
form (the batch/API contract) and reading a stored result back, exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

import rules
from rules.results import DiagnosisResult, RankingReason, RankingRow, ScreeningResult, from_json


def row(code: str, cf: str, evidence: int = 1) -> RankingRow:
    return RankingRow(code, f"name of {code}", Fraction(cf), evidence)


@pytest.mark.parametrize(
    "ranking, kind, first, second",
    [
        pytest.param([], None, None, None, id="nothing-ranked"),
        pytest.param([row("H1", "0")], None, None, None, id="top-at-zero-is-no-conclusion"),
        pytest.param([row("H1", "-0.5", 0)], None, None, None, id="top-against-is-no-conclusion"),
        pytest.param([row("H1", "0.8")], "alone", "H1", None, id="one-row"),
        pytest.param([row("H1", "0.8"), row("H2", "0")], "alone", "H1", None, id="second-at-zero-is-not-supported"),
        pytest.param([row("H1", "0.8"), row("H2", "-1", 0)], "alone", "H1", None, id="second-against"),
        pytest.param([row("H1", "0.8"), row("H2", "0.6")], "cf", "H1", "H2", id="higher-cf"),
        pytest.param([row("H1", "0.8", 3), row("H2", "0.8", 2)], "evidence", "H1", "H2", id="tie-more-evidence"),
        pytest.param([row("H1", "0.8", 2), row("H2", "0.8", 2)], "kb_order", "H1", "H2", id="tie-kb-order"),
        pytest.param(
            [row("H1", "0.5"), row("H2", "0.5"), row("H3", "0.5")],
            "kb_order",
            "H1",
            "H2",
            id="only-the-first-two-count",
        ),
    ],
)
def test_ranking_reason_is_decided_once(ranking, kind, first, second):
    reason = RankingReason.of(ranking)
    if kind is None:
        assert reason is None
        return
    assert (reason.kind, reason.first.code, reason.second.code if reason.second else None) == (kind, first, second)
    assert reason.tie_break == (kind if kind in ("evidence", "kb_order") else None)


@pytest.mark.parametrize(
    "symptoms, ranking, tie_break, why",
    [
        # R1 0.8 for H1, R3 -0.5 x 0.6 = -0.3 against: (0.8 - 0.3) / (1 - 0.3) = 5/7
        pytest.param(
            {"S1": 1, "S3": 0.6},
            [("H1", "≈0.7142857143", 1)],
            None,
            "H1 is the only hypothesis supported.",
            id="evidence-against",
        ),
        # F1 = 0.9 x min(1, 0.8) = 0.72, then 0.7 x max(0.4) = 0.28: 0.72 + 0.28 x 0.28 = 0.7984; H2 = 1 x F1
        pytest.param(
            {"S1": 1, "S3": 0.6, "S4": 0.8, "S5": 0.4},
            [("H2", "0.7984", 3), ("H1", "≈0.7142857143", 1)],
            None,
            "H2 ranks first because its CF is higher (0.7984 > ≈0.7142857143 for H1).",
            id="chaining-all-any",
        ),
        # H3: certain for (R10) and certain against (R9) cancel to 0: not a second supported hypothesis
        pytest.param(
            {"S1": 1, "S7": 1, "S8": 1},
            [("H1", "0.8", 1), ("H3", "0", 1)],
            None,
            "H1 is the only hypothesis supported.",
            id="second-at-zero",
        ),
        pytest.param(
            {"S1": 1, "S8": 1},
            [("H1", "0.8", 1), ("H3", "-1", 0)],
            None,
            "H1 is the only hypothesis supported.",
            id="second-against",
        ),
        pytest.param({"S8": 1}, [("H3", "-1", 0)], None, None, id="only-against"),
    ],
)
def test_results_of_a_kb_with_every_feature(every_feature_kb, symptoms, ranking, tie_break, why):
    result = rules.consult(every_feature_kb, {"mode": "diagnosis", "lang": "en", "symptoms": symptoms})
    assert [(r["code"], r["cf_text"], r["evidence"]) for r in result["ranking"]] == ranking
    assert (result["tie_break"], result["why"]) == (tie_break, why)
    assert result["how"][-1] == (why or "Nothing")  # the HOW ends with the same sentence, or the KB's advice
    assert result["diagnosis"] == (ranking[0][0] if why else None)


def test_nothing_supported_says_so_in_the_how(every_feature_kb):
    result = rules.consult(every_feature_kb, {"mode": "diagnosis", "lang": "id", "symptoms": {"S8": 1}})
    assert result["how"] == [
        "H3 H3: CF -1 (-100%), didukung 0 gejala.",
        "  R9: S8 S8 (keyakinan Anda 1) × CF pakar -1 = -1; gabungan 0 → -1 [src]",
        "Gejala yang dilaporkan tidak mendukung hipotesis mana pun.",
        "Tidak ada",
    ]
    assert (result["cf"], result["percent"], result["cf_text"], result["advice"]) == (0, 0, "0", "Tidak ada")


REQUESTS = [
    pytest.param({"mode": "diagnosis", "symptoms": {"GC03": 0.8, "GC04": 0.4, "GC08": 0.6}}, id="diagnosis"),
    pytest.param({"mode": "diagnosis", "lang": "en", "symptoms": {"GC03": 1, "GC04": 1}}, id="tie"),
    pytest.param({"mode": "diagnosis", "symptoms": {}}, id="no-conclusion"),
    pytest.param({"mode": "screening", "id": 7, "answers": {f"Q{i}": "ya" for i in range(1, 7)}}, id="screening"),
]


@pytest.mark.parametrize("request_", REQUESTS)
def test_consult_is_the_records_json(kb, request_):
    assert rules.consult_record(kb, request_).to_json() == rules.consult(kb, request_)


@pytest.mark.parametrize("request_", REQUESTS)
def test_a_stored_result_reads_back_to_the_same_json(kb, request_):
    full = rules.consult(kb, request_)
    stored = {k: v for k, v in full.items() if k != "trace"}
    assert from_json(stored, full["trace"]).to_json() == full
    assert from_json(full).to_json() == full  # with the trace inside, too


def test_a_rounded_value_reads_back_as_its_rounded_decimal(kb):
    """A value that does not end within 10 places was stored rounded and marked; it comes back as that
    decimal (the exact value was not kept), so only the mark is lost."""
    full = rules.consult(kb, {"mode": "diagnosis", "symptoms": {s.code: 0.8 for s in kb.symptoms}})
    record = from_json(full)
    assert record.cf == Fraction("0.9999999928") and record.percent == Fraction("99.99999928")
    again = record.to_json()
    assert (again["cf_text"], again["percent_text"]) == ("0.9999999928", "99.99999928")
    assert {k: v for k, v in again.items() if not k.endswith("_text") and k != "ranking"} == {
        k: v for k, v in full.items() if not k.endswith("_text") and k != "ranking"
    }


def test_a_result_stored_by_older_code_still_reads(kb):
    """Rows stored before the texts, the hotline and the tie-break were in the contract."""
    old = {
        "id": None,
        "mode": "diagnosis",
        "kb_version": "0123456789ab",
        "lang": "id",
        "diagnosis": "PC01",
        "name": "Suspek COVID-19",
        "cf": 0.9136,
        "percent": 91.36,
        "info": "i",
        "advice": "a",
        "ranking": [
            {"code": "PC01", "name": "Suspek COVID-19", "cf": 0.9136, "percent": 91.36, "evidence": 3},
            {"code": "PC02", "name": "Probable COVID-19", "cf": 0.76, "percent": 76.0, "evidence": 2},
        ],
        "symptoms": [{"code": "GC03", "name": "Demam", "cf": 0.6, "level": "Kemungkinan Besar Iya"}],
        "how": ["..."],
        "disclaimer": "d",
    }
    record = from_json(old)
    assert isinstance(record, DiagnosisResult)
    assert (record.diagnosis, record.cf, record.reason.kind, record.reason.second.cf) == (
        "PC01",
        Fraction("0.9136"),
        "cf",
        Fraction("0.76"),
    )
    assert record.symptoms[0].cf == Fraction("0.6")
    assert (record.why, record.steps, record.trace) == (None, (), None)
    screening = from_json(
        {"mode": "screening", "kb_version": "0123456789ab", "lang": "en", "solution": "S3", "answers": {"Q1": "tidak"}}
    )
    assert isinstance(screening, ScreeningResult)
    assert (screening.solution, screening.hotline, screening.answers) == ("S3", None, {"Q1": "tidak"})


@pytest.mark.parametrize(
    "data, words",
    [
        pytest.param([], 'no known "mode"', id="not-an-object"),
        pytest.param({"mode": "triage"}, 'no known "mode"', id="unknown-mode"),
        pytest.param({"mode": ["diagnosis"]}, 'no known "mode"', id="mode-not-text"),
        pytest.param({"mode": "diagnosis", "lang": "id"}, "'kb_version'", id="missing-key"),
        pytest.param(
            {
                "mode": "diagnosis",
                "kb_version": "v",
                "lang": "id",
                "ranking": [{"code": "H1", "cf": "0.5", "evidence": 1}],
            },
            "not a CF number",
            id="cf-as-text",
        ),
        pytest.param(
            {
                "mode": "diagnosis",
                "kb_version": "v",
                "lang": "id",
                "ranking": [{"code": "H1", "cf": float("nan"), "evidence": 1}],
            },
            "not a CF number",
            id="cf-nan",
        ),
    ],
)
def test_what_cannot_be_read_is_a_value_error(data, words):
    with pytest.raises(ValueError, match=words):
        from_json(data)


@pytest.mark.parametrize(
    "firing",
    [
        pytest.param(
            {"rule": "R1", "conclusion": "H1", "bindings": {"S1": "1/3"}, "before": "0", "after": "0.8"},
            id="fraction-text",
        ),
        pytest.param(
            {"rule": "R1", "conclusion": "H1", "bindings": {"S1": "1"}, "before": "0", "after": "≈"}, id="mark-alone"
        ),
        pytest.param(
            {"rule": "R1", "conclusion": "H1", "bindings": {"S1": "1"}, "before": "0", "after": "nan"}, id="nan"
        ),
    ],
)
def test_a_trace_number_that_fmt_never_wrote_is_refused(firing):
    trace = {"firings": [firing]}
    with pytest.raises(ValueError, match="not a CF text"):
        from_json({"mode": "diagnosis", "kb_version": "v", "lang": "id"}, trace)
