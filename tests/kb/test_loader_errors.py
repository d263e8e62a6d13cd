"""Every loader error, one row each: the exact ``file:line`` and key of the problem, and the essential words
of its message and hint. Each broken file is written out in full below, so its line numbers can be read
off this file. The working directory is the temporary directory, so files show as ``kb/<name>.yaml``."""

from __future__ import annotations

import traceback

import pytest

import kb as kbase
from kb import KBError, Problem
from testing.kbfiles import KB_YAML, OPTIONAL

# KB_YAML is the mini KB's kb.yaml, which a row writes again as a second file. The screening's rows add:
SCREENING = {"screening.yaml": OPTIONAL["screening.yaml"]}

# --- small files used by several rows --------------------------------------------------------------------

ONE_RULE = """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    source: src
"""

ONE_FINDING = """\
findings:
  - code: F1
    name: {id: Flu, en: Flu}
    source: src
"""


def symptom_gc01(cf="0.8", source="src", code="GC01"):
    """A symptoms file with only GC01; its `cf` stands on line 6, `source` on line 7, `code` on line 2."""
    return (
        "symptoms:\n"
        f"  - code: {code}\n"
        "    name: {id: Pilek, en: Runny nose}\n"
        '    question: {id: "Pilek?", en: "Runny nose?"}\n'
        "    category: respiratory\n"
        f"    cf: {cf}\n"
        f"    source: {source}\n"
    )


def one_decision(when_lines, then="S2", salience=5):
    """A decisions file with one decision D3: `when` from line 3, then, salience, note and source after."""
    return (
        "decisions:\n"
        "  - id: D3\n" + when_lines + f"    then: {then}\n"
        f"    salience: {salience}\n"
        "    note: {id: Catatan, en: Note}\n"
        "    source: src\n"
    )


# --- the table ----------------------------------------------------------------------------------------------
# pytest.param(files written over the mini KB, expected problems in order, id=the problem). Each expected
# problem: (file:line, key or None when the reader gives no key path, words that must appear in str(problem)).

ROWS = [
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    source: src
  - id: R02
    if: GC02
    then: PC01: oops
    cf: 1.0
    source: src
"""
        },
        [("kb/rules.yaml:9", "", ["YAML syntax error", "mapping values are not allowed", "check indentation"])],
        id="yaml-syntax",
    ),
    pytest.param(
        {"rules.yaml": "rules:\n  - id: R01\n\tif: GC01\n"},
        [("kb/rules.yaml:3", "", ["YAML syntax error"])],
        id="yaml-syntax-tab",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    cf: 0.6
    source: src
"""
        },
        [("kb/rules.yaml:6", "cf", ["key 'cf' is repeated", "first on line 5", "keep one of them"])],
        id="repeated-key",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    source: src
  - id: R02
    if: GC02
    then: PC01
    cf: 1.0
"""
        },
        [("kb/rules.yaml:7", "rules[1]", ["missing key 'source'", "add `source:`"])],
        id="missing-key",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    thne: PC01
    cf: 0.8
    source: src
"""
        },
        [
            ("kb/rules.yaml:2", "rules[0]", ["missing key 'then'"]),
            ("kb/rules.yaml:4", "rules[0].thne", ["unknown key 'thne'", "did you mean 'then'?"]),
        ],
        id="unknown-key-did-you-mean",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    then: PC01
    weight: 2
    cf: 0.8
    colour: red
    source: src
"""
        },
        [
            ("kb/rules.yaml:5", "rules[0].weight", ["unknown key 'weight'", "allowed keys here: id, if, then"]),
            ("kb/rules.yaml:7", "rules[0].colour", ["unknown key 'colour'"]),
        ],
        id="several-unknown-keys",
    ),
    pytest.param(
        {
            "scale.yaml": """\
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: pasti, cf: 1.5, label: {id: Pasti, en: Certain}, source: src}
"""
        },
        [("kb/scale.yaml:3", "scale[1].cf", ["1.5 is outside the allowed range [0, 1]", "use a number from 0 to 1"])],
        id="scale-cf-above-one",
    ),
    pytest.param(
        {
            "extra.yaml": """\
