"""rules.impact: stored requests replayed under two KB versions with the real engine, and what changes.

The outcome read from the engine must be the one a stored result records (so a stored result can stand
for its own KB version's outcome); replay lists exactly the requests whose screening advice, diagnosis,
triage level or CF (over the threshold) changes, counted per stored row.
"""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

import kb
import rules
from rules import impact
from rules.errors import ImpactTooLongError
from rules.impact import Difference, Outcome, Stored
from testing.kbvariants import GC03_CF_08, MINI, bundled_files, variant

# The mini KB with R03 (GC03 -> PC02) at CF 1 instead of 0.6, and a decision D2 that wins over D1 whenever
# Q1 or Q2 is answered "tidak" (any, salience 30): S1 -> S2 for ya/tidak and tidak/ya.
MINI_CHANGED = {
    "rules.yaml": [("    if: GC03\n    then: PC02\n    cf: 0.6\n", "    if: GC03\n    then: PC02\n    cf: 1\n")],
    "screening.yaml": [
        ("when: {all: {Q1: tidak, Q2: tidak}}", "when: {any: {Q1: tidak, Q2: tidak}}"),
        ("salience: 10", "salience: 30"),
    ],
    # C2 does not touch GC03; the screening case C1 (ya, tidak) follows the new decision.
    "cases.yaml": [
        ("    answers: {Q1: ya, Q2: tidak}\n    expect: S1\n", "    answers: {Q1: ya, Q2: tidak}\n    expect: S2\n")
    ],
}


@pytest.fixture(scope="module")
def mini():
    yield kb.load_files(MINI)


@pytest.fixture(scope="module")
def mini_changed():
    yield kb.load_files(variant(MINI, MINI_CHANGED))


@pytest.fixture(scope="module")
def bundled():
    yield kb.load()


def screening(q1: str, q2: str, **extra) -> dict:
    return {"mode": "screening", "answers": {"Q1": q1, "Q2": q2}, **extra}


def diagnosis(symptoms: dict, **extra) -> dict:
    return {"mode": "diagnosis", "symptoms": symptoms, **extra}


# --- one outcome ---------------------------------------------------------------------------------------------


def _bundled_requests(knowledge) -> list[dict]:
    """Every screening answer combination, diagnoses of one to three symptoms at several levels, and the
    emergency gate in both modes (with and without answers)."""
    import itertools

    codes = [q.code for q in knowledge.questions]
    out = [
        {"mode": "screening", "answers": dict(zip(codes, combo, strict=True))}
        for combo in itertools.product(*(q.answers for q in knowledge.questions))
    ]
    symptoms = [s.code for s in knowledge.symptoms]
    for i, code in enumerate(symptoms):
        other = symptoms[(i * 7 + 3) % len(symptoms)]
        third = symptoms[(i * 11 + 5) % len(symptoms)]
        out += [
            diagnosis({code: 1}),
            diagnosis({code: 0.4, other: 0.8}),
            diagnosis({code: 0.2, other: 0.6, third: "pasti"}),
        ]
    out += [
        diagnosis({}),
        {"mode": "diagnosis", "emergency": True},
        {"mode": "screening", "emergency": True},
        {**out[0], "emergency": True},
        diagnosis({"GC03": 1}, emergency=True),
    ]
    return out


def test_the_engines_outcome_is_what_the_stored_result_records(bundled):
    engines = impact.Engines()
    requests = _bundled_requests(bundled)
    assert len(requests) == 96 + 60 + 5
    for request in requests:
        stored = impact.stored_outcome(rules.consult(bundled, request, trace=False))
        assert impact.outcome(bundled, request, engines) == stored, request


