"""What the loader builds: the bundled KB's contents, exact certainty factors, the content-hash version,
dates kept as text, and safe YAML only."""

from __future__ import annotations

import shutil
from collections import Counter
from fractions import Fraction

import pytest

import kb
from kb import KBError
from testing.kbfiles import RULES_YAML as RULES

# --- the bundled KB ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    yield kb.load()


def test_bundled_symptoms(bundled):
    assert [s.code for s in bundled.symptoms] == [f"GC{i:02d}" for i in range(1, 21)]


def test_bundled_rules_per_hypothesis(bundled):
    assert len(bundled.rules) == 27
    assert Counter(r.conclusion for r in bundled.rules) == {"PC01": 9, "PC02": 18}
    assert [r.id for r in bundled.rules] == [f"R{i:02d}" for i in range(1, 28)]
    assert [h.code for h in bundled.hypotheses] == ["PC01", "PC02"]


def test_bundled_screening(bundled):
    assert [q.code for q in bundled.questions] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    assert [(d.id, d.salience, d.conclusion) for d in bundled.decisions] == [
        ("D1", 30, "S1"),
        ("D2", 20, "S2"),
        ("D3", 10, "S3"),
    ]
    assert [s.code for s in bundled.solutions] == ["S1", "S2", "S3"]


def test_bundled_cases(bundled):
    screening = [c for c in bundled.cases if c.mode == "screening" and not c.id.startswith("tr-")]
    assert [c.id for c in screening] == [f"T3-R{i}" for i in range(1, 97)]
    triage = [c.id for c in bundled.cases if c.id.startswith("tr-")]  # triage.yaml's walk-through cases
    assert all(c.expect_triage is not None for c in bundled.cases if c.id in triage) and len(triage) == 8
    tabel8 = [c for c in bundled.cases if c.id.startswith("T8-")]
    assert [c.id for c in tabel8] == [f"T8-{i}" for i in range(1, 9)]
    assert all(c.mode == "diagnosis" for c in tabel8)
    assert all(
        c.levels == (Fraction(1, 5), Fraction(2, 5), Fraction(3, 5), Fraction(4, 5), Fraction(1)) for c in tabel8
    )


def test_gc20_is_marked_as_an_assumption(bundled):
    gc20 = bundled.symptom("GC20")
    assert gc20.assumption is not None
    assert "asumsi" in gc20.assumption.id and "assumption" in gc20.assumption.en
    assert gc20.source.startswith("pakar")
    assert [s.code for s in bundled.symptoms if s.assumption is not None] == ["GC20"]


@pytest.mark.parametrize(
    "code, cf",
    [
        ("GC01", Fraction(4, 5)),
        ("GC02", Fraction(3, 5)),
        ("GC03", Fraction(1)),
        ("GC04", Fraction(1)),
        ("GC20", Fraction(4, 5)),
    ],
)
def test_symptom_cf_is_an_exact_fraction(bundled, code, cf):
    value = bundled.symptom(code).cf
    assert type(value) is Fraction
    assert value == cf


def test_every_cf_is_an_exact_fraction(bundled):
    values = (
        [s.cf for s in bundled.symptoms]
        + [r.cf for r in bundled.rules]
        + [r.threshold for r in bundled.rules]
        + [level.cf for level in bundled.scale]
        + [v for c in bundled.cases for v in c.levels]
        + [v for c in bundled.cases for v in c.expect_cf.values()]
    )
    assert values and all(type(v) is Fraction for v in values)
    assert [level.cf for level in bundled.scale] == [Fraction(n, 5) for n in range(6)]
    cf_combo = next(c for c in bundled.cases if c.id == "cf-combo")
    assert cf_combo.expect_cf == {"PC01": Fraction(9136, 10000), "PC02": Fraction(76, 100)}


def test_bundled_review_date_is_text(bundled):
    assert bundled.review_date == "2026-11-23"
    assert type(bundled.review_date) is str


# --- the version: a hash of the content, not of the formatting --------------------------------------------


def test_version_is_a_sha256_hex_digest(bundled):
    assert len(bundled.version) == 64 and int(bundled.version, 16) >= 0
    assert bundled.short_version == bundled.version[:12]