# notes
fidnings: []
"""
        },
        [("kb/extra.yaml:2", "fidnings", ["unknown section 'fidnings'", "did you mean 'findings'?"])],
        id="unknown-section",
    ),
    pytest.param(
        {"symptoms.yaml": symptom_gc01(cf="high"), "rules.yaml": ONE_RULE},
        [("kb/symptoms.yaml:6", "symptoms[0].cf", ["expected a number", "found the text 'high'"])],
        id="wrong-type-cf-text",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  id: R01
  if: GC01
"""
        },
        [("kb/rules.yaml:1", "rules", ["expected a list", "found a mapping"])],
        id="wrong-type-section-not-list",
    ),
    pytest.param(
        {**SCREENING, "z_decisions.yaml": one_decision("    when: {all: {Q1: ya, Q2: ya}}\n", salience='"high"')},
        [("kb/z_decisions.yaml:5", "decisions[0].salience", ["expected a whole number", "found the text 'high'"])],
        id="wrong-type-salience",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("cf: 0.8", "cf: 1.5")},
        [("kb/rules.yaml:5", "rules[0].cf", ["1.5 is outside the allowed range [-1, 1]"])],
        id="cf-above-1",
    ),
    pytest.param(
        {"symptoms.yaml": symptom_gc01(cf="-1.2"), "rules.yaml": ONE_RULE},
        [("kb/symptoms.yaml:6", "symptoms[0].cf", ["-1.2 is outside the allowed range [-1, 1]"])],
        id="cf-below-minus-1",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("id: R01", "id: 1R")},
        [("kb/rules.yaml:2", "rules[0].id", ["'1R' is not a valid code", "starts with a letter"])],
        id="invalid-code",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("if: GC01", "if: GC1")},
        [("kb/rules.yaml:3", "rules[0].if", ["unknown symptom or finding 'GC1'", "did you mean 'GC01'?"])],
        id="unknown-premise",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("then: PC01", "then: PC1")},
        [("kb/rules.yaml:4", "rules[0].then", ["unknown hypothesis or finding 'PC1'", "did you mean 'PC01'?"])],
        id="unknown-conclusion",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("if: GC01", "if: PC02")},
        [
            (
                "kb/rules.yaml:3",
                "rules[0].if",
                ["'PC02' is a hypothesis, which cannot be a premise", "conclude a finding instead"],
            )
        ],
        id="hypothesis-as-premise",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("source: src", "source: scr Tabel 4")},
        [
            (
                "kb/rules.yaml:6",
                "rules[0].source",
                ["source 'scr' is not declared under kb.sources", "did you mean 'src'?"],
            )
        ],
        id="unknown-source",
    ),
    pytest.param(
        {"symptoms.yaml": symptom_gc01() + symptom_gc01().replace("symptoms:\n", ""), "rules.yaml": ONE_RULE},
        [("kb/symptoms.yaml:8", "symptoms[1].code", ["duplicate code 'GC01'", "first at kb/symptoms.yaml:2"])],
        id="duplicate-code-same-file",
    ),
    pytest.param(
        {"symptoms2.yaml": symptom_gc01(code="GC02")},
        [("kb/symptoms2.yaml:2", "symptoms[0].code", ["duplicate code 'GC02'", "first at kb/symptoms.yaml:8"])],
        id="duplicate-code-other-file",
    ),
    pytest.param(
        {
            "rules.yaml": ONE_RULE,
            "hypotheses.yaml": """\
hypotheses:
  - code: PC01
    name: {id: Suspek, en: Suspect}
    info: {id: Info, en: Info}
    advice: {id: Saran, en: Advice}
    source: src
  - code: GC03
    name: {id: Lain, en: Other}
    info: {id: Info, en: Info}
    advice: {id: Saran, en: Advice}
    source: src
""",
        },
        [("kb/hypotheses.yaml:7", "hypotheses[1].code", ["duplicate code 'GC03'", "first at kb/symptoms.yaml:14"])],
        id="duplicate-code-symptom-and-hypothesis",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    source: src
  - id: R01
    if: GC02
    then: PC01
    cf: 1.0
    source: src
"""
        },
        [("kb/rules.yaml:7", "rules[1].id", ["duplicate rule id 'R01'", "first at kb/rules.yaml:2"])],
        id="duplicate-rule-id",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    source: src
  - id: R02
    if: GC01
    then: PC01
    cf: 0.5
    source: src
"""
        },
        [
            (
                "kb/rules.yaml:8",
                "rules[1].if",
                ["same evidence as R01", "(GC01)", "'PC01'", "counted twice", "merge it into R01"],
            )
        ],
        id="counted-twice",
    ),
    pytest.param(
        {
            "findings.yaml": ONE_FINDING,
            "rules.yaml": """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    source: src
  - id: R10
    if: GC01
    then: F1
    cf: 0.5
    source: src
  - id: R11
    if: F1
    then: PC01
    cf: 0.5
    source: src
""",
        },
        [("kb/rules.yaml:13", "rules[2].if", ["same evidence as R01", "(GC01)", "counted twice"])],
        id="counted-twice-through-finding",
    ),
    pytest.param(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: {all: [GC01, GC02, GC01]}
    then: PC01
    cf: 0.8
    source: src
"""
        },
        [("kb/rules.yaml:3", "rules[0].if", ["names GC01 more than once", "count twice", "name each code once"])],
        id="premise-repeats-code",
    ),
    pytest.param(
        {"findings.yaml": ONE_FINDING},
        [("kb/findings.yaml:2", "findings[0].code", ["finding 'F1' is never concluded by any rule", "then: F1"])],
        id="finding-never-concluded",
    ),
    pytest.param(
        {
            "findings.yaml": """\
findings:
  - code: F1
    name: {id: Satu, en: One}
    source: src
  - code: F2
    name: {id: Dua, en: Two}
    source: src
""",
            "rules.yaml": """\
rules:
  - id: R10
    if: F2
    then: F1
    cf: 0.5
    source: src
  - id: R11
    if: {all: [F1, GC01]}
    then: F2
    cf: 0.5
    source: src
""",
        },
        [("kb/findings.yaml:2", "findings[0].code", ["in a circle", "F1 -> F2 -> F1", "layers"])],
        id="findings-cycle",
    ),
    pytest.param(
        {
            "findings.yaml": ONE_FINDING,
            "rules.yaml": """\
rules:
  - id: R10
    if: {any: [GC01, F1]}
    then: F1
    cf: 0.5
    source: src
""",
        },
        [
            ("kb/findings.yaml:2", "findings[0].code", ["in a circle", "F1 -> F1"]),
            ("kb/rules.yaml:4", "rules[0].then", ["rule concludes 'F1' from itself"]),
        ],
        id="rule-concludes-itself",
    ),
    pytest.param(
        {
            **SCREENING,
            "z_decisions.yaml": one_decision("""\
    when:
      all:
        Q01: ya
"""),
        },
        [("kb/z_decisions.yaml:5", "decisions[0].when.all.Q01", ["unknown question 'Q01'", "did you mean 'Q1'?"])],
        id="decision-unknown-question",
    ),
    pytest.param(
        {
            **SCREENING,
            "z_decisions.yaml": one_decision("""\
    when:
      all:
        Q1: [ya, mungkin]
"""),
        },
        [
            (
                "kb/z_decisions.yaml:5",
                "decisions[0].when.all.Q1",
                ["question Q1 has no answer 'mungkin'", "its answers are: ya, tidak"],
            )
        ],
        id="decision-impossible-answer",
    ),
    pytest.param(
        {**SCREENING, "z_decisions.yaml": one_decision("    when: {all: {Q1: ya}}\n", then="S9", salience=5)},
        [("kb/z_decisions.yaml:4", "decisions[0].then", ["unknown solution 'S9'"])],
        id="decision-unknown-solution",
    ),
    pytest.param(
        {**SCREENING, "z_decisions.yaml": one_decision("    when: {all: {Q1: ya}}\n", then="S2", salience=20)},
        [
            (
                "kb/z_decisions.yaml:5",
                "decisions[0].salience",
                ["salience conflict", "D3 and D1", "salience 20", "different solutions", "higher salience"],
            )
        ],
        id="salience-conflict",
    ),
    pytest.param(
        {
            **SCREENING,
            "cases.yaml": """\
cases:
  - id: C1
    mode: screening
    answers: {Q1: ya}
    expect: S1
    source: src
""",
        },
        [("kb/cases.yaml:4", "cases[0].answers", ["no answer for question Q2"])],
        id="screening-case-missing-answer",
    ),
    pytest.param(
        {
            "cases.yaml": """\
cases:
  - id: C2
    mode: diagnosis
    symptoms: {GC01: 0.3}
    expect: PC01
    source: src
"""
        },
        [
            (
                "kb/cases.yaml:4",
                "cases[0].symptoms.GC01",
                ["0.3 is not a level of the scale", "use one of: 0, 0.4, 0.8, 1.0"],
            )
        ],
        id="case-level-not-on-scale",
    ),
    pytest.param(
        {
            "cases.yaml": """\
cases:
  - id: C3
    mode: diagnosis
    symptoms: [GC01]
    levels: [0.4, 0.5]
    expect: PC01
    source: src
"""
        },
        [("kb/cases.yaml:5", "cases[0].levels", ["0.5 is not a level of the scale"])],
        id="case-levels-not-on-scale",
    ),
    pytest.param(
        {
            "scale.yaml": """\
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: besar, cf: 0.8, label: {id: Besar, en: Likely}, source: src}
  - {code: mungkin, cf: 0.4, label: {id: Mungkin, en: Maybe}, source: src}
  - {code: pasti, cf: 1.0, label: {id: Pasti, en: Certain}, source: src}
