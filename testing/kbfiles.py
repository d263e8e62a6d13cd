"""Small KBs written as YAML files into a directory, for the tests that need a KB of their own.

Three KBs, each as the text of its files:

- the *mini* KB (``BASE``, plus ``OPTIONAL`` screening and cases), small and valid, where the loader's
  tests start from: :class:`KBFactory` writes it with files replaced, added or dropped;
- the *feature* KB (:func:`feature_kb_files`): symptoms A..E, hypotheses H1 and H2 and the rules a test
  gives, to show one feature of the format at a time;
- :data:`EVERY_FEATURE_KB`, one file using every feature together: ``all``/``any`` premises (nested),
  chaining through findings in two layers, evidence against (negative CFs) and a threshold.

And the bundled KB copied for a test to change (:func:`copy_bundled_kb`, :func:`replace_in`).

A test that expects a problem at a line writes the broken file in full, as a literal string in the test
module, so that the expected line can be read off the test itself.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import kb

# --- the mini KB ------------------------------------------------------------------------------------------

KB_YAML = """\
kb:
  id: mini
  title: {id: Mini, en: Mini}
  version: "0.1"
  review_date: "2030-01-01"
  disclaimer: {id: Hanya uji, en: Only a test}
  no_conclusion: {id: Tidak ada, en: Nothing}
  sources:
    - id: src
      citation: A test source
"""

SCALE_YAML = """\
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: mungkin, cf: 0.4, label: {id: Mungkin, en: Maybe}, source: src}
  - {code: besar, cf: 0.8, label: {id: Besar, en: Likely}, source: src}
  - {code: pasti, cf: 1.0, label: {id: Pasti, en: Certain}, source: src}
"""

GROUPS_YAML = """\
groups:
  - {code: respiratory, name: {id: Pernapasan, en: Breathing}}
  - {code: general, name: {id: Umum, en: General}}
  - {code: digestive, name: {id: Pencernaan, en: Digestion}}
"""

SYMPTOMS_YAML = """\
symptoms:
  - code: GC01
    name: {id: Pilek, en: Runny nose}
    question: {id: "Pilek?", en: "Runny nose?"}
    category: respiratory
    cf: 0.8
    source: src
  - code: GC02
    name: {id: Demam, en: Fever}
    question: {id: "Demam?", en: "Fever?"}
    category: general
    cf: 1.0
    source: src
  - code: GC03
    name: {id: Mual, en: Nausea}
    question: {id: "Mual?", en: "Nausea?"}
    category: digestive
    cf: 0.6
    source: src
"""

HYPOTHESES_YAML = """\
hypotheses:
  - code: PC01
    name: {id: Suspek, en: Suspect}
    info: {id: Info suspek, en: Suspect info}
    advice: {id: Saran suspek, en: Suspect advice}
    source: src
  - code: PC02
    name: {id: Probable, en: Probable}
    info: {id: Info probable, en: Probable info}
    advice: {id: Saran probable, en: Probable advice}
    source: src
"""

RULES_YAML = """\
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
    source: src
  - id: R03
    if: GC03
    then: PC02
    cf: 0.6
    source: src
"""

SCREENING_YAML = """\
answers:
  - {code: ya, label: {id: Ya, en: "Yes"}}
  - {code: tidak, label: {id: Tidak, en: "No"}}
questions:
  - code: Q1
    text: {id: "Demam?", en: "Fever?"}
    answers: [ya, tidak]
    symptom: GC02
    source: src
  - code: Q2
    text: {id: "Pilek?", en: "Runny nose?"}
    answers: [ya, tidak]
    source: src
solutions:
  - code: S1
    title: {id: Periksa, en: See a doctor}
    advice: {id: Ke dokter, en: See a doctor}
    source: src
  - code: S2
    title: {id: Aman, en: Fine}
    advice: {id: Istirahat, en: Rest}
    source: src
