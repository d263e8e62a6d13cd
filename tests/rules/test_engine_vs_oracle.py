"""The Experta engine against an independent plain-Python evaluation (bench/plain.py, exact fractions), on a
KB that uses every feature of the format: all/any premises, nested; chaining through findings in two
layers (F2 is concluded in two of them); evidence against; thresholds. Same ranking, same CFs to the last
digit, same evidence counts.
The KB is testing.kbfiles.EVERY_FEATURE_KB (the every_feature_kb fixture)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from bench.plain import PlainDiagnosis
from rules.engine.engines import build_engine

LEVELS = [Fraction(n, 5) for n in range(1, 6)]


def consultations(seed, count=60):
    rnd = random.Random(seed)
    codes = [f"S{i}" for i in range(1, 9)]
    for _ in range(count):
        picked = rnd.sample(codes, rnd.randint(0, 8))
        yield {code: rnd.choice(LEVELS) for code in picked}


def test_the_kb_uses_three_layers(every_feature_kb):
    assert {r.id: r.stratum for r in every_feature_kb.rules} == {
        "R1": 0,
        "R2": 0,
        "R3": 0,
        "R4": 0,
        "R5": 0,
        "R6": 1,
        "R7": 1,
        "R8": 2,
        "R9": 0,
        "R10": 0,
        "R11": 0,
        "R12": 0,
    }


@pytest.mark.parametrize("seed", range(8))
def test_engine_agrees_exactly_with_the_oracle(every_feature_kb, seed):
    engine = build_engine(every_feature_kb, "diagnosis")
    oracle = PlainDiagnosis(every_feature_kb, exact=True)
    for symptoms in consultations(seed):
        state = engine.consult(symptoms)
        got = [(r["code"], r["cf"], r["evidence"]) for r in state.ranking]
        assert got == oracle.consult(symptoms), symptoms


def test_how_explains_findings_and_names_computed_premises(every_feature_kb):
    import rules

    result = rules.consult(
        every_feature_kb, {"mode": "diagnosis", "lang": "en", "symptoms": {"S1": 1, "S4": 0.8, "S2": 0.6, "S3": 0.4}}
    )
    assert result["how"] == [
        "H1 H1: CF 0.84 (84%), supported by 2 symptoms.",
        "  R1: S1 S1 (your certainty 1) × expert CF 0.8 = 0.8; combined 0 → 0.8 [src]",
        "  R2: S2 S2 (your certainty 0.6) × expert CF 0.6 = 0.36; combined 0.8 → 0.872 [src]",
        "  R3: S3 S3 (your certainty 0.4) × expert CF -0.5 = -0.2; combined 0.872 → 0.84 [src]",
        "H2 H2: CF 0.72 (72%), supported by 2 symptoms.",
        "  R6: F1 F1 (premise CF 0.72) × rule CF 1 = 0.72; combined 0 → 0.72 [src]",
        "H3 H3: CF 0.5256 (52.56%), supported by 4 symptoms.",
        "  R8: F2 F2 (premise CF 0.584) × rule CF 0.9 = 0.5256; combined 0 → 0.5256 [src]",
        "Intermediate finding F1 F1: CF 0.72.",
        "  R4: (S1 S1 AND S4 S4) (premise CF 0.8) × rule CF 0.9 = 0.72; combined 0 → 0.72 [src]",
        "Intermediate finding F2 F2: CF 0.584.",
        "  R12: S3 S3 (your certainty 0.4) × expert CF 0.5 = 0.2; combined 0 → 0.2 [src]",
        "  R7: (F1 F1 AND (S2 S2 OR S7 S7)) (premise CF 0.6) × rule CF 0.8 = 0.48; combined 0.2 → 0.584 [src]",
        "H1 ranks first because its CF is higher (0.84 > 0.72 for H2).",
    ]
