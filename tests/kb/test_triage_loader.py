"""The triage sections of a KB (constants, triage, triage_levels, criteria, definitions, triage_rules): a
small valid file loaded and run through the real engine, then one row per loader error with its exact
``file:line`` and key. The triage file is written one entry per line, so line numbers read off ``LINES``."""

from __future__ import annotations

from fractions import Fraction

import pytest

import kb as kbase
from kb import KBError
from kb.verify import verify
from rules.engine.engines import build_engine

LINES = [
    "constants:",  # 1
    "  limit: {value: 94.5, name: {id: Batas, en: Limit}, source: src, review: pending}",  # 2
    "triage:",  # 3
    "  default: home",  # 4
    "  likely: 0.8",  # 5
    "  unlikely: 0",  # 6
    "  case_definition: {suspect: sick, probable: very_sick, name: {id: Definisi, en: Definition}}",  # 7
    "  source: src",  # 8
    "  review: pending",  # 9
    "triage_levels:",  # 10
    '  - {code: urgent, title: {id: "Segera, di bawah {limit}", en: "Now, below {limit}"},'
    " advice: {id: Pergi, en: Go}, source: src, review: pending}",  # 11
    "  - {code: home, title: {id: Rumah, en: Home}, advice: {id: Istirahat, en: Rest}, source: src,"
    " review: pending}",  # 12
    "criteria:",  # 13
    "  - {code: fever, name: {id: Demam, en: Fever}, diagnosis: {symptom: GC02},"
    " screening: {question: Q1, answers: {ya: true, tidak: false}}, source: src, review: pending}",  # 14
    "  - {code: nose, name: {id: Pilek, en: Nose}, diagnosis: {symptom: GC01},"
    " screening: {question: Q2, answers: {ya: true, tidak: unknown}}, source: src, review: pending}",  # 15
    "  - {code: gate, name: {id: Gawat, en: Gate}, request: emergency, source: src, review: pending}",  # 16
    "definitions:",  # 17
    "  - {code: sick, name: {id: Sakit, en: Sick}, when: {all: [fever, nose]}, source: src, review: pending}",  # 18
    "  - {code: very_sick, name: {id: Parah, en: Very sick}, when: {at_least: 2, of: [sick, fever, nose]},"
    " source: src, review: pending}",  # 19
    "triage_rules:",  # 20
    "  - {id: T1, when: gate, level: urgent, note: {id: Gawat, en: Gate}, source: src, review: pending}",  # 21
    "  - {id: T2, when: {any: [sick, very_sick]}, level: urgent, note: {id: Sakit, en: Sick}, source: src,"
    " review: pending}",  # 22
]


def triage_file(**replace) -> str:
    """The file with some lines replaced: ``triage_file(l4="  default: hom")``."""
    lines = list(LINES)
    for key, text in replace.items():
        lines[int(key[1:]) - 1] = text
    return "\n".join(lines) + "\n"


@pytest.fixture
def triage_kb(kb_dir):
    return kbase.load(kb_dir({"triage.yaml": triage_file()}, screening=True))


def test_the_small_triage_kb_loads_with_its_placeholder_filled(triage_kb):
    t = triage_kb.triage
    assert [level.code for level in t.levels] == ["urgent", "home"]
    assert t.level("urgent").title.id == "Segera, di bawah 94,5"  # Indonesian decimal comma
    assert t.level("urgent").title.en == "Now, below 94.5"
    assert (t.likely, t.unlikely, t.default, t.suspect, t.probable) == (Fraction(4, 5), 0, "home", "sick", "very_sick")
    assert [d.depth for d in t.definitions] == [0, 1]
    assert str(t.definitions[1].premise) == "AT_LEAST 2 OF(sick, fever, nose)"
    assert t.rules[1].loc.line == 22


@pytest.mark.parametrize(
    "symptoms, level, rule, statuses",
    [
        ({"GC02": Fraction(1), "GC01": Fraction(2, 5)}, "home", None, {"sick": "unknown", "very_sick": "unknown"}),
        ({"GC02": Fraction(1), "GC01": Fraction(1)}, "urgent", "T2", {"sick": "true", "very_sick": "true"}),
        ({"GC01": Fraction(1)}, "home", None, {"sick": "false", "very_sick": "false"}),
        ({}, "home", None, {"sick": "false", "very_sick": "false"}),
    ],
)
def test_the_engine_runs_the_small_triage(triage_kb, symptoms, level, rule, statuses):
    engine = build_engine(triage_kb, "diagnosis")
    engine.consult(symptoms)
    record = engine.trace.assessment
    assert (record.level, record.rule.id if record.rule else None) == (level, rule)
    assert {d.code: s for d, s, _ in record.definitions} == statuses