@pytest.mark.parametrize(
    ("request_body", "expected"),
    [
        (screening("ya", "tidak"), Outcome("screening", solution="S1")),
        (screening("tidak", "tidak"), Outcome("screening", solution="S2")),
        (diagnosis({"GC01": 0.8}), Outcome("diagnosis", diagnosis="PC01", cfs=(("PC01", Fraction(16, 25)),))),
        (
            diagnosis({"GC01": 0.8, "GC03": 1.0}),
            Outcome("diagnosis", diagnosis="PC01", cfs=(("PC01", Fraction(16, 25)), ("PC02", Fraction(3, 5)))),
        ),
        (diagnosis({}), Outcome("diagnosis")),
        (diagnosis({"GC09": 1}), Outcome("diagnosis", error="unknown_symptom")),
        (screening("ya", "maybe"), Outcome("screening", error="bad_answer")),
        ({"mode": "x"}, Outcome("x", error="bad_mode")),
        ({"mode": "diagnosis", "emergency": True}, Outcome("diagnosis", emergency=True)),
    ],
)
def test_outcomes_on_the_mini_kb(mini, request_body, expected):
    assert impact.outcome(mini, request_body) == expected


def test_a_stored_result_before_triage_cannot_stand_for_its_outcome(bundled):
    result = rules.consult(bundled, diagnosis({"GC03": 1}), trace=False)
    del result["triage"]
    assert impact.stored_outcome(result) is None
    assert impact.stored_outcome({"mode": "other"}) is None
    assert impact.stored_outcome({"mode": "diagnosis", "triage": None, "ranking": [{"code": "PC01"}]}) is None


def test_the_canonical_request_ignores_id_lang_and_key_order():
    one = {"mode": "screening", "answers": {"Q1": "ya", "Q2": "tidak"}, "lang": "en", "id": 7}
    two = {"answers": {"Q2": "tidak", "Q1": "ya"}, "id": "x", "mode": "screening"}
    assert impact.canonical(one) == impact.canonical(two) == '{"answers":{"Q1":"ya","Q2":"tidak"},"mode":"screening"}'
    assert impact.canonical({**two, "emergency": True}) != impact.canonical(two)


# --- differences ---------------------------------------------------------------------------------------------

PC = "diagnosis"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (Outcome("screening", solution="S1"), Outcome("screening", solution="S1"), []),
        (Outcome("screening", solution="S1"), Outcome("screening", solution="S2"), ["S1 → S2"]),
        (
            Outcome("screening", solution="S1", triage="see_doctor_today"),
            Outcome("screening", solution="S1", triage="self_care"),
            ["triage see_doctor_today → self_care"],
        ),
        (
            Outcome(PC, diagnosis="PC01", cfs=(("PC01", Fraction(4, 5)), ("PC02", Fraction(4, 5)))),
            Outcome(PC, diagnosis="PC02", cfs=(("PC02", Fraction(4, 5)), ("PC01", Fraction(16, 25)))),
            ["PC01 → PC02", "PC01 CF 0.8 → 0.64"],
        ),
        (  # a change of exactly the threshold is not over it
            Outcome(PC, diagnosis="PC01", cfs=(("PC01", Fraction(1, 2)),)),
            Outcome(PC, diagnosis="PC01", cfs=(("PC01", Fraction(11, 20)),)),
            [],
        ),
        (
            Outcome(PC, diagnosis="PC01", cfs=(("PC01", Fraction(1, 2)),)),
            Outcome(PC, diagnosis="PC01", cfs=(("PC01", Fraction(56, 100)),)),
            ["PC01 CF 0.5 → 0.56"],
        ),
        (
            Outcome(PC, cfs=()),
            Outcome(PC, diagnosis="PC02", cfs=(("PC02", Fraction(1, 5)),)),
            [
                "- → PC02",
                "PC02 CF 0 → 0.2",
            ],
        ),
        (Outcome(PC, diagnosis="PC01"), Outcome(PC, error="unknown_symptom"), ["invalid ok → unknown_symptom"]),
        (Outcome(PC, error="unknown_symptom"), Outcome(PC, error="unknown_symptom"), []),
        (Outcome(PC, emergency=True, triage="emergency"), Outcome(PC, emergency=True, triage="emergency"), []),
        (
            Outcome("screening", emergency=True, triage="emergency"),
            Outcome("screening", emergency=True, triage="see_doctor_today"),
            ["triage emergency → see_doctor_today"],
        ),
    ],
)
def test_differences(old, new, expected):
    assert [d.line() for d in impact.differences(old, new)] == expected