"""
        },
        [("kb/scale.yaml:4", "scale[2].cf", ["scale levels must rise: 0.4 follows 0.8", "from 0 up to 1"])],
        id="scale-does-not-rise",
    ),
    pytest.param(
        {
            "scale.yaml": """\
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: mungkin, cf: 0.4, label: {id: Mungkin, en: Maybe}, source: src}
  - {code: besar, cf: 0.40, label: {id: Besar, en: Likely}, source: src}
"""
        },
        [("kb/scale.yaml:4", "scale[2].cf", ["scale levels must rise"])],
        id="scale-repeats-level",
    ),
    pytest.param(
        {
            "scale.yaml": """\
scale:
  - {code: mungkin, cf: 0.4, label: {id: Mungkin, en: Maybe}, source: src}
  - {code: pasti, cf: 1.0, label: {id: Pasti, en: Certain}, source: src}
"""
        },
        [("kb/scale.yaml:2", "scale[0].cf", ["first level of the scale must be 0"])],
        id="scale-starts-above-0",
    ),
    pytest.param(
        {"notes.yaml": b"findings: []\n# caf\xe9 au lait\n"},
        [("kb/notes.yaml:2", "", ["not UTF-8 text", "save the file as UTF-8"])],
        id="not-utf8",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("source: src", "source: s\x07rc")},
        [("kb/rules.yaml:6", "", ["rules.yaml:6:14:", "character U+0007 may not appear in a YAML file", "delete it"])],
        id="control-character",
    ),
    pytest.param(
        {"meta.yaml": KB_YAML},
        [("kb/meta.yaml:1", "kb", ["section 'kb' is declared twice", "first in kb/kb.yaml", "keep a single one"])],
        id="kb-section-twice",
    ),
    pytest.param({"kb.yaml": None}, [("kb:1", "kb", ["no file declares the `kb` section"])], id="no-kb-section"),
    pytest.param(
        {"scale.yaml": None},
        [("kb/rules.yaml:2", "rules[0]", ["CF rules need a certainty `scale`", "add a `scale:` section"])],
        id="rules-without-scale",
    ),
    pytest.param(
        {"rules.yaml": ONE_RULE.replace("cf: 0.8", "cf: .nan")},
        [("kb/rules.yaml:5", None, ["'.nan' is not a finite number", "decimal number"])],
        id="nan-cf",
    ),
    pytest.param(
        {"symptoms.yaml": symptom_gc01(cf="-.inf"), "rules.yaml": ONE_RULE},
        [("kb/symptoms.yaml:6", None, ["'-.inf' is not a finite number"])],
        id="inf-cf",
    ),
]


def _load_problems(path) -> list[Problem]:
    with pytest.raises(KBError) as info:
        kbase.load(path)
    return info.value.problems


def _check(problems, expected):
    assert [f"{p.path}:{p.line}" for p in problems] == [where for where, _, _ in expected], "\n".join(
        map(str, problems)
    )
    for problem, (_, key, words) in zip(problems, expected, strict=True):
        if key is not None:
            assert problem.key == key, str(problem)
        text = str(problem)
        for word in words:
            assert word in text, f"{word!r} not in {text!r}"


@pytest.mark.parametrize("files, expected", ROWS)
def test_problem_is_reported_at_its_line(kb_dir, files, expected):
    _check(_load_problems(kb_dir(files)), expected)


def test_base_kb_of_the_fixture_loads(kb_dir):
    """The table above breaks one thing at a time in a KB that is otherwise valid."""
    loaded = kbase.load(kb_dir(screening=True, cases=True))
    assert [s.code for s in loaded.symptoms] == ["GC01", "GC02", "GC03"]
    assert [r.id for r in loaded.rules] == ["R01", "R02", "R03"]
    assert [d.id for d in loaded.decisions] == ["D1", "D2"]
    assert [c.id for c in loaded.cases] == ["C1", "C2"]


def test_problem_renders_as_file_line_col_key_message_hint(kb_dir):
    path = kb_dir({"rules.yaml": ONE_RULE.replace("if: GC01", "if: GC1")})
    (problem,) = _load_problems(path)
    assert str(problem) == (
        "kb/rules.yaml:3:5: rules[0].if: unknown symptom or finding 'GC1' "
        "(did you mean 'GC01'? declare it under symptoms or findings)"
    )
    assert (problem.line, problem.col) == (3, 5)


def _folder(root, name, files=()):
    """``root/name`` as a new directory holding ``files`` (each with a line of text)."""
    (root / name).mkdir()
    for file_name in files:
        (root / name / file_name).write_text("x\n")
    return root / name


def _file(root, name):
    (root / name).write_text("kb: {}\n")
    return root / name


@pytest.mark.parametrize(
    "make, message",
    [
        pytest.param(lambda root: root / "missing", "not a KB directory", id="missing-directory"),
        pytest.param(lambda root: _folder(root, "empty"), "no *.yaml files here", id="empty-directory"),
        pytest.param(lambda root: _folder(root, "other", ["notes.txt"]), "no *.yaml files here", id="no-yaml-files"),
        pytest.param(lambda root: _file(root, "file.yaml"), "not a KB directory", id="a-file-not-a-directory"),
    ],
)
def test_directory_problems(kb_dir, tmp_path, make, message):
    path = make(tmp_path)
    problems = _load_problems(path)
    assert [(p.path, p.line, p.message) for p in problems] == [(path.name, 1, message)]


def test_several_problems_in_several_files_are_all_reported_sorted(kb_dir):
    path = kb_dir(
        {
            "rules.yaml": """\
