"""The same KB evaluated by plain Python dicts and loops: the floor a rule engine is measured against.

No rule engine, no working memory, no trace: index the rules by the codes their premises read, and per
consultation apply the rules the reported symptoms touch (premise CF = the user's CF, min over ``all``,
max over ``any``; CF = rule CF x premise CF), combine per conclusion with the MYCIN formula, and sort.
Arithmetic is exact (:class:`fractions.Fraction`), as in the engine, so that both give the same numbers
and the same ties; written independently of ``rules/`` so that the agreement checks one against the other.
"""
from __future__ import annotations

from fractions import Fraction

from kb.model import KnowledgeBase, Premise

ZERO = Fraction(0)


def _value(premise: Premise, known: dict) -> Fraction:
    if premise.op == "is":
        return known.get(premise.code, ZERO)
    values = [_value(item, known) for item in premise.items]
    return min(values) if premise.op == "all" else max(values)


class PlainDiagnosis:
    """Certainty-factor diagnosis; :meth:`consult` returns [(code, cf, evidence), ...], best first."""

    def __init__(self, kb: KnowledgeBase):
        self.order = {h.code: i for i, h in enumerate(kb.hypotheses)}
        top = max((r.stratum for r in kb.rules), default=0)
        # One step per rule layer: its rules indexed by the codes they read, and the findings it concludes
        # (published as evidence before the next layer, as a finding's CF must be complete first).
        findings = {f.code for f in kb.findings}
        self.layers = []
        for layer in range(top + 1):
            index: dict[str, list] = {}
            for rule in kb.rules:
                if rule.stratum == layer:
                    for code in rule.premise.codes():
                        index.setdefault(code, []).append(rule)
            concluded = tuple(sorted({r.conclusion for r in kb.rules if r.stratum == layer} & findings))
            self.layers.append((index, concluded))

    def consult(self, symptoms: dict[str, Fraction]) -> list[tuple[str, Fraction, int]]:
        known = {code: cf for code, cf in symptoms.items() if cf > 0}
        support = {code: {code} for code in known}
        acc: dict[str, list] = {}  # conclusion -> [cf, certain evidence for, certain evidence against]
        for index, concluded in self.layers:
            touched = {rule.index: rule for code in list(known) for rule in index.get(code, ())}
            for _, rule in sorted(touched.items()):
                premise = _value(rule.premise, known)
                if premise <= rule.threshold:
                    continue
                cf = rule.cf * premise
                state = acc.get(rule.conclusion)
                if state is None:
                    state = acc[rule.conclusion] = [ZERO, False, False]
                x = state[0]
                state[1] |= cf == 1
                state[2] |= cf == -1
                if state[1] and state[2]:  # certain for and certain against cancel (rules/cf.py policy)
                    state[0] = ZERO
                elif x >= 0 and cf >= 0:
                    state[0] = x + cf * (1 - x)
                elif x < 0 and cf < 0:
                    state[0] = x + cf * (1 + x)
                else:
                    state[0] = (x + cf) / (1 - min(abs(x), abs(cf)))
                beneath = support.setdefault(rule.conclusion, set())
                for code in rule.premise.codes():
                    if code in known:
                        beneath |= support[code]
            for code in concluded:
                if code in acc and acc[code][0] > 0:
                    known[code] = acc[code][0]
        rows = [(code, state[0], len(support.get(code, ()))) for code, state in acc.items() if code in self.order]
        # CF descending; then more reported symptoms beneath; then KB order (the engine's tie-breaks).
        rows.sort(key=lambda row: (-row[1], -row[2], self.order[row[0]]))
        return rows


class PlainScreening:
    """Quick screening: the first decision, by salience then KB order, whose conditions hold."""

    def __init__(self, kb: KnowledgeBase):
        self.decisions = sorted(kb.decisions, key=lambda d: (-d.salience, d.index))
        self.checks = [(d, d.mode == "all", d.conditions) for d in self.decisions]

    def consult(self, answers: dict[str, str]):
        for decision, every, conditions in self.checks:
            if every:
                if all(answers.get(q) in allowed for q, allowed in conditions):
                    return decision
            elif any(answers.get(q) in allowed for q, allowed in conditions):
                return decision
        return None