def test_differences_are_typed():
    found = impact.differences(
        Outcome(PC, diagnosis="PC01", cfs=(("PC01", Fraction(1)),)), Outcome(PC, diagnosis="PC01", cfs=())
    )
    assert found == (Difference("cf", "1", "0", "PC01"),)


# --- many stored consultations -------------------------------------------------------------------------------


def _rows(old_kb) -> list[Stored]:
    """Stored rows on the mini KB: answered by it (their results stored) or by another version."""
    old = old_kb.short_version
    made = [
        # (row key, request, version that answered it)
        ("k1", screening("ya", "tidak", lang="en"), old),
        ("k2", screening("ya", "tidak", id=2), old),  # the same request as k1 (id and lang aside)
        ("k3", screening("tidak", "ya"), "0123456789ab"),  # answered by an earlier version: replayed
        ("k4", screening("ya", "ya"), old),
        ("k5", screening("tidak", "tidak"), old),
        ("k6", diagnosis({"GC01": 0.8, "GC03": 1.0}), old),  # PC01 0.64 > PC02 0.6, then PC02 1 wins
        ("k7", diagnosis({"GC03": 0.4}), old),  # PC02 0.24 -> 0.4
        ("k8", diagnosis({"GC01": 1.0}), old),  # unchanged
        ("k9", diagnosis({"GC03": 0.4}, lang="en"), "0123456789ab"),
        ("k10", {"mode": "diagnosis", "emergency": True}, old),
    ]
    return [
        Stored(key, request, version, rules.consult(old_kb, request, trace=False) if version == old else None)
        for key, request, version in made
    ]


def test_replay_lists_what_changes(mini, mini_changed):
    report = impact.replay(_rows(mini), mini, mini_changed, processes=1)
    assert (report.old_version, report.new_version) == (mini.version, mini_changed.version)
    assert (report.rows, report.distinct, report.replayed, report.reused) == (10, 8, 8 + 1, 7)
    assert report.changed_rows == 6
    assert dict(report.counts) == {
        "invalid": 0,
        "emergency": 0,
        "screening": 3,
        "diagnosis": 1,
        "triage": 0,
        "cf": 3,
    }
    assert dict(report.transitions) == {"S1 → S2": 3, "PC01 → PC02": 1}
    listed = [(a.keys, [d.line() for d in a.differences]) for a in report.affected]
    assert listed == [
        (("k1", "k2"), ["S1 → S2"]),
        (("k7", "k9"), ["PC02 CF 0.24 → 0.4"]),
        (("k3",), ["S1 → S2"]),
        (("k6",), ["PC01 → PC02", "PC02 CF 0.6 → 1"]),
    ]
    first = report.affected[0]
    assert first.rows == 2 and first.request == screening("ya", "tidak", lang="en")
    assert (first.old, first.new) == (Outcome("screening", solution="S1"), Outcome("screening", solution="S2"))


def test_the_threshold_decides_which_cf_changes_count(mini, mini_changed):
    report = impact.replay(_rows(mini), mini, mini_changed, processes=1, threshold=Fraction(3, 10))
    assert [d.line() for a in report.affected for d in a.differences] == [
        "S1 → S2",
        "S1 → S2",
        "PC01 → PC02",
        "PC02 CF 0.6 → 1",
    ]
    assert report.counts["cf"] == 1


def test_the_same_kb_changes_nothing(mini):
    report = impact.replay(_rows(mini), mini, mini, processes=1)
    assert (report.changed_rows, report.affected, report.transitions) == (0, (), {})
    assert (report.reached, report.replayed) == (0, 0)  # nothing differs: nothing to replay


def test_progress_is_reported_per_chunk(mini, mini_changed):
    seen = []
    impact.replay(_rows(mini), mini, mini_changed, processes=1, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 8), (8, 8)]