rules:
  - id: R01
    if: GC1
    then: PC01
    cf: 0.8
    source: src
  - id: R02
    if: GC02
    then: PC01
    cf: 1.5
    source: src
""",
            "symptoms.yaml": """\
symptoms:
  - code: GC01
    name: {id: Pilek, en: Runny nose}
    question: {id: "Pilek?", en: "Runny nose?"}
    category: respiratory
    cf: 0.8
    source: scr
  - code: GC02
    name: {id: Demam, en: Fever}
    question: {id: "Demam?", en: "Fever?"}
    category: general
    cf: 1.0
    source: src
    sourse: src
""",
            "scale.yaml": """\
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: pasti, cf: 1.0, label: {id: Pasti, en: Certain}, source: src}
  - {code: besar, cf: 0.8, label: {id: Besar, en: Likely}, source: src}
""",
            "a_broken.yaml": "findings: [\n",
        }
    )
    with pytest.raises(KBError) as info:
        kbase.load(path)
    problems = info.value.problems
    assert [(p.path, p.line, p.key) for p in problems] == [
        ("kb/a_broken.yaml", 2, ""),
        ("kb/rules.yaml", 3, "rules[0].if"),
        ("kb/rules.yaml", 10, "rules[1].cf"),
        ("kb/scale.yaml", 4, "scale[2].cf"),
        ("kb/symptoms.yaml", 7, "symptoms[0].source"),
        ("kb/symptoms.yaml", 14, "symptoms[1].sourse"),
    ]
    assert problems == sorted(problems)
    text = str(info.value)
    assert text.splitlines()[0] == "6 problems in the knowledge base:"
    assert text.splitlines()[1:] == [str(p) for p in problems]


def test_bundled_kb_has_no_problems():
    loaded = kbase.load()
    assert loaded.id == "covid19"
    assert kbase.load(kbase.bundled_path()).version == loaded.version


# --- robustness: whatever is in the files, the loader answers with KBError ---------------------------------

# Malformed entries, used both to check that load() raises only KBError and that they hide nothing.
SCALE_CF_TEXT = """\
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: pasti, cf: high, label: {id: Pasti, en: Certain}, source: src}
"""

QUESTION_ANSWERS_A_NUMBER = """\
answers:
  - {code: ya, label: {id: Ya, en: "Yes"}}
