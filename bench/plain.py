"""The same KB evaluated by plain Python dicts and loops: the floor a rule engine is measured against.

No rule engine, no working memory, no trace: index the rules by the codes their premises read, and per
consultation apply the rules the reported symptoms touch (premise CF = the user's CF, min over ``all``,
max over ``any``; CF = rule CF x premise CF), combine per conclusion with the MYCIN formula, and sort by
the engine's tie-breaks. Written independently of ``rules/`` so that agreement checks one against the other.

Two number types: ``exact=True`` computes with :class:`fractions.Fraction` as the engine does (same CFs,
same ties, exactly); ``exact=False`` with floats, as CLIPS does, rounding CFs to 9 places before they are
compared so that exact ties (1 = 1) stay ties. The float one is the floor; the gap between the two is
the price of exact arithmetic, which the engine pays too.
"""

from __future__ import annotations

from fractions import Fraction

from kb.model import KnowledgeBase, Premise


def _value(premise: Premise, known: dict, zero):
    if premise.op == "is":
        return known.get(premise.code, zero)
    values = [_value(item, known, zero) for item in premise.items]
    return min(values) if premise.op == "all" else max(values)


class PlainDiagnosis:
    """Certainty-factor diagnosis; :meth:`consult` returns [(code, cf, evidence), ...], best first."""

    def __init__(self, kb: KnowledgeBase, exact: bool = True):
        self.exact = exact
        num = Fraction if exact else float
        self.zero = num(0)
        self.order = {h.code: i for i, h in enumerate(kb.hypotheses)}
        findings = {f.code for f in kb.findings}
        top = max((r.stratum for r in kb.rules), default=0)
        last_layer = {}  # a finding is complete after the last layer of rules that conclude it
        for rule in kb.rules:
            last_layer[rule.conclusion] = max(last_layer.get(rule.conclusion, 0), rule.stratum)
        # One step per rule layer: its rules indexed by the codes they read, and the findings it concludes
        # (published as evidence before the next layer, as a finding's CF must be complete first).
        self.layers = []
        for layer in range(top + 1):
            index: dict[str, list] = {}
            for rule in kb.rules:
                if rule.stratum != layer:
                    continue
                entry = (
                    rule.index,
                    rule.premise.code if rule.premise.op == "is" else rule.premise,
                    rule.conclusion,
                    num(rule.cf),
                    num(rule.threshold),
                    rule.premise.codes(),
                )
                for code in entry[5]:
                    index.setdefault(code, []).append(entry)
            concluded = tuple(sorted(code for code in findings if last_layer.get(code) == layer))
            self.layers.append((index, concluded))

    def prepare(self, symptoms: dict[str, Fraction]) -> dict:
        """The consultation in this implementation's number type (done once per workload, outside timing)."""
        return symptoms if self.exact else {code: float(cf) for code, cf in symptoms.items()}

    def consult(self, symptoms: dict) -> list[tuple]:
        zero = self.zero
        known = {code: cf for code, cf in symptoms.items() if cf > 0}
        support = {code: {code} for code in known}
        acc: dict[str, list] = {}  # conclusion -> [cf, certain evidence for, certain evidence against]
        for index, concluded in self.layers:
            touched = {entry[0]: entry for code in list(known) for entry in index.get(code, ())}
            for _, (_, premise, conclusion, rule_cf, threshold, codes) in sorted(touched.items()):
                value = known[premise] if premise.__class__ is str else _value(premise, known, zero)
                if value <= threshold:
                    continue
                cf = rule_cf * value
                state = acc.get(conclusion)
                if state is None:
                    state = acc[conclusion] = [zero, False, False]
                x = state[0]
                state[1] |= cf == 1
                state[2] |= cf == -1
                if state[1] and state[2]:  # certain for and certain against cancel (rules/engine/cf.py policy)
                    state[0] = zero
                elif x >= 0 and cf >= 0:
                    state[0] = x + cf * (1 - x)
                elif x < 0 and cf < 0:
                    state[0] = x + cf * (1 + x)
                else:
                    state[0] = (x + cf) / (1 - min(abs(x), abs(cf)))
                if cf > 0:  # evidence against is not support
                    beneath = support.setdefault(conclusion, set())
                    for code in codes:
                        if code in known:
                            beneath |= support[code]
            for code in concluded:
                if code in acc and acc[code][0] > 0:
                    known[code] = acc[code][0]
        order = self.order
        rows = [(code, state[0], len(support.get(code, ()))) for code, state in acc.items() if code in order]
        # CF descending; then more reported symptoms beneath; then KB order (the engine's tie-breaks).
        if self.exact:
            rows.sort(key=lambda row: (-row[1], -row[2], order[row[0]]))
        else:
            rows.sort(key=lambda row: (-round(row[1], 9), -row[2], order[row[0]]))
        return rows


class PlainScreening:
    """Quick screening: the first decision, by salience then KB order, whose conditions hold."""

    def __init__(self, kb: KnowledgeBase):
        decisions = sorted(kb.decisions, key=lambda d: (-d.salience, d.index))
        self.checks = [(d, d.mode == "all", d.conditions) for d in decisions]

    def consult(self, answers: dict[str, str]):
        for decision, every, conditions in self.checks:
            if every:
                if all(answers.get(q) in allowed for q, allowed in conditions):
                    return decision
            elif any(answers.get(q) in allowed for q, allowed in conditions):
                return decision
        return None