decisions:
  - id: D1
    when: {any: {Q1: ya, Q2: ya}}
    then: S1
    salience: 20
    note: {id: Ada jawaban ya, en: Any yes}
    source: src
  - id: D2
    when: {all: {Q1: tidak, Q2: tidak}}
    then: S2
    salience: 10
    note: {id: Semua tidak, en: All no}
    source: src
"""

CASES_YAML = """\
cases:
  - id: C1
    mode: screening
    answers: {Q1: ya, Q2: tidak}
    expect: S1
    source: src
  - id: C2
    mode: diagnosis
    symptoms: {GC01: 0.8}
    expect: PC01
    expect_cf: {PC01: 0.64}
    source: src
"""

BASE = {
    "kb.yaml": KB_YAML,
    "scale.yaml": SCALE_YAML,
    "groups.yaml": GROUPS_YAML,
    "symptoms.yaml": SYMPTOMS_YAML,
    "hypotheses.yaml": HYPOTHESES_YAML,
    "rules.yaml": RULES_YAML,
}
OPTIONAL = {"screening.yaml": SCREENING_YAML, "cases.yaml": CASES_YAML}


def write_kb(target: Path, files: Mapping[str, str | bytes | None]) -> Path:
    """Create the directory ``target`` with ``files`` (name: YAML text, or bytes written as they are;
    None: left out); returns ``target``."""
    target.mkdir()
    for file_name, text in files.items():
        if text is None:
            continue
        path = target / file_name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return target


class KBFactory:
    """Writes mini KB directories below one directory.

    ``factory({"rules.yaml": TEXT, "scale.yaml": None}, screening=True)`` writes :data:`BASE` (with the
    screening file), replaces or adds the files given as text, drops those given as None, and returns the
    new directory ``<root>/kb`` (``name=`` for another).
    """

    def __init__(self, root: Path):
        self.root = root

    def __call__(
        self,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        screening: bool = False,
        cases: bool = False,
        name: str = "kb",
    ) -> Path:
        content: dict[str, str | bytes | None] = dict(BASE)
        if screening:
            content["screening.yaml"] = OPTIONAL["screening.yaml"]
        if cases:
            content["cases.yaml"] = OPTIONAL["cases.yaml"]
        content.update(files or {})
        return write_kb(self.root / name, content)


# --- the feature KB -----------------------------------------------------------------------------------------

FEATURES_KB_YAML = """\
kb:
  id: features
  title: {id: Fitur, en: Features}
  version: "0.1"
  review_date: "2030-01-01"
  disclaimer: {id: Hanya uji, en: Only a test}
  no_conclusion: {id: Tidak ada, en: Nothing}
  sources:
    - id: src
      citation: A test source
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: sedikit, cf: 0.2, label: {id: Sedikit, en: A little}, source: src}
  - {code: mungkin, cf: 0.4, label: {id: Mungkin, en: Maybe}, source: src}
  - {code: besar, cf: 0.6, label: {id: Besar, en: Likely}, source: src}
  - {code: hampir, cf: 0.8, label: {id: Hampir, en: Almost}, source: src}
  - {code: pasti, cf: 1.0, label: {id: Pasti, en: Certain}, source: src}
hypotheses:
  - {code: H1, name: {id: H satu, en: H one}, info: {id: I, en: I}, advice: {id: S, en: A}, source: src}
  - {code: H2, name: {id: H dua, en: H two}, info: {id: I, en: I}, advice: {id: S, en: A}, source: src}
"""

FEATURES_SYMPTOMS_YAML = "groups:\n  - {code: general, name: {id: Umum, en: General}}\nsymptoms:\n" + "".join(
    f"  - {{code: {c}, name: {{id: {c}, en: {c}}}, question: {{id: {c}, en: {c}}}, category: general,"
    f" cf: 1.0, source: src}}\n"
    for c in "ABCDE"
)

# One intermediate finding, F, for the rules that chain.
FINDING_F = """\
findings:
  - code: F
    name: {id: Temuan, en: Finding}
    source: src
