"""Verify a loaded KB before it is used (static checks; the stored test cases run in rules.casetests).

Decision rules are checked over the whole answer space (every combination of every question's
answers: 3 x 2^5 = 96 for the bundled KB): gaps (no rule matches), overlaps and how salience resolves
them, and rules that never win. CF rules are checked for symptoms no rule uses, hypotheses no rule
supports, findings nothing uses, rules whose evidence another rule of the same conclusion subsumes,
and conclusions that certain evidence for and against (+1 and -1) could make a conflict. Symptom groups
are checked for groups with no symptom.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from kb.model import KnowledgeBase, Triage


def decimal_text(value) -> str:
    """A KB number as the decimal it was written as (KB numbers are read from decimal text)."""
    return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")


MAX_ANSWER_SPACE = 1_000_000


@dataclass(frozen=True)
class Observation:
    """One verification result (not a KB finding, which is an intermediate conclusion). ``level``: 'error'
    (the KB must not be used), 'warning' (probably a mistake: ``kb check`` fails), or 'info' (how the KB
    behaves, for the record)."""

    level: str
    code: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{where}{self.level}: {self.message} [{self.code}]"


@dataclass
class Report:
    """What :func:`verify` observed about a KB, and the decision table's outcomes."""

    observations: list = field(default_factory=list)
    answer_space: int = 0
    outcomes: dict = field(default_factory=dict)  # solution -> number of answer combinations
    triage_outcomes: dict = field(default_factory=dict)  # triage level -> screening rows x gate

    def add(self, level, code, message, where=""):
        """Record one observation."""
        self.observations.append(Observation(level, code, message, str(where)))

    @property
    def clean(self) -> bool:
        """No errors and no warnings."""
        return not any(o.level in ("error", "warning") for o in self.observations)

    def count(self, level) -> int:
        """How many observations of this level."""
        return sum(1 for o in self.observations if o.level == level)


def verify(kb: KnowledgeBase) -> Report:
    """Run every static check on ``kb``."""
    report = Report()
    if kb.decisions:
        _decision_table(kb, report)
    if kb.rules:
        _cf_rules(kb, report)
    for group in kb.groups:
        if not group.symptoms:
            report.add(
                "warning",
                "empty-group",
                f"symptom group {group.code} has no symptoms: the form would show an empty heading",
                group.loc,
            )
    if kb.triage is not None:
        _triage_table(kb, kb.triage, report)
    return report


def answer_space(kb: KnowledgeBase):
    """Every combination of answers, as dicts, in question and answer order."""
    codes = [q.code for q in kb.questions]
    for combo in itertools.product(*(q.answers for q in kb.questions)):
        yield dict(zip(codes, combo, strict=False))


def _decision_table(kb: KnowledgeBase, report: Report):
    size = 1
    for q in kb.questions:
        size *= len(q.answers)
    report.answer_space = size
    if size > MAX_ANSWER_SPACE:
        report.add(
            "warning",
            "space-too-large",
            f"{size} answer combinations are too many to enumerate; gaps and unused rules were not checked",
        )
        return
    wins: Counter[str] = Counter()
    overlaps: dict = defaultdict(int)
    gaps = []
    outcomes: Counter[str] = Counter()
    for answers in answer_space(kb):
        matched = [d for d in kb.decisions if d.matches(answers)]
        if not matched:
            gaps.append(answers)
            continue
        matched.sort(key=lambda d: (-d.salience, d.index))
        winner = matched[0]
        wins[winner.id] += 1
        outcomes[winner.conclusion] += 1
        if len(matched) > 1:
            # Equal saliences with different solutions never get here: the loader refuses them.
            overlaps[tuple(d.id for d in matched)] += 1
    report.outcomes = dict(sorted(outcomes.items()))
    if gaps:
        sample = ", ".join(f"{q}={a}" for q, a in gaps[0].items())
        report.add("error", "gap", f"{len(gaps)} of {size} answer combinations match no decision rule (e.g. {sample})")
    for ids, count in sorted(overlaps.items()):
        by_id = {d.id: d for d in kb.decisions}
        order = " > ".join(f"{i} ({by_id[i].salience})" for i in ids)
        report.add(
            "info",
            "overlap",
            f"{count} combinations match {', '.join(ids)}; salience decides: {order}",
            by_id[ids[0]].loc,
        )
    for d in kb.decisions:
        if not wins[d.id]:
            report.add(
                "warning",
                "never-wins",
                f"decision {d.id} never wins for any answers (it is always"
                " matched by a rule of higher salience, or never matched)",
                d.loc,
            )
    report.add(
        "info", "coverage", f"{size} answer combinations: " + ", ".join(f"{s} {n}" for s, n in report.outcomes.items())
    )


