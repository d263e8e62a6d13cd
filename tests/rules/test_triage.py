"""Triage and the official case definitions through the real engine and the result contract: the issue's
walk-through, every screening row with the emergency gate answered no and yes, the gate in both modes, and
the papers' outcomes untouched."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from fractions import Fraction

import pytest

import rules
from kb.model import MET
from rules.errors import InputError

ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}

# name: (request, papers' outcome, triage level, deciding rule, suspect, probable)
WALK_THROUGH = {
    "fever alone": ({"mode": "diagnosis", "symptoms": {"GC03": 1.0}}, "PC01", "self_care", None, "not_met", "not_met"),
    "contact alone": (
        {"mode": "diagnosis", "symptoms": {"GC05": 1.0}},
        "PC01",
        "test_and_isolate",
        "T09",
        "not_met",
        "not_met",
    ),
    "diabetes alone": (
        {"mode": "diagnosis", "symptoms": {"GC13": 1.0}},
        "PC02",
        "self_care",
        None,
        "not_met",
        "not_met",
    ),
    "three red flags": (
        {"mode": "diagnosis", "symptoms": {"GC06": 1.0, "GC08": 1.0, "GC20": 1.0}},
        "PC02",
        "emergency",
        "T02",
        "not_met",
        "not_met",
    ),
    "breath and chest pain": (
        {"mode": "diagnosis", "symptoms": {"GC06": 0.8, "GC08": 0.6}},
        "PC02",
        "emergency",
        "T03",
        "not_met",
        "not_met",
    ),
    "breath alone": (
        {"mode": "diagnosis", "symptoms": {"GC06": 0.6}},
        "PC02",
        "see_doctor_today",
        "T04",
        "not_met",
        "not_met",
    ),
    "chest pain alone": (
        {"mode": "diagnosis", "symptoms": {"GC08": 1.0}},
        "PC02",
        "see_doctor_today",
        "T05",
        "not_met",
        "not_met",
    ),
    "fever, dry cough, certain contact": (
        {"mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 1.0, "GC05": 1.0}},
        "PC01",
        "test_and_isolate",
        "T07",
        "met",
        "unknown",
    ),
    "fever, cough, diabetes": (
        {"mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 0.6, "GC13": 1.0}},
        "PC02",
        "see_doctor_today",
        "T06",
        "unknown",
        "unknown",
    ),
    "fever and cough, maybe contact": (
        {"mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 1.0, "GC05": 0.4}},
        "PC01",
        "test_and_isolate",
        "T08",
        "unknown",
        "unknown",
    ),
    "all 20 at Certainly": (
        {"mode": "diagnosis", "symptoms": {f"GC{i:02}": 1.0 for i in range(1, 21)}},
        "PC02",
        "emergency",
        "T02",
        "met",
        "unknown",
    ),
    "nothing reported": ({"mode": "diagnosis", "symptoms": {}}, None, "self_care", None, "not_met", "not_met"),
    "screening fever and breath": (
        {"mode": "screening", "answers": {**ALL_NO, "Q4": "ya", "Q5": "ya"}},
        "S2",
        "see_doctor_today",
        "T04",
        "unknown",
        "unknown",
    ),
    "screening contact, fever, breath": (
        {"mode": "screening", "answers": {**ALL_NO, "Q1": "ya", "Q4": "ya", "Q5": "ya"}},
        "S1",
        "see_doctor_today",
        "T04",
        "met",
        "unknown",
    ),
    "screening fever and cough, not sure": (
        {"mode": "screening", "answers": {**ALL_NO, "Q1": "ragu", "Q2": "ya", "Q4": "ya"}},
        "S2",
        "test_and_isolate",
        "T08",
        "unknown",
        "unknown",
    ),
    "screening all no": ({"mode": "screening", "answers": ALL_NO}, "S3", "self_care", None, "not_met", "not_met"),
    "gate, screening": ({"mode": "screening", "emergency": True}, None, "emergency", "T01", "unknown", "unknown"),
    "gate, diagnosis": ({"mode": "diagnosis", "emergency": True}, None, "emergency", "T01", "unknown", "unknown"),
}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(
    "request_, outcome, level, rule, suspect, probable", WALK_THROUGH.values(), ids=WALK_THROUGH.keys()
)
def test_walk_through(kb, request_, outcome, level, rule, suspect, probable, lang):
    result = rules.consult(kb, {**request_, "lang": lang})
    papers = result.get("diagnosis") if request_["mode"] == "diagnosis" else result.get("solution")
    assert papers == outcome
    triage = kb.triage.level(level)
    assert result["triage"] == {
        "level": level,
        "rule": rule,
        "title": triage.title.get(lang),
        "advice": triage.advice.get(lang),
    }
    assert result["case_definition"] == {
        "suspect": suspect,
        "probable": probable,
        "source": kb.triage.case_definition_name.get(lang),
    }
    assessment = result["trace"]["assessment"]
    assert (assessment["level"], assessment["decided_by"]) == (level, rule or "default")
    json.dumps(result)


def test_the_papers_trace_is_untouched(kb):
    """The assessment sits apart in the trace: the facts and firings are the papers' own."""
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {"GC03": 0.8, "GC04": 0.4, "GC08": 0.6}})
    trace = result["trace"]
    assert [f["code"] for f in trace["facts"]] == ["GC03", "GC04", "GC08"]
    assert [f["rule"] for f in trace["firings"]] == ["R03", "R04", "R10", "R11", "R15", "rank"]
    assert result["triage"]["rule"] == "T05"  # chest pain at "Likely" (0.6): see a doctor today
    screening = rules.consult(kb, {"mode": "screening", "answers": {**ALL_NO, "Q1": "ya", "Q4": "ya", "Q5": "ya"}})
    assert [f["rule"] for f in screening["trace"]["firings"]] == ["D1"]
    assert screening["trace"]["also_matched"] == [
        {"rule": "D2", "salience": 20, "conclusion": "S2", "via": ["Q1", "Q4", "Q5"]}
    ]