def test_the_verifier_counts_screening_rows_with_the_gate(triage_kb):
    report = verify(triage_kb)
    # Q1 x Q2 = 4 rows, x gate no/yes = 8; only Q1 = Q2 = ya makes `sick` true without the gate.
    assert report.triage_outcomes == {"urgent": 5, "home": 3}
    assert any(f.code == "review-pending" and f.message.startswith("11 triage items") for f in report.observations)


ROWS = {
    "unknown default level": (
        dict(l4="  default: hom"),
        "kb/triage.yaml:4",
        "triage.default",
        "unknown triage level 'hom' (did you mean 'home'?",
    ),
    "unlikely not below likely": (
        dict(l6="  unlikely: 0.8"),
        "kb/triage.yaml:6",
        "triage.unlikely",
        "`unlikely` (0.8) must be below `likely` (0.8)",
    ),
    "threshold off the scale": (
        dict(l5="  likely: 0.7"),
        "kb/triage.yaml:5",
        "triage.likely",
        "0.7 is not a level of the scale",
    ),
    "unknown suspect definition": (
        dict(l7="  case_definition: {suspect: sik, probable: very_sick, name: {id: D, en: D}}"),
        "kb/triage.yaml:7",
        "triage.case_definition.suspect",
        "unknown definition 'sik' (did you mean 'sick'?",
    ),
    "unknown placeholder": (
        dict(
            l11='  - {code: urgent, title: {id: "Segera {limt}", en: Now}, advice:'
            " {id: Pergi, en: Go}, source: src, review: pending}"
        ),
        "kb/triage.yaml:11",
        "triage_levels[0].title.id",
        "unknown placeholder '{limt}' (did you mean 'limit'?",
    ),
    "unknown symptom": (
        dict(l14="  - {code: fever, name: {id: D, en: F}, diagnosis: {symptom: GC2}, source: src, review: pending}"),
        "kb/triage.yaml:14",
        "criteria[0].diagnosis.symptom",
        "unknown symptom 'GC2' (did you mean 'GC02'?",
    ),
    "unknown question": (
        dict(
            l14="  - {code: fever, name: {id: D, en: F}, screening: {question: Q11,"
            " answers: {ya: true}}, source: src, review: pending}"
        ),
        "kb/triage.yaml:14",
        "criteria[0].screening.question",
        "unknown question 'Q11' (did you mean 'Q1'?",
    ),
    "unknown answer": (
        dict(
            l15="  - {code: nose, name: {id: P, en: N}, screening: {question: Q2, answers:"
            " {ya: true, tidk: false}}, source: src, review: pending}"
        ),
        "kb/triage.yaml:15",
        "criteria[1].screening.answers.tidk",
        "question Q2 has no answer 'tidk' (did you mean 'tidak'?",
    ),
    "an answer without a status": (
        dict(
            l15="  - {code: nose, name: {id: P, en: N}, screening: {question: Q2,"
            " answers: {ya: true}}, source: src, review: pending}"
        ),
        "kb/triage.yaml:15",
        "criteria[1].screening.answers",
        "no status for answer(s) tidak of Q2",
    ),
    "a status that is not one": (
        dict(
            l15="  - {code: nose, name: {id: P, en: N}, screening: {question: Q2,"
            " answers: {ya: maybe, tidak: false}}, source: src, review: pending}"
        ),
        "kb/triage.yaml:15",
        "criteria[1].screening.answers.ya",
        "'maybe' is not one of: True, False, unknown",
    ),
    "unknown criterion in a definition": (
        dict(l18="  - {code: sick, name: {id: S, en: S}, when: {all: [fevr, nose]}, source: src, review: pending}"),
        "kb/triage.yaml:18",
        "definitions[0].when",
        "unknown criterion or definition 'fevr' (did you mean 'fever'?",
    ),
    "at_least out of range": (
        dict(
            l19="  - {code: very_sick, name: {id: P, en: V}, when: {at_least: 4, of:"
            " [sick, fever, nose]}, source: src, review: pending}"
        ),
        "kb/triage.yaml:19",
        "definitions[1].when",
        "at_least 4 of 3 can never be true",
    ),
    "at_least zero": (
        dict(
            l19="  - {code: very_sick, name: {id: P, en: V}, when: {at_least: 0, of:"
            " [sick, fever]}, source: src, review: pending}"
        ),
        "kb/triage.yaml:19",
        "definitions[1].when",
        "a mapping is not allowed here (a criterion or definition code, {all: [...]}",
    ),
    "definitions in a circle": (
        dict(
            l18="  - {code: sick, name: {id: S, en: S}, when: {all: [very_sick, nose]}, source: src, review: pending}"
        ),
        "kb/triage.yaml:18",
        "definitions[0].when",
        "definitions use each other in a circle: sick -> very_sick -> sick",
    ),
    "unknown level in a rule": (
        dict(l21="  - {id: T1, when: gate, level: urgnt, note: {id: G, en: G}, source: src, review: pending}"),
        "kb/triage.yaml:21",
        "triage_rules[0].level",
        "unknown triage level 'urgnt' (did you mean 'urgent'?",
    ),
    "a rule id taken by a CF rule": (
        dict(l21="  - {id: R01, when: gate, level: urgent, note: {id: G, en: G}, source: src, review: pending}"),
        "kb/triage.yaml:21",
        "triage_rules[0].id",
        "duplicate rule id 'R01'",
    ),
    "a criterion named like a definition": (
        dict(l16="  - {code: sick, name: {id: G, en: G}, request: emergency, source: src, review: pending}"),
        "kb/triage.yaml:18",
        "definitions[0].code",
        "duplicate criterion or definition 'sick'",
    ),
    "a level without advice": (
        dict(l12="  - {code: home, title: {id: Rumah, en: Home}, source: src, review: pending}"),
        "kb/triage.yaml:12",
        "triage_levels[1]",
        "missing key 'advice'",
    ),
    "review confirmed without a reviewer": (
        dict(l9="  review: confirmed"),
        "kb/triage.yaml:9",
        "triage.review",
        "marked `review: confirmed` but kb.reviewers is empty",
    ),
    "no review mark": (
        dict(l21="  - {id: T1, when: gate, level: urgent, note: {id: G, en: G}, source: src}"),
        "kb/triage.yaml:21",
        "triage_rules[0]",
        "missing key 'review'",
    ),
    "an undeclared source": (
        dict(l8="  source: kmk"),
        "kb/triage.yaml:8",
        "triage.source",
        "source 'kmk' is not declared under kb.sources",
    ),
}


