"""Run the test cases stored with a KB through the real engine."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kb.model import Case, KnowledgeBase
from rules.engine.cf import fmt
from rules.errors import PakarError
from rules.engine.pool import engine_for


@dataclass(frozen=True)
class CaseResult:
    case: Case
    level: Fraction | None   # the user certainty a list-of-symptoms case ran at
    expected: str | None
    got: str | None
    passed: bool
    detail: str = ""

    @property
    def label(self) -> str:
        return self.case.id if self.level is None else f"{self.case.id}@{fmt(self.level)}"


def run_case(kb: KnowledgeBase, case: Case) -> list[CaseResult]:
    """Every run of one case: one for a screening case or a {code: cf} case, one per level otherwise."""
    if case.mode == "screening":
        try:
            decision = engine_for(kb, "screening").consult(dict(case.answers))
        except PakarError as exc:
            return [CaseResult(case, None, case.expect, None, False, exc.message)]
        got = decision.conclusion
        return [CaseResult(case, None, case.expect, got, got == case.expect, f"by {decision.id}")]
    if isinstance(case.symptoms, tuple):
        runs = [(level, {code: level for code in case.symptoms}) for level in case.levels]
    else:
        runs = [(None, dict(case.symptoms))]
    results = []
    for level, symptoms in runs:
        state = engine_for(kb, "diagnosis").consult(symptoms)
        top = state.ranking[0]["code"] if state.ranking and state.ranking[0]["cf"] > 0 else None
        problems = []
        if top != case.expect:
            problems.append(f"top {top}, expected {case.expect}")
        for code, want in case.expect_cf.items():
            acc = state.acc.get(code)
            have = acc.value if acc else Fraction(0)
            if have != want:
                problems.append(f"{code} CF {fmt(have)}, expected {fmt(want)}")
        ranking = ", ".join(f"{r['code']} {fmt(r['cf'])}" for r in state.ranking) or "nothing concluded"
        results.append(CaseResult(case, level, case.expect, top, not problems, "; ".join(problems) or ranking))
    return results


def run_cases(kb: KnowledgeBase) -> list[CaseResult]:
    """All stored cases of ``kb``, in KB order."""
    return [result for case in kb.cases for result in run_case(kb, case)]