questions:
  - code: Q1
    text: {id: Demam, en: Fever}
    answers: 5
    source: src
"""

CASE_SYMPTOMS_NESTED = """\
cases:
  - id: C1
    mode: diagnosis
    symptoms: [[GC01]]
    expect: PC01
    source: src
"""

CASE_EXPECT_A_LIST = """\
cases:
  - id: C1
    mode: diagnosis
    symptoms: [GC01]
    expect: [PC01]
    source: src
"""

CASE_LEVELS_A_NUMBER = """\
cases:
  - id: C1
    mode: diagnosis
    symptoms: [GC01]
    levels: 5
    expect: PC01
    source: src
"""

ODD = [
    pytest.param({"extra.yaml": "- a\n- b\n"}, id="file-is-a-list"),
    pytest.param({"extra.yaml": "hello\n"}, id="file-is-a-scalar"),
    pytest.param({"rules.yaml": "rules: [5]\n"}, id="rule-is-a-number"),
    pytest.param({"rules.yaml": ONE_RULE.replace("if: GC01", "if: {all: GC01}")}, id="premise-all-not-a-list"),
    pytest.param({"rules.yaml": ONE_RULE.replace("if: GC01", "if: {}")}, id="premise-empty-mapping"),
    pytest.param({"rules.yaml": ONE_RULE.replace("if: GC01", "if: {all: [[GC01], GC02]}")}, id="premise-nested-list"),
    pytest.param({"extra.yaml": "[a, b]: 1\n"}, id="key-is-a-list"),
    pytest.param({"extra.yaml": "~: 1\n"}, id="key-is-null"),
    pytest.param(
        {"kb.yaml": KB_YAML.replace("  sources:\n    - id: src\n      citation: A test source\n", "  sources: 5\n")},
        id="sources-not-a-list",
    ),
    pytest.param(
        {"kb.yaml": KB_YAML.replace("    - id: src\n      citation", "    - citation")}, id="source-without-id"
    ),
    pytest.param({"scale.yaml": SCALE_CF_TEXT}, id="scale-cf-text-after-0"),
    pytest.param({"screening.yaml": QUESTION_ANSWERS_A_NUMBER}, id="question-answers-a-number"),
    pytest.param({"cases.yaml": CASE_SYMPTOMS_NESTED}, id="case-symptoms-nested-list"),
    pytest.param({"cases.yaml": CASE_EXPECT_A_LIST}, id="case-expect-a-list"),
    pytest.param({"cases.yaml": CASE_LEVELS_A_NUMBER}, id="case-levels-a-number"),
    pytest.param({"extra.yaml": "x: !!python/object/apply:os.getcwd []\n"}, id="python-tag"),
    pytest.param({"rules.yaml": ONE_RULE.replace("source: src", "source: !!binary aGVsbG8=")}, id="binary-value"),
]


@pytest.mark.parametrize(
    "files",
    [pytest.param(row.values[0], id=row.id) for row in ROWS]
    + [pytest.param(*row.values, id="odd-" + row.id) for row in ODD],
)
def test_load_raises_only_kberror(kb_dir, files):
    path = kb_dir(files)
    try:
        kbase.load(path)
    except KBError as exc:
        assert exc.problems, "a KBError lists at least one problem"
        for problem in exc.problems:
            assert isinstance(problem, Problem)
            assert isinstance(problem.path, str) and problem.path
            assert isinstance(problem.line, int) and problem.line >= 1
            assert "could not build the KB" not in problem.message, str(problem)
            assert "could not cross-check the KB" not in problem.message, str(problem)
    except Exception as exc:  # the point of the test: report the leak, with where it came from
        pytest.fail(f"load leaked {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    else:
        pytest.fail("this KB is broken and must not load")


# --- a malformed entry must not hide the problems of the checks that come after it --------------------------

CASE_PC9 = """\
  - id: C9
    mode: diagnosis
    symptoms: [GC01]
    expect: PC9
    source: src