def test_the_report_as_json(mini, mini_changed):
    body = impact.replay(_rows(mini), mini, mini_changed, processes=1).to_json(limit=1)
    assert body == {
        "old": mini.version,
        "new": mini_changed.version,
        "threshold": "0.05",
        "consultations": 10,
        "distinct_requests": 8,
        "reached": 8,
        "replayed": 9,
        "reused": 7,
        "changed": 6,
        "counts": {"invalid": 0, "emergency": 0, "screening": 3, "diagnosis": 1, "triage": 0, "cf": 3},
        "transitions": {"S1 → S2": 3, "PC01 → PC02": 1},
        "affected": [
            {
                "request": {"mode": "screening", "answers": {"Q1": "ya", "Q2": "tidak"}, "lang": "en"},
                "consultations": 2,
                "kinds": ["screening"],
                "changes": ["S1 → S2"],
            }
        ],
        "listed": 1,
    }


def test_a_request_the_new_kb_refuses_is_invalid(mini):
    # GC03 and its rule R03 gone (they are the last entries of their files).
    without_gc03 = kb.load_files(
        {
            **MINI,
            "symptoms.yaml": MINI["symptoms.yaml"].split("  - code: GC03\n")[0],
            "rules.yaml": MINI["rules.yaml"].split("  - id: R03\n")[0],
        }
    )
    report = impact.replay(_rows(mini), mini, without_gc03, processes=1)
    assert [(a.keys, [d.line() for d in a.differences]) for a in report.affected] == [
        (("k7", "k9"), ["invalid ok → unknown_symptom"]),
        (("k6",), ["invalid ok → unknown_symptom"]),
    ]
    assert report.counts["invalid"] == 3


def test_gc03_at_cf_08_on_the_bundled_kb(bundled):
    new = kb.load_files(variant(bundled_files(), GC03_CF_08))
    rows = [
        Stored("a", diagnosis({"GC03": 1}), bundled.short_version, None),
        Stored("b", diagnosis({"GC03": 1, "GC04": 1}), bundled.short_version, None),
        Stored("c", diagnosis({"GC01": 1}), bundled.short_version, None),
        Stored("d", screening_all("ya"), bundled.short_version, None),
    ]
    report = impact.replay(rows, bundled, new, processes=1)
    assert [(a.keys, [d.line() for d in a.differences]) for a in report.affected] == [
        (("a",), ["PC01 CF 1 → 0.8", "PC02 CF 1 → 0.8"]),
    ]


def screening_all(answer: str) -> dict:
    return {"mode": "screening", "answers": {f"Q{i}": answer for i in range(1, 7)}}


# --- what a change can reach ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ({}, impact.Reach(False)),
        (
            {"screening.yaml": [("advice: {id: Ke dokter, en: See a doctor}", "advice: {id: X, en: Y}")]},
            impact.Reach(False),
        ),
        ({"symptoms.yaml": [("    cf: 0.6\n", "    cf: 0.8\n")]}, impact.Reach(False)),  # the score, not a rule's CF
        ({"rules.yaml": [("    cf: 0.6\n", "    cf: 0.8\n")]}, impact.Reach(False, frozenset({"GC03"}))),
        (
            {"rules.yaml": [("    if: GC01\n", "    if: {any: [GC01, GC02]}\n")]},
            impact.Reach(False, frozenset({"GC01", "GC02"})),
        ),
        (
            {
                "rules.yaml": [
                    (
                        "  - id: R03\n",
                        "  - id: R04\n    if: GC02\n    then: PC02\n    cf: 0.2\n    source: src\n  - id: R03\n",
                    )
                ]
            },
            impact.Reach(False, frozenset({"GC02"})),
        ),
        ({"screening.yaml": [("salience: 20", "salience: 5")]}, impact.Reach(True)),
        ({"scale.yaml": [("cf: 0.4, label", "cf: 0.5, label")]}, impact.Reach(True)),
        (
            {"hypotheses.yaml": [("advice: {id: Saran suspek, en: Suspect advice}", "advice: {id: S, en: A}")]},
            impact.Reach(False),
        ),
    ],
)
def test_what_a_change_can_reach(mini, edits, expected):
    assert impact.reach(mini, kb.load_files(variant(MINI, edits))) == expected