"""


def feature_kb_files(rules: str, findings: str | None = None) -> dict[str, str | None]:
    """The files of a feature KB with ``rules`` (a ``rules:`` section) and optionally ``findings``."""
    return {
        "kb.yaml": FEATURES_KB_YAML,
        "symptoms.yaml": FEATURES_SYMPTOMS_YAML,
        "rules.yaml": rules,
        "findings.yaml": findings,
    }


# --- every feature at once ----------------------------------------------------------------------------------

# Symptoms S1..S8 (any level), findings F1, F2 and hypotheses H1..H3. R3 and R9 are evidence against;
# R4, R5 and R7 have all/any premises (R7 nested, on a finding); H2 and H3 are reached only by chaining
# (F1 in layer 1, F2 concluded in two layers), and R8 has a threshold.
EVERY_FEATURE_KB = (
    """\
kb:
  id: oracle
  title: {id: Oracle, en: Oracle}
  version: "1"
  review_date: "2030-01-01"
  disclaimer: {id: Uji, en: Test}
  no_conclusion: {id: Tidak ada, en: Nothing}
  sources: [{id: src, citation: test}]
scale:
  - {code: l0, cf: 0, label: {id: "0", en: "0"}, source: src}
  - {code: l1, cf: 0.2, label: {id: "1", en: "1"}, source: src}
  - {code: l2, cf: 0.4, label: {id: "2", en: "2"}, source: src}
  - {code: l3, cf: 0.6, label: {id: "3", en: "3"}, source: src}
  - {code: l4, cf: 0.8, label: {id: "4", en: "4"}, source: src}
  - {code: l5, cf: 1.0, label: {id: "5", en: "5"}, source: src}
groups:
  - {code: general, name: {id: Umum, en: General}}
symptoms:
"""
    + "".join(
        f"  - {{code: S{i}, name: {{id: S{i}, en: S{i}}}, question: {{id: S{i}, en: S{i}}}, category: general,"
        f" cf: 1.0, source: src}}\n"
        for i in range(1, 9)
    )
    + """\
findings:
  - {code: F1, name: {id: F1, en: F1}, source: src}
  - {code: F2, name: {id: F2, en: F2}, source: src}
hypotheses:
  - {code: H1, name: {id: H1, en: H1}, info: {id: i, en: i}, advice: {id: a, en: a}, source: src}
  - {code: H2, name: {id: H2, en: H2}, info: {id: i, en: i}, advice: {id: a, en: a}, source: src}
  - {code: H3, name: {id: H3, en: H3}, info: {id: i, en: i}, advice: {id: a, en: a}, source: src}
rules:
  - {id: R1, if: S1, then: H1, cf: 0.8, source: src}
  - {id: R2, if: S2, then: H1, cf: 0.6, source: src}
  - {id: R3, if: S3, then: H1, cf: -0.5, source: src}
  - {id: R4, if: {all: [S1, S4]}, then: F1, cf: 0.9, source: src}
  - {id: R5, if: {any: [S5, S6]}, then: F1, cf: 0.7, source: src}
  - {id: R6, if: F1, then: H2, cf: 1.0, source: src}
  - {id: R7, if: {all: [F1, {any: [S2, S7]}]}, then: F2, cf: 0.8, source: src}
  - {id: R8, if: F2, then: H3, cf: 0.9, threshold: 0.3, source: src}
  - {id: R9, if: S8, then: H3, cf: -1.0, source: src}
  - {id: R10, if: S7, then: H3, cf: 1.0, source: src}
  - {id: R11, if: S6, then: H2, cf: 0.4, source: src}
  - {id: R12, if: S3, then: F2, cf: 0.5, source: src}
"""
)


# --- the bundled KB, changed ------------------------------------------------------------------------------


def copy_bundled_kb(target: Path) -> Path:
    """A copy of the bundled KB in the new directory ``target``, for a test to change; returns ``target``."""
    shutil.copytree(kb.bundled_path(), target)
    return target


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` with ``new`` in the file ``path`` (the first ``count`` times); ``old`` must be there,
    so a test never passes because its change silently did nothing."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