"""

HIDDEN = [
    pytest.param(
        {"scale.yaml": SCALE_CF_TEXT, "rules.yaml": ONE_RULE.replace("if: GC01", "if: GC1")},
        ("kb/scale.yaml:3", "scale[1].cf"),
        ("kb/rules.yaml:3", "rules[0].if"),
        id="scale-cf-text",
    ),
    pytest.param(
        {"screening.yaml": QUESTION_ANSWERS_A_NUMBER, "cases.yaml": "cases:\n" + CASE_PC9},
        ("kb/screening.yaml:6", "questions[0].answers"),
        ("kb/cases.yaml:5", "cases[0].expect"),
        id="question-answers-a-number",
    ),
    pytest.param(
        {"cases.yaml": CASE_SYMPTOMS_NESTED + CASE_PC9},
        ("kb/cases.yaml:4", "cases[0].symptoms"),
        ("kb/cases.yaml:10", "cases[1].expect"),
        id="case-symptoms-nested-list",
    ),
    pytest.param(
        {"cases.yaml": CASE_EXPECT_A_LIST + CASE_PC9},
        ("kb/cases.yaml:5", "cases[0].expect"),
        ("kb/cases.yaml:10", "cases[1].expect"),
        id="case-expect-a-list",
    ),
    pytest.param(
        {"cases.yaml": CASE_LEVELS_A_NUMBER + CASE_PC9},
        ("kb/cases.yaml:5", "cases[0].levels"),
        ("kb/cases.yaml:11", "cases[1].expect"),
        id="case-levels-a-number",
    ),
]


@pytest.mark.parametrize("files, malformed, other", HIDDEN)
def test_a_malformed_entry_does_not_hide_other_problems(kb_dir, files, malformed, other):
    """All problems are reported in one run: the schema problem AND the cross-reference problem found by a
    later check (unknown premise GC1, or a case expecting the unknown hypothesis PC9)."""
    problems = _load_problems(kb_dir(files))
    found = [(f"{p.path}:{p.line}", p.key) for p in problems]
    assert malformed in found, "\n".join(map(str, problems))
    assert other in found, "\n".join(map(str, problems))