def test_copied_bundled_kb_has_the_same_version(bundled, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(kb.bundled_path(), copy)
    assert kb.load(copy).version == bundled.version


def test_changing_one_cf_of_the_bundled_kb_changes_the_version(bundled, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(kb.bundled_path(), copy)
    rules = copy / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "  - id: R01\n    if: GC01\n    then: PC01\n    cf: 0.8\n" in text
    rules.write_text(
        text.replace(
            "  - id: R01\n    if: GC01\n    then: PC01\n    cf: 0.8\n",
            "  - id: R01\n    if: GC01\n    then: PC01\n    cf: 0.6\n",
        ),
        encoding="utf-8",
    )
    changed = kb.load(copy)
    assert changed.rule("R01").cf == Fraction(3, 5)
    assert changed.version != bundled.version


SAME_CONTENT = {
    "comments": {
        "rules.yaml": """\
# The rules of the mini KB.
rules:
  - id: R01   # first
    if: GC01
    then: PC01
    cf: 0.8   # four fifths
    source: src

  - id: R02
    if: GC02
    then: PC01
    cf: 1.0
    source: src
  # the last one
  - id: R03
    if: GC03
    then: PC02
    cf: 0.6
    source: src
"""
    },
    "flow-style-quotes-key-order": {
        "rules.yaml": """\
rules:
  - {id: R01, if: GC01, then: PC01, cf: 0.8, source: "src"}
  - {cf: 1.0, then: PC01, if: GC02, id: 'R02', source: src}
  - id: R03
    source: src
    cf: 0.6
    then: PC02
    if: GC03
"""
    },
    "trailing-zeros-and-exponents": {
        "rules.yaml": RULES.replace("cf: 0.8", "cf: 0.800").replace("cf: 0.6", "cf: 6.0e-1")
    },
    "split-over-two-files": {
        "rules.yaml": RULES[: RULES.index("  - id: R03")],
        "rules_more.yaml": "rules:\n" + RULES[RULES.index("  - id: R03") :],
    },
    "whole-number-written-without-decimals": {"rules.yaml": RULES.replace("cf: 1.0", "cf: 1")},
}


@pytest.mark.parametrize("files", list(SAME_CONTENT.values()), ids=list(SAME_CONTENT))
def test_reformatting_keeps_the_version(kb_dir, files):
    reference = kb.load(kb_dir({"rules.yaml": RULES}, name="reference"))
    reformatted = kb.load(kb_dir(files, name="reformatted"))
    assert [(r.id, r.premise, r.conclusion, r.cf) for r in reformatted.rules] == [
        (r.id, r.premise, r.conclusion, r.cf) for r in reference.rules
    ]
    assert reformatted.version == reference.version


@pytest.mark.parametrize(
    "old, new",
    [
        ("cf: 0.8", "cf: 0.7"),
        ("then: PC02", "then: PC01"),
        ("source: src\n  - id: R03", "source: src Tabel 2\n  - id: R03"),
    ],
    ids=["cf", "conclusion", "source-text"],
)
def test_changing_content_changes_the_version(kb_dir, old, new):
    assert old in RULES
    reference = kb.load(kb_dir({"rules.yaml": RULES}, name="reference"))
    changed = kb.load(kb_dir({"rules.yaml": RULES.replace(old, new, 1)}, name="changed"))
    assert changed.version != reference.version


def test_version_does_not_depend_on_the_directory(kb_dir, tmp_path):
    first = kb.load(kb_dir(name="one"))
    second = kb.load(kb_dir(name="two"))
    third = kb.load(tmp_path / "one")  # absolute path this time
    assert first.path == "one" and third.path == "one"
    assert first.version == second.version == third.version


# --- dates stay text ----------------------------------------------------------------------------------------

KB_UNQUOTED_DATE = """\
kb:
  id: mini
  title: {id: Mini, en: Mini}
  version: "0.1"
  review_date: 2030-01-31
  disclaimer: {id: Hanya uji, en: Only a test}
  no_conclusion: {id: Tidak ada, en: Nothing}
  sources:
    - id: src
      citation: A test source
      note: 2021-03-04 12:30:00
"""


def test_yaml_dates_stay_strings(kb_dir):
    loaded = kb.load(kb_dir({"kb.yaml": KB_UNQUOTED_DATE}))
    assert loaded.review_date == "2030-01-31"
    assert type(loaded.review_date) is str
    assert loaded.sources[0].note == "2021-03-04 12:30:00"


def test_a_date_is_checked_as_text(kb_dir):
    path = kb_dir({"kb.yaml": KB_UNQUOTED_DATE.replace("2030-01-31", "31-01-2030")})
    with pytest.raises(KBError) as info:
        kb.load(path)
    (problem,) = info.value.problems
    assert (problem.path, problem.line, problem.key) == ("kb/kb.yaml", 5, "kb.review_date")
    assert "'31-01-2030' is not a date" in problem.message and "YYYY-MM-DD" in problem.hint


# --- safe YAML only -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, tag",
    [
        (
            "# tries to run code\nx: !!python/object/apply:builtins.exec [\"open('marker.txt', 'w').close()\"]\n",
            "python/object/apply:builtins.exec",
        ),
        (
            "# tries to build an object\nx: !!python/object:kb.model.Loc {path: marker.txt, line: 1}\n",
            "python/object:kb.model.Loc",
        ),
        ("# tries to name a function\nx: !!python/name:os.system\n", "python/name:os.system"),
    ],
)
def test_python_tags_are_rejected_not_executed(kb_dir, tmp_path, text, tag):
    path = kb_dir({"extra.yaml": text})
    with pytest.raises(KBError) as info:
        kb.load(path)
    (problem,) = info.value.problems
    assert (problem.path, problem.line) == ("kb/extra.yaml", 2)
    assert "could not determine a constructor" in problem.message
    assert tag in problem.message
    assert not (tmp_path / "marker.txt").exists()


def test_numbers_are_read_exactly_not_through_float(kb_dir):
    """0.1 + 0.2 style noise would show here: 0.3 must be exactly 3/10 in the loaded KB."""
    loaded = kb.load(kb_dir({"rules.yaml": RULES.replace("cf: 0.6", "cf: 0.3")}))
    assert loaded.rule("R03").cf == Fraction(3, 10)
    assert loaded.rule("R03").cf != Fraction(0.3)
