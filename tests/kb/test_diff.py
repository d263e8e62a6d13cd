"""kb.diff: two KB versions compared item by item (typed changes and their lines) and as text.

Each case starts from the mini KB of testing/kbfiles.py (with its screening and cases) and changes one
thing in one file; the expected lines are written out in full.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

import kb
from kb import diff
from kb.model import Text
from rules.i18n import tr
from testing.kbfiles import BASE
from testing.kbvariants import MINI


def load(changes: dict[str, tuple[str, str]] | None = None, **files: str | None):
    """The mini KB with ``changes`` ({file: (old, new)}: ``old`` must be there) and whole files replaced,
    added or (None) dropped."""
    content: dict[str, str] = dict(MINI)
    for name, (old, new) in (changes or {}).items():
        assert old in content[name], f"{old!r} is not in {name}"
        content[name] = content[name].replace(old, new, 1)
    for name, text in files.items():
        if text is None:
            content.pop(name.replace("_", "."), None)
        else:
            content[name.replace("_", ".")] = text
    return kb.load_files(content)


@pytest.fixture(scope="module")
def base():
    yield load()


def lines(old, new) -> list[str]:
    return diff.diff(old, new).lines()


R04 = """\
  - id: R04
    if: {all: [GC01, GC02]}
    then: PC02
    cf: 0.5
    source: src
"""

SWAPPED = """\
hypotheses:
  - code: PC02
    name: {id: Probable, en: Probable}
    info: {id: Info probable, en: Probable info}
    advice: {id: Saran probable, en: Probable advice}
    source: src
  - code: PC01
    name: {id: Suspek, en: Suspect}
    info: {id: Info suspek, en: Suspect info}
    advice: {id: Saran suspek, en: Suspect advice}
    source: src