def test_definitions_chain_in_depth_order_and_rules_fire_most_urgent_first(kb):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {f"GC{i:02}": 1.0 for i in range(1, 21)}})
    assessment = result["trace"]["assessment"]
    depth = {d.code: d.depth for d in kb.triage.definitions}
    order = [d["code"] for d in assessment["definitions"]]
    assert sorted(order) == sorted(depth)
    assert [depth[c] for c in order] == sorted(depth[c] for c in order)
    saliences = [d["salience"] for d in assessment["definitions"]] + [r["salience"] for r in assessment["triage_rules"]]
    assert saliences == sorted(saliences, reverse=True)
    assert [r["rule"] for r in assessment["triage_rules"]] == ["T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09"]
    assert all(r["review"] == "pending" for r in assessment["triage_rules"])


SCREENING_ROWS = [
    dict(zip(("Q1", "Q2", "Q3", "Q4", "Q5", "Q6"), combo, strict=True))
    for combo in itertools.product(("ya", "ragu", "tidak"), *[("ya", "tidak")] * 5)
]


@pytest.mark.parametrize("answers", SCREENING_ROWS, ids=lambda a: "".join(v[0] for v in a.values()))
def test_every_screening_row_gets_one_level(kb, answers):
    """The engine's level and statuses are the KB's plain evaluation; the paper's solution is unchanged; with
    the gate answered yes, every row is an emergency by T01."""
    result = rules.consult(kb, {"mode": "screening", "answers": answers})
    statuses, true, level = kb.triage.evaluate(kb.triage.criteria_statuses("screening", answers=answers))
    assert result["triage"]["level"] == level
    assert result["triage"]["rule"] == (true[0].id if true else None)
    assert [r["rule"] for r in result["trace"]["assessment"]["triage_rules"]] == [r.id for r in true]
    assert result["case_definition"]["suspect"] == MET[statuses["kmk_suspect"]]
    # Fever and shortness of breath are never left at self-monitoring ("if a fever appears").
    if answers["Q4"] == answers["Q5"] == "ya":
        assert level in ("emergency", "see_doctor_today")
    gated = rules.consult(kb, {"mode": "screening", "answers": answers, "emergency": True})
    assert (gated["triage"]["level"], gated["triage"]["rule"], gated["solution"]) == ("emergency", "T01", None)
    assert gated["answers"] == answers


@pytest.mark.parametrize("mode", ["screening", "diagnosis"])
def test_the_gate_ends_the_consultation(kb, mode):
    result = rules.consult(kb, {"mode": mode, "emergency": True, "lang": "en", "id": 7})
    assert result["id"] == 7
    assert result["emergency"] is True
    assert result["hotline"] == {"name": "PSC 119 (emergency medical service)", "number": "119"}
    assert result["note"].startswith("The consultation stopped at the danger-sign question")
    assert result["how"][0].startswith("T01 is true (emergency_now) -> emergency.")
    assert result["trace"]["facts"] == []
    assert result["trace"]["assessment"]["emergency_gate"] is True
    assert set(result["trace"]["assessment"]["criteria"].values()) == {"true", "unknown"}