def _evidence(kb: KnowledgeBase):
    """The symptoms beneath each rule (following findings to the rules that conclude them)."""
    by_conclusion = defaultdict(list)
    for rule in kb.rules:
        by_conclusion[rule.conclusion].append(rule)
    findings = {f.code for f in kb.findings}
    memo: dict = {}

    def expand(code):
        if code not in findings:
            return frozenset([code])
        if code not in memo:
            memo[code] = frozenset().union(*(expand(c) for r in by_conclusion[code] for c in r.premise.codes()))
        return memo[code]

    return {rule.id: frozenset().union(*(expand(c) for c in rule.premise.codes())) for rule in kb.rules}, by_conclusion


def _cf_rules(kb: KnowledgeBase, report: Report):
    used = {code for rule in kb.rules for code in rule.premise.codes()}
    for symptom in kb.symptoms:
        if symptom.code not in used:
            report.add("warning", "unused-symptom", f"symptom {symptom.code} is asked but no rule uses it", symptom.loc)
    for finding in kb.findings:
        if finding.code not in used:
            report.add(
                "warning", "unused-finding", f"finding {finding.code} is concluded but no rule uses it", finding.loc
            )
    concluded = {rule.conclusion for rule in kb.rules}
    for hyp in kb.hypotheses:
        if hyp.code not in concluded:
            report.add("warning", "unsupported-hypothesis", f"no rule supports hypothesis {hyp.code}", hyp.loc)
    evidence, by_conclusion = _evidence(kb)
    for conclusion, rules in by_conclusion.items():
        for a, b in itertools.permutations(rules, 2):
            if evidence[a.id] < evidence[b.id] and a.cf * b.cf > 0:
                report.add(
                    "warning",
                    "subsumed",
                    f"{b.id} rests on {', '.join(sorted(evidence[b.id]))}, which"
                    f" includes all of {a.id}'s evidence for {conclusion}: whenever {b.id} fires, {a.id}"
                    " counts the same symptoms again",
                    b.loc,
                )
        if any(r.cf == 1 for r in rules) and any(r.cf == -1 for r in rules):
            report.add(
                "info",
                "possible-conflict",
                f"{conclusion} has rules with CF 1 and CF -1: when both fire"
                " fully the result is 0 and marked as a conflict",
                rules[0].loc,
            )
    for symptom in kb.symptoms:
        if symptom.assumption is not None:
            report.add(
                "info",
                "assumption",
                f"{symptom.code}'s CF {decimal_text(symptom.cf)} is an assumption awaiting expert review",
                symptom.loc,
            )


def _triage_table(kb: KnowledgeBase, triage: Triage, report: Report):
    """Every screening answer combination, with the emergency gate answered no and yes, gets exactly one
    triage level (the most urgent true rule's, or the default): counted per level and per deciding rule.
    Also: triage items awaiting the medical reviewer."""
    levels: Counter = Counter()
    deciders: Counter = Counter()
    rows = 0
    combos = list(answer_space(kb)) if kb.questions and report.answer_space <= MAX_ANSWER_SPACE else []
    for emergency in (False, True):
        for answers in combos:
            criteria = triage.criteria_statuses("screening", answers=answers, emergency=emergency)
            _, true, level = triage.evaluate(criteria)
            rows += 1
            levels[level] += 1
            deciders[true[0].id if true else "default"] += 1
    if rows:
        report.triage_outcomes = dict(levels)
        report.add(
            "info",
            "triage-coverage",
            f"{rows} screening rows (answers x emergency gate no/yes), one level"
            " each: "
            + ", ".join(f"{lvl.code} {levels[lvl.code]}" for lvl in triage.levels)
            + "; decided by "
            + ", ".join(f"{r} {n}" for r, n in sorted(deciders.items())),
        )
    pending = sum(
        1
        for group in (triage.levels, triage.criteria, triage.definitions, triage.rules, triage.constants)
        for item in group
        if item.review == "pending"
    ) + int(triage.review == "pending")
    if pending:
        report.add(
            "info",
            "review-pending",
            f"{pending} triage items (levels, criteria, definitions, rules,"
            " constants, settings) await the medical reviewer (review: pending)",
        )
