"""Deterministic consultation workloads: the same seed gives the same consultations in every run.

Diagnosis: symptom sets of eight symptoms, each at a non-zero level of the KB's scale (mixed levels),
drawn with ``random.Random(seed)`` from the symptoms that some rule uses (a symptom no rule reads would
only be asserted and ignored). Screening: every combination of every question's answers (96 for the
bundled KB: Q1 ya/ragu/tidak, Q2-Q6 ya/tidak), in a fixed order.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

from kb.model import KnowledgeBase

DIAGNOSIS_SEED = 20201123
DIAGNOSIS_COUNT = 200
SYMPTOMS_PER_CONSULTATION = 8


def ruled_symptoms(kb: KnowledgeBase) -> list[str]:
    """Symptom codes that appear in some rule's premise, in KB order."""
    used = {code for rule in kb.rules for code in rule.premise.codes()}
    return [s.code for s in kb.symptoms if s.code in used]


def levels(kb: KnowledgeBase) -> list[Fraction]:
    """The non-zero answer levels of the KB's scale (a zero answer asserts nothing)."""
    return [level.cf for level in kb.scale if level.cf > 0]


def diagnosis(
    kb: KnowledgeBase, count: int = DIAGNOSIS_COUNT, size: int = SYMPTOMS_PER_CONSULTATION, seed: int = DIAGNOSIS_SEED
) -> list[dict[str, Fraction]]:
    """``count`` symptom sets of ``size`` symptoms (code -> user CF), in KB order within each set."""
    rng = random.Random(seed)
    codes, scale = ruled_symptoms(kb), levels(kb)
    order = {code: i for i, code in enumerate(codes)}
    out = []
    for _ in range(count):
        chosen = sorted(rng.sample(codes, min(size, len(codes))), key=order.get)
        out.append({code: rng.choice(scale) for code in chosen})
    return out


def screening(kb: KnowledgeBase) -> list[dict[str, str]]:
    """Every combination of answers to the KB's screening questions (question code -> answer code)."""
    codes = [q.code for q in kb.questions]
    return [dict(zip(codes, combo, strict=True)) for combo in itertools.product(*(q.answers for q in kb.questions))]