@pytest.mark.parametrize("mode, key", [("screening", "answers"), ("diagnosis", "symptoms")])
def test_emergency_false_is_the_same_as_absent(kb, mode, key):
    value = ALL_NO if mode == "screening" else {"GC03": 1.0}
    with_flag = rules.consult(kb, {"mode": mode, key: value, "emergency": False})
    without = rules.consult(kb, {"mode": mode, key: value})
    assert with_flag == without
    with pytest.raises(InputError) as info:
        rules.consult(kb, {"mode": mode, "emergency": False})
    assert info.value.code == ("missing_answers" if mode == "screening" else "missing_symptoms")


@pytest.mark.parametrize("value, shown", [("yes", '"yes"'), (1, "1"), (None, "null"), ("true", '"true"'), ([], "[]")])
def test_a_bad_emergency_flag_is_refused(kb, value, shown):
    for lang, words in (
        ("id", f'"emergency" harus true atau false, bukan {shown}.'),
        ("en", f'"emergency" must be true or false, not {shown}.'),
    ):
        with pytest.raises(InputError) as info:
            rules.consult(kb, {"mode": "diagnosis", "symptoms": {}, "emergency": value, "lang": lang})
        assert (info.value.code, info.value.message) == ("bad_emergency", words)


def test_answers_given_with_the_gate_are_still_checked(kb):
    with pytest.raises(InputError) as info:
        rules.consult(kb, {"mode": "screening", "emergency": True, "answers": {**ALL_NO, "Q2": "ragu"}})
    assert info.value.code == "bad_answer"
    result = rules.consult(kb, {"mode": "diagnosis", "emergency": True, "symptoms": {"GC03": 1.0}})
    assert result["symptoms"] == [{"code": "GC03", "name": "Demam di atas 38 °C"}]
    assert result["ranking"] == [] and result["diagnosis"] is None


def test_batch_lines_carry_triage_and_case_definition(kb):
    out = [
        rules.consult_safely(kb, r)
        for r in (
            {"id": 1, "mode": "screening", "emergency": True},
            {"id": 2, "mode": "diagnosis", "symptoms": {"GC05": 1.0}},
            {"id": 3, "mode": "diagnosis", "symptoms": {}, "emergency": "ya"},
        )
    ]
    assert [o["triage"]["level"] for o in out[:2]] == ["emergency", "test_and_isolate"]
    assert out[2] == {
        "id": 3,
        "error": {"code": "bad_emergency", "message": '"emergency" harus true atau false, bukan "ya".'},
    }


def test_one_oxygen_threshold_in_every_text(kb):
    spo2 = next(c for c in kb.triage.constants if c.code == "spo2")
    assert spo2.value == 94
    texts = [
        kb.symptom("GC20").question,
        kb.symptom("GC20").help,
        kb.emergency.signs[-1].text,
        kb.triage.level("see_doctor_today").advice,
    ]
    for text in texts:
        assert "94%" in text.id and "94%" in text.en
        assert "{spo2}" not in text.id + text.en


DIAGNOSIS_SETS = [{f"GC{i:02}": level} for i in range(1, 21) for level in (0.2, 0.4, 0.6, 1.0)] + [
    {"GC03": 1.0, "GC04": 0.4, "GC05": 0.6, "GC14": 0.6},
    {"GC03": 0.6, "GC07": 0.6, "GC09": 1.0, "GC17": 0.6},
    {"GC10": 1.0, "GC11": 1.0, "GC05": 1.0},
    {"GC01": 1.0, "GC03": 0.4, "GC06": 0.4, "GC08": 0.4, "GC20": 0.4},
]


@pytest.mark.parametrize("symptoms", DIAGNOSIS_SETS, ids=lambda s: "+".join(f"{c}@{v}" for c, v in s.items()))
def test_the_diagnosis_engine_agrees_with_the_kbs_plain_evaluation(kb, symptoms):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": symptoms})
    exact = {code: Fraction(Decimal(str(v))) for code, v in symptoms.items()}
    statuses, true, level = kb.triage.evaluate(kb.triage.criteria_statuses("diagnosis", symptoms=exact))
    assessment = result["trace"]["assessment"]
    assert assessment["criteria"] == {c.code: statuses[c.code] for c in kb.triage.criteria}
    assert {d["code"]: d["status"] for d in assessment["definitions"]} == {
        d.code: statuses[d.code] for d in kb.triage.definitions
    }
    assert [r["rule"] for r in assessment["triage_rules"]] == [r.id for r in true]
    assert result["triage"]["level"] == level