@pytest.mark.parametrize(
    ("request_body", "reached"),
    [
        (diagnosis({"GC03": 0.4}), True),
        (diagnosis({"GC01": 1, "GC03": 0}), True),  # a zero is not reported, but reaching is decided on the keys
        (diagnosis({"GC01": 1}), False),
        (diagnosis({}), False),
        (diagnosis({"GC03": 1}, emergency=True), False),
        (screening("ya", "ya"), False),
        ({"mode": "diagnosis", "symptoms": ["GC03"]}, True),  # not a request any KB reads: replayed
        ({"mode": "other"}, True),
        ("not an object", True),
    ],
)
def test_a_rule_change_reaches_the_diagnoses_with_its_symptoms(request_body, reached):
    assert impact.Reach(False, frozenset({"GC03"})).reaches(request_body) is reached
    assert impact.Reach(True).reaches(request_body) is True


@pytest.mark.parametrize(
    "edits",
    [
        GC03_CF_08,
        {
            "rules.yaml": [
                (
                    "    if: GC05\n    then: PC02\n    cf: 1.0\n",
                    "    if: GC05\n    then: PC02\n    cf: 1.0\n    threshold: 0.5\n",
                )
            ]
        },
        {
            "rules.yaml": [
                (
                    "    if: GC04\n    then: PC01\n    cf: 1.0\n",
                    "    if: {all: [GC04, GC06]}\n    then: PC01\n    cf: 0.4\n",
                )
            ]
        },
    ],
    ids=["GC03 at 0.8", "R12 with a threshold", "R04 on GC04 and GC06"],
)
def test_leaving_out_what_a_change_cannot_reach_changes_no_report(bundled, edits):
    new = kb.load_files(variant(bundled_files(), edits))
    rows = [Stored(str(i), r, bundled.short_version, None) for i, r in enumerate(_bundled_requests(bundled))]
    pruned = impact.replay(rows, bundled, new, processes=1)
    full = impact.replay(rows, bundled, new, processes=1, scope=impact.Reach(True))
    assert not impact.reach(bundled, new).everything
    assert pruned.reached < full.reached == full.distinct
    assert (pruned.affected, pruned.counts, pruned.transitions) == (full.affected, full.counts, full.transitions)
    assert pruned.changed_rows > 0


@pytest.mark.slow  # starts two worker processes
def test_worker_processes_give_the_same_report(mini, mini_changed):
    rows = _rows(mini) * 3
    alone = impact.replay(rows, mini, mini_changed, processes=1)
    spread = impact.replay(rows, mini, mini_changed, processes=2, parallel_from=0)
    assert spread == alone
    assert spread.rows == 30 and spread.changed_rows == 18


def test_a_deadline_already_past_stops_the_replay(mini, mini_changed):
    seen = []
    with pytest.raises(ImpactTooLongError) as caught:
        impact.replay(
            _rows(mini),
            mini,
            mini_changed,
            processes=1,
            deadline=time.monotonic() - 1,
            progress=lambda *p: seen.append(p),
        )
    # The 8 distinct requests are reached (the change touches the screening decisions); none was replayed.
    assert (caught.value.done, caught.value.total, caught.value.code) == (0, 8, "impact_too_long")
    assert seen == [(0, 8)]


def test_a_deadline_not_reached_changes_nothing(mini, mini_changed):
    within = impact.replay(_rows(mini), mini, mini_changed, processes=1, deadline=time.monotonic() + 3600)
    assert within == impact.replay(_rows(mini), mini, mini_changed, processes=1)


@pytest.mark.slow  # starts two worker processes
def test_a_deadline_already_past_stops_the_worker_processes(mini, mini_changed):
    with pytest.raises(ImpactTooLongError) as caught:
        impact.replay(_rows(mini), mini, mini_changed, processes=2, parallel_from=0, deadline=time.monotonic() - 1)
    assert (caught.value.done, caught.value.total) == (0, 8)