"""

CASES = [
    # (what, {file: (old text, new text)}, expected lines)
    ("symptom CF", {"symptoms.yaml": ("    cf: 0.6\n", "    cf: 0.8\n")}, ["GC03 CF 0.6 → 0.8"]),
    ("rule CF to an integer", {"rules.yaml": ("    cf: 0.8\n", "    cf: 1\n")}, ["R01 CF 0.8 → 1"]),
    ("rule CF negative", {"rules.yaml": ("    cf: 0.6\n", "    cf: -0.25\n")}, ["R03 CF 0.6 → -0.25"]),
    (
        "rule premise",
        {"rules.yaml": ("    if: GC01\n", "    if: {all: [GC01, GC02]}\n")},
        ["R01 premise GC01 → ALL(GC01, GC02)"],
    ),
    (
        "rule conclusion",
        {"rules.yaml": ("    if: GC02\n    then: PC01\n", "    if: GC02\n    then: PC02\n")},
        ["R02 conclusion PC01 → PC02"],
    ),
    (
        "rule threshold",
        {"rules.yaml": ("    cf: 0.8\n    source: src\n", "    cf: 0.8\n    threshold: 0.2\n    source: src\n")},
        ["R01 threshold 0 → 0.2"],
    ),
    ("rule added", {"rules.yaml": ("  - id: R03\n", R04 + "  - id: R03\n")}, ["rule R04 added"]),
    (
        "advice in both languages",
        {"screening.yaml": ("advice: {id: Ke dokter, en: See a doctor}", "advice: {id: Ke puskesmas, en: Go now}")},
        ["S1 advice changed"],
    ),
    (
        "advice in English only",
        {"screening.yaml": ("advice: {id: Ke dokter, en: See a doctor}", "advice: {id: Ke dokter, en: Go now}")},
        ["S1 advice changed (en)"],
    ),
    (
        "hypothesis name in Indonesian only",
        {"hypotheses.yaml": ("name: {id: Suspek, en: Suspect}", "name: {id: Suspek COVID, en: Suspect}")},
        ["PC01 name changed (id)"],
    ),
    (
        "question text",
        {"screening.yaml": ('text: {id: "Demam?", en: "Fever?"}', 'text: {id: "Panas?", en: "Hot?"}')},
        ["Q1 text changed"],
    ),
    (
        "question's symptom",
        {"screening.yaml": ("    symptom: GC02\n", "    symptom: GC01\n")},
        ["Q1 symptom GC02 → GC01"],
    ),
    (
        "decision condition",
        {"screening.yaml": ("when: {any: {Q1: ya, Q2: ya}}", "when: {any: {Q1: ya, Q2: [ya, tidak]}}")},
        ["D1 condition ANY(Q1: ya, Q2: ya) → ANY(Q1: ya, Q2: tidak|ya)"],
    ),
    ("decision salience", {"screening.yaml": ("salience: 20", "salience: 25")}, ["D1 salience 20 → 25"]),
    (
        "source citation",
        {"kb.yaml": ("citation: A test source", "citation: Another source")},
        ["src citation A test source → Another source"],
    ),
    (
        "source added",
        {
            "kb.yaml": (
                "      citation: A test source\n",
                "      citation: A test source\n    - {id: who, citation: WHO}\n",
            )
        },
        ["source who added"],
    ),
    ("KB label", {"kb.yaml": ('version: "0.1"', 'version: "0.2"')}, ["KB label 0.1 → 0.2"]),
    (
        "KB disclaimer",
        {"kb.yaml": ("disclaimer: {id: Hanya uji, en: Only a test}", "disclaimer: {id: Uji, en: Test}")},
        ["KB disclaimer changed"],
    ),
    (
        "scale label",
        {"scale.yaml": ("label: {id: Besar, en: Likely}", "label: {id: Besar, en: Quite likely}")},
        ["besar label changed (en)"],
    ),
    (
        "group name",
        {"groups.yaml": ("{id: Umum, en: General}", "{id: Umum, en: Whole body}")},
        ["general name changed (en)"],
    ),
    (
        "symptom group",
        {"symptoms.yaml": ("    category: digestive\n", "    category: general\n")},
        ["GC03 group digestive → general"],
    ),
    (
        "case expectation",
        {"cases.yaml": ("expect_cf: {PC01: 0.64}", "expect_cf: {PC01: 0.65}")},
        ["C2 expected CFs {PC01: 0.64} → {PC01: 0.65}"],
    ),
    (
        "hypotheses swapped",
        {"hypotheses.yaml": (BASE["hypotheses.yaml"], SWAPPED)},
        ["order of the hypothesis entries changed"],
    ),
]


@pytest.mark.parametrize(("what", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_one_change_one_line(base, what, changes, expected):
    assert lines(base, load(changes)) == expected


def test_the_same_kb_has_no_change(base):
    result = diff.diff(base, load())
    assert result.same and result.changes == () and result.lines() == []
    assert result.old_version == result.new_version == base.version


def test_reformatting_is_no_change(base):
    reformatted = load({"rules.yaml": ("rules:\n", "# a comment\nrules:\n\n")})
    assert reformatted.version == base.version
    assert diff.diff(base, reformatted).same


CASES_WITHOUT_SCREENING = """\
cases:
  - id: C2
    mode: diagnosis
    symptoms: {GC01: 0.8}
    expect: PC01
    expect_cf: {PC01: 0.64}
    source: src
