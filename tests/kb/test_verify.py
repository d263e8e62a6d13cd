"""Verification of a KB before use: the decision table over the whole answer space, and the CF rules."""

from __future__ import annotations

import pytest

import kb
from kb.verify import verify
from testing.kbfiles import replace_in as edit


def observations(directory, level=None):
    report = verify(kb.load(directory))
    return [(o.level, o.code, o.message) for o in report.observations if level is None or o.level == level]


def test_bundled_kb_is_clean_and_covers_all_96_combinations():
    report = verify(kb.load())
    assert report.clean
    assert report.answer_space == 96
    assert report.outcomes == {"S1": 16, "S2": 79, "S3": 1}
    assert [(f.level, f.code, f.message) for f in report.observations] == [
        ("info", "overlap", "16 combinations match D1, D2; salience decides: D1 (30) > D2 (20)"),
        ("info", "coverage", "96 answer combinations: S1 16, S2 79, S3 1"),
        ("info", "assumption", "GC20's CF 0.8 is an assumption awaiting expert review"),
        (
            "info",
            "triage-coverage",
            "192 screening rows (answers x emergency gate no/yes), one level each:"
            " emergency 96, see_doctor_today 48, test_and_isolate 30, self_care 18; decided by T01 96, T04 48,"
            " T07 7, T08 14, T09 9, default 18",
        ),
        (
            "info",
            "review-pending",
            "54 triage items (levels, criteria, definitions, rules, constants, settings)"
            " await the medical reviewer (review: pending)",
        ),
    ]
    assert report.triage_outcomes == {"emergency": 96, "see_doctor_today": 48, "test_and_isolate": 30, "self_care": 18}


def test_a_gap_in_the_decision_table_is_an_error(kb_copy):
    # D3 only for "all no" but Q6 must now be "ya": the all-no row matches nothing.
    edit(kb_copy / "screening.yaml", "Q5: tidak, Q6: tidak}}", "Q5: tidak, Q6: ya}}")
    edit(kb_copy / "cases.yaml", "    expect: S3\n", "    expect: null\n")
    report = verify(kb.load(kb_copy))
    assert not report.clean
    gaps = [f.message for f in report.observations if f.code == "gap"]
    assert gaps == [
        "1 of 96 answer combinations match no decision rule (e.g. Q1=tidak, Q2=tidak, Q3=tidak,"
        " Q4=tidak, Q5=tidak, Q6=tidak)"
    ]


def test_a_decision_that_never_wins_is_a_warning(kb_copy):
    # D2 at salience 40 covers everything D1 matches, so D1 never wins.
    edit(kb_copy / "screening.yaml", "salience: 20", "salience: 40")
    assert (
        "warning",
        "never-wins",
        "decision D1 never wins for any answers (it is always matched by a rule of higher salience, or never matched)",
    ) in observations(kb_copy)
    assert ("info", "overlap", "16 combinations match D2, D1; salience decides: D2 (40) > D1 (30)") in observations(
        kb_copy
    )


def rules_file_with(kb_copy, extra):
    path = kb_copy / "rules.yaml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


@pytest.mark.parametrize(
    "extra, expected",
    [
        (
            """  - id: R28
    if: {all: [GC03, GC06]}
    then: PC02
    cf: 0.9
    source: pakar test
""",
            (
                "warning",
                "subsumed",
                "R28 rests on GC03, GC06, which includes all of R10's evidence for PC02: whenever R28"
                " fires, R10 counts the same symptoms again",
            ),
        ),
        (
            """  - id: R28
    if: GC12
    then: PC01
    cf: -1
    source: pakar test
""",
            (
                "info",
                "possible-conflict",
                "PC01 has rules with CF 1 and CF -1: when both fire fully the result is 0 and marked as a conflict",
            ),
        ),
    ],
)
def test_cf_rule_observations(kb_copy, extra, expected):
    edit(kb_copy / "kb.yaml", "    - id: seed001", "    - id: pakar-test\n      citation: tests\n    - id: seed001")
    rules_file_with(kb_copy, extra.replace("source: pakar test", "source: pakar-test"))
    assert expected in observations(kb_copy)


def test_unused_symptom_and_unsupported_hypothesis_are_warnings(kb_copy):
    text = (kb_copy / "rules.yaml").read_text(encoding="utf-8")
    (kb_copy / "rules.yaml").write_text(text[: text.index("  - id: R10")], encoding="utf-8")
    warnings = observations(kb_copy, "warning")
    assert ("warning", "unsupported-hypothesis", "no rule supports hypothesis PC02") in warnings
    unused = sorted(m.split()[1] for _, code, m in warnings if code == "unused-symptom")
    assert unused == ["GC06", "GC08", "GC09", "GC10", "GC11", "GC12", "GC13", "GC14", "GC15", "GC16", "GC20"]


def test_a_group_without_symptoms_is_a_warning(kb_copy):
    edit(kb_copy / "symptoms.yaml", "    category: skin\n", "    category: general\n")
    report = verify(kb.load(kb_copy))
    assert not report.clean
    assert [
        (o.level, o.code, o.message, o.where.split(":")[-1]) for o in report.observations if o.level == "warning"
    ] == [
        ("warning", "empty-group", "symptom group skin has no symptoms: the form would show an empty heading", "23"),
    ]
