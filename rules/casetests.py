"""Run the test cases stored with a KB through the real engine."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kb.model import MET, Case, KnowledgeBase
from rules.engine.cf import fmt
from rules.engine.pool import engine_for
from rules.errors import PakarError


@dataclass(frozen=True)
class CaseResult:
    case: Case
    level: Fraction | None  # the user certainty a list-of-symptoms case ran at
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
        engine = engine_for(kb, "screening")
        try:
            decision = engine.consult(dict(case.answers), emergency=case.emergency)
        except PakarError as exc:
            return [CaseResult(case, None, case.expect, None, False, exc.message)]
        got = decision.conclusion if decision else None
        problems = triage_problems(case, engine.trace)
        detail = "; ".join(problems) or (f"by {decision.id}" if decision else "stopped at the emergency gate")
        return [CaseResult(case, None, case.expect, got, got == case.expect and not problems, detail)]
    runs: list[tuple[Fraction | None, dict[str, Fraction]]]  # (the level every symptom is at, or None; symptoms)
    if isinstance(case.symptoms, tuple):
        runs = [(level, {code: level for code in case.symptoms}) for level in case.levels]
    else:
        runs = [(None, dict(case.symptoms))]
    results = []
    for level, symptoms in runs:
        engine = engine_for(kb, "diagnosis")
        state = engine.consult(symptoms, emergency=case.emergency)
        top = state.ranking[0]["code"] if state.ranking and state.ranking[0]["cf"] > 0 else None
        problems = triage_problems(case, engine.trace)
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


def triage_problems(case: Case, trace) -> list[str]:
    """How the triage level, its deciding rule and the definitions' statuses differ from the case's
    expectations (``expect_triage``, ``expect_status``)."""
    record = trace.assessment
    if record is None:
        return ["no triage in this KB, but the case expects one"] if case.expect_triage or case.expect_status else []
    problems = []
    if case.expect_triage is not None:
        rule = record.rule.id if record.rule is not None else None
        if (record.level, rule) != case.expect_triage:
            problems.append(
                f"triage {record.level} by {rule or 'default'}, expected {case.expect_triage[0]} by"
                f" {case.expect_triage[1] or 'default'}"
            )
    statuses = {d.code: MET[status] for d, status, _ in record.definitions}
    for code, want in case.expect_status.items():
        if statuses.get(code) != want:
            problems.append(f"{code} {statuses.get(code)}, expected {want}")
    return problems


def run_cases(kb: KnowledgeBase) -> list[CaseResult]:
    """All stored cases of ``kb``, in KB order."""
    return [result for case in kb.cases for result in run_case(kb, case)]