@pytest.mark.parametrize("replace, where, key, words", ROWS.values(), ids=ROWS.keys())
def test_triage_loader_errors(kb_dir, replace, where, key, words):
    with pytest.raises(KBError) as info:
        kbase.load(kb_dir({"triage.yaml": triage_file(**replace)}, screening=True))
    found = [p for p in info.value.problems if f"{p.path}:{p.line}" == where and p.key == key]
    assert found, str(info.value)
    assert words in str(found[0])


def test_triage_sections_need_the_triage_settings(kb_dir):
    text = "\n".join(LINES[9:]) + "\n"  # from `triage_levels:` on, without constants and triage
    with pytest.raises(KBError) as info:
        kbase.load(kb_dir({"triage.yaml": text}, screening=True))
    assert [str(p) for p in info.value.problems] == [
        "kb/triage.yaml:2:5: triage_levels[0]: `triage_levels` needs a `triage:` section (add `triage:` with"
        " default, likely, unlikely, case_definition, source and review)",
        "kb/triage.yaml:2:28: triage_levels[0].title.id: unknown placeholder '{limit}' (declare it under constants)",
        "kb/triage.yaml:2:60: triage_levels[0].title.en: unknown placeholder '{limit}' (declare it under constants)",
    ]


def test_a_case_expecting_an_unknown_level_rule_or_definition(kb_dir):
    cases = (
        "cases:\n"
        "  - id: C9\n"
        "    mode: diagnosis\n"
        "    symptoms: {GC02: 1.0}\n"
        "    expect: PC01\n"
        "    expect_triage: {level: urgnt, rule: T3}\n"
        "    expect_status: {sik: met}\n"
        "    source: src\n"
    )
    with pytest.raises(KBError) as info:
        kbase.load(kb_dir({"triage.yaml": triage_file(), "cases.yaml": cases}, screening=True))
    assert [(p.line, p.key, p.message) for p in info.value.problems] == [
        (6, "cases[0].expect_triage.level", "unknown triage level 'urgnt'"),
        (6, "cases[0].expect_triage.rule", "unknown triage rule 'T3'"),
        (7, "cases[0].expect_status.sik", "unknown definition 'sik'"),
    ]
