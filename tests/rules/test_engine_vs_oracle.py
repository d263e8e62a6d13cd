"""The Experta engine against an independent plain-Python evaluation (bench/plain.py, exact fractions), on a
KB that uses every feature of the format: all/any premises, nested; chaining through findings in two
layers (F2 is concluded in two of them); evidence against; thresholds. Same ranking, same CFs to the last digit, same evidence counts."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest

import kb as kbase
from bench.plain import PlainDiagnosis
from rules.engine.engines import build_engine

KB = """\
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
""" + "".join(f"  - {{code: S{i}, name: {{id: S{i}, en: S{i}}}, question: {{id: S{i}, en: S{i}}}, category: general,"
              f" cf: 1.0, source: src}}\n" for i in range(1, 9)) + """\
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

LEVELS = [Fraction(n, 5) for n in range(1, 6)]


@pytest.fixture(scope="module")
def oracle_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("oracle")
    (root / "kb.yaml").write_text(KB, encoding="utf-8")
    yield kbase.load(root)


def consultations(seed, count=60):
    rnd = random.Random(seed)
    codes = [f"S{i}" for i in range(1, 9)]
    for _ in range(count):
        picked = rnd.sample(codes, rnd.randint(0, 8))
        yield {code: rnd.choice(LEVELS) for code in picked}


def test_the_kb_uses_three_layers(oracle_kb):
    assert {r.id: r.stratum for r in oracle_kb.rules} == {
        "R1": 0, "R2": 0, "R3": 0, "R4": 0, "R5": 0, "R6": 1, "R7": 1, "R8": 2, "R9": 0, "R10": 0, "R11": 0,
        "R12": 0}


@pytest.mark.parametrize("seed", range(8))
def test_engine_agrees_exactly_with_the_oracle(oracle_kb, seed):
    engine = build_engine(oracle_kb, "diagnosis")
    oracle = PlainDiagnosis(oracle_kb, exact=True)
    for symptoms in consultations(seed):
        state = engine.consult(symptoms)
        got = [(r["code"], r["cf"], r["evidence"]) for r in state.ranking]
        assert got == oracle.consult(symptoms), symptoms


def test_how_explains_findings_and_names_computed_premises(oracle_kb):
    import rules
    result = rules.consult(oracle_kb, {"mode": "diagnosis", "lang": "en",
                                       "symptoms": {"S1": 1, "S4": 0.8, "S2": 0.6, "S3": 0.4}})
    assert result["how"] == [
        "H1 H1: CF 0.84 (84%), supported by 2 symptom(s).",
        "  R1: S1 S1 (your certainty 1) × expert CF 0.8 = 0.8; combined 0 → 0.8 [src]",
        "  R2: S2 S2 (your certainty 0.6) × expert CF 0.6 = 0.36; combined 0.8 → 0.872 [src]",
        "  R3: S3 S3 (your certainty 0.4) × expert CF -0.5 = -0.2; combined 0.872 → 0.84 [src]",
        "H2 H2: CF 0.72 (72%), supported by 2 symptom(s).",
        "  R6: F1 F1 (premise CF 0.72) × rule CF 1 = 0.72; combined 0 → 0.72 [src]",
        "H3 H3: CF 0.5256 (52.56%), supported by 4 symptom(s).",
        "  R8: F2 F2 (premise CF 0.584) × rule CF 0.9 = 0.5256; combined 0 → 0.5256 [src]",
        "Intermediate finding F1 F1: CF 0.72.",
        "  R4: (S1 S1 AND S4 S4) (premise CF 0.8) × rule CF 0.9 = 0.72; combined 0 → 0.72 [src]",
        "Intermediate finding F2 F2: CF 0.584.",
        "  R12: S3 S3 (your certainty 0.4) × expert CF 0.5 = 0.2; combined 0 → 0.2 [src]",
        "  R7: (F1 F1 AND (S2 S2 OR S7 S7)) (premise CF 0.6) × rule CF 0.8 = 0.48; combined 0.2 → 0.584 [src]",
        "H1 ranks first because its CF is higher (0.84 > 0.72 for H2).",
    ]
