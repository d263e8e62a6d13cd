"""All 96 rows of seed 004 Tabel III through the real screening engine, and the trace of the decision."""

from __future__ import annotations

import itertools

import pytest

import kb as kbase

KB = kbase.load()
ROWS = [case for case in KB.cases if case.mode == "screening" and case.id.startswith("T3-")]
QUESTIONS = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]


def expected_by_pattern(answers):
    """Seed 004's table, summarised: S1 iff Q1 in {ya, ragu} and fever and breathlessness; S3 iff all no."""
    if answers["Q1"] in ("ya", "ragu") and answers["Q4"] == "ya" and answers["Q5"] == "ya":
        return "S1"
    return "S3" if all(a == "tidak" for a in answers.values()) else "S2"


def test_the_kb_stores_all_96_rows_once():
    assert len(ROWS) == 96
    combos = {tuple(case.answers[q] for q in QUESTIONS) for case in ROWS}
    everything = set(itertools.product(("ya", "ragu", "tidak"), *[("ya", "tidak")] * 5))
    assert combos == everything


@pytest.mark.parametrize("case", ROWS, ids=[c.id for c in ROWS])
def test_row_gives_the_tables_solution(screening_engine, case):
    decision = screening_engine.consult(dict(case.answers))
    assert decision.conclusion == case.expect
    assert decision.conclusion == expected_by_pattern(case.answers)


@pytest.mark.parametrize(
    "answers, winner, lost",
    [
        (
            {"Q1": "ya", "Q2": "ya", "Q3": "ya", "Q4": "ya", "Q5": "ya", "Q6": "ya"},
            "D1",
            [{"rule": "D2", "salience": 20, "conclusion": "S2", "via": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]}],
        ),
        (
            {"Q1": "ragu", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"},
            "D1",
            [{"rule": "D2", "salience": 20, "conclusion": "S2", "via": ["Q1", "Q4", "Q5"]}],
        ),
        ({"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"}, "D2", []),
        ({"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}, "D3", []),
    ],
)
def test_trace_names_the_winner_and_the_rules_that_lost_on_salience(screening_engine, answers, winner, lost):
    screening_engine.consult(answers)
    trace = screening_engine.trace.to_dict()
    assert [f["rule"] for f in trace["firings"]] == [winner]
    assert trace["also_matched"] == lost
    assert [f["code"] for f in trace["facts"]] == QUESTIONS
    assert trace["firings"][0]["source"].startswith("seed004 Tabel III")


def test_winner_binds_exactly_the_answers_it_tested(screening_engine):
    screening_engine.consult({"Q1": "ragu", "Q2": "ya", "Q3": "ya", "Q4": "ya", "Q5": "ya", "Q6": "ya"})
    firing = screening_engine.trace.to_dict()["firings"][0]
    assert firing["bindings"] == {"Q1": "ragu", "Q4": "ya", "Q5": "ya"}
    assert firing["facts"] == ["f-1", "f-4", "f-5"]
    assert firing["salience"] == 30


def test_an_any_decision_shows_every_answer_that_matched_it(screening_engine):
    screening_engine.consult({"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"})
    trace = screening_engine.trace.to_dict()
    assert trace["firings"][0]["rule"] == "D2"
    assert trace["firings"][0]["bindings"] == {"Q4": "ya", "Q5": "ya"}
    assert trace["firings"][0]["facts"] == ["f-4", "f-5"]