"""


def test_removed_entries_and_their_kinds(base):
    no_screening = load(screening_yaml=None, cases_yaml=CASES_WITHOUT_SCREENING)
    assert lines(base, no_screening) == [
        "answer ya removed",
        "answer tidak removed",
        "question Q1 removed",
        "question Q2 removed",
        "solution S1 removed",
        "solution S2 removed",
        "decision D1 removed",
        "decision D2 removed",
        "test case C1 removed",
    ]
    assert lines(no_screening, base)[:2] == ["answer ya added", "answer tidak added"]


def test_several_changes_keep_the_kb_order(base):
    changed = load(
        {
            "symptoms.yaml": ("    cf: 0.6\n", "    cf: 0.8\n"),
            "rules.yaml": ("    cf: 0.6\n", "    cf: 0.8\n"),
            "kb.yaml": ('version: "0.1"', 'version: "0.2"'),
        }
    )
    result = diff.diff(base, changed)
    assert result.lines() == ["KB label 0.1 → 0.2", "GC03 CF 0.6 → 0.8", "R03 CF 0.6 → 0.8"]
    assert result.counts() == {"kb": 1, "symptom": 1, "rule": 1}
    assert result.changes[1] == diff.Change("symptom", "GC03", "cf", Fraction(3, 5), Fraction(4, 5))


def test_change_records_and_json(base):
    changed = load(
        {
            "symptoms.yaml": ("    cf: 0.6\n", "    cf: 0.8\n"),
            "screening.yaml": ("advice: {id: Ke dokter, en: See a doctor}", "advice: {id: Ke dokter, en: Go now}"),
        }
    )
    result = diff.diff(base, changed)
    advice = result.changes[1]
    assert advice == diff.Change(
        "solution", "S1", "advice", Text("Ke dokter", "See a doctor"), Text("Ke dokter", "Go now")
    )
    assert advice.languages == ("en",)
    assert result.to_json() == {
        "old": base.version,
        "new": changed.version,
        "changes": [
            {"kind": "symptom", "code": "GC03", "field": "cf", "old": "0.6", "new": "0.8", "text": "GC03 CF 0.6 → 0.8"},
            {
                "kind": "solution",
                "code": "S1",
                "field": "advice",
                "old": {"id": "Ke dokter", "en": "See a doctor"},
                "new": {"id": "Ke dokter", "en": "Go now"},
                "text": "S1 advice changed (en)",
            },
        ],
        "counts": {"symptom": 1, "solution": 1},
    }


def test_an_added_entry_carries_its_fields(base):
    (change,) = diff.diff(base, load({"rules.yaml": ("  - id: R03\n", R04 + "  - id: R03\n")})).changes
    assert (change.kind, change.code, change.field, change.old) == ("rule", "R04", "added", None)
    assert diff.plain(change.new) == {
        "id": "R04",
        "premise": "ALL(GC01, GC02)",
        "conclusion": "PC02",
        "cf": "0.5",
        "threshold": "0",
        "source": "src",
        "note": "",
    }


def test_lines_in_indonesian(base):
    changed = load(
        {
            "symptoms.yaml": ("    cf: 0.6\n", "    cf: 0.8\n"),
            "rules.yaml": ("  - id: R03\n", R04 + "  - id: R03\n"),
            "screening.yaml": ("advice: {id: Ke dokter, en: See a doctor}", "advice: {id: Ke dokter, en: Go now}"),
        }
    )
    result = diff.diff(base, changed)
    assert result.lines(lambda message: tr("id", message)) == [
        "GC03 CF 0.6 → 0.8",
        "aturan R04 ditambahkan",
        "S1 saran berubah (en)",
    ]
    assert result.lines(lambda message: tr("en", message)) == result.lines()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1), "1"),
        (Fraction(4, 5), "0.8"),
        (Fraction(-1, 4), "-0.25"),
        (Fraction(1, 20), "0.05"),
        (Fraction(-3, 2), "-1.5"),
        (Fraction(1, 3), "1/3"),
        (Fraction(0), "0"),
    ],
)
def test_numbers_as_the_kb_writes_them(value, text):
    assert diff.number(value) == text


# --- text ---------------------------------------------------------------------------------------------------


def test_text_diff_of_file_sets():
    old = {"a.yaml": "x: 1\ny: 2\n", "gone.yaml": "g: 1\n", "same.yaml": "s: 1\n"}
    new = {"a.yaml": "x: 1\ny: 3\n", "new.yaml": "n: 1", "same.yaml": "s: 1\n"}
    files = diff.text_diff(old, new, old_label="v1", new_label="v2")
    assert [(f.name, f.status) for f in files] == [
        ("a.yaml", "changed"),
        ("gone.yaml", "removed"),
        ("new.yaml", "added"),
    ]
    assert files[0].diff == "--- v1/a.yaml\n+++ v2/a.yaml\n@@ -1,2 +1,2 @@\n x: 1\n-y: 2\n+y: 3\n"
    assert files[1].diff == "--- v1/gone.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-g: 1\n"
    assert files[2].diff == "--- /dev/null\n+++ v2/new.yaml\n@@ -0,0 +1 @@\n+n: 1\n\\ No newline at end of file\n"
    assert diff.unified(old, new, old_label="v1", new_label="v2") == "".join(f.diff for f in files)
    assert diff.text_diff(old, old) == ()


def test_text_diff_of_a_changed_cf():
    old = dict(MINI)
    new = {**MINI, "symptoms.yaml": MINI["symptoms.yaml"].replace("    cf: 0.6\n", "    cf: 0.8\n")}
    (file,) = diff.text_diff(old, new)
    assert file.name == "symptoms.yaml"
    assert file.diff == (
        "--- a/symptoms.yaml\n+++ b/symptoms.yaml\n@@ -15,5 +15,5 @@\n"
        '     name: {id: Mual, en: Nausea}\n     question: {id: "Mual?", en: "Nausea?"}\n     category: digestive\n'
        "-    cf: 0.6\n+    cf: 0.8\n     source: src\n"
    )
