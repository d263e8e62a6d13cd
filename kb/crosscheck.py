"""Checks that need the whole KB: codes that must exist, duplicates, cycles, double-counted evidence and
salience conflicts. Runs after the schema check and tolerates entries the schema already rejected."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from kb.errors import Problem
from kb.schema import did_you_mean, locate


@dataclass
class Entry:
    """One item of a list section (or a single section), with the file and position it came from."""

    section: str
    index: int
    path: str
    data: object

    @property
    def key(self) -> str:
        return f"{self.section}[{self.index}]" if self.index >= 0 else self.section

    def where(self, *keys):
        """(line, col) of a key inside this entry, or of the entry."""
        return locate(self.data, keys)

    def problem(self, keys, message, hint="", severity="error") -> Problem:
        keys = keys if isinstance(keys, tuple) else (keys,)
        line, col = self.where(*keys)
        suffix = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys if k is not None)
        return Problem(self.path, line, col, self.key + suffix, message, hint, severity)

    def get(self, key, default=None):
        return self.data.get(key, default) if isinstance(self.data, dict) else default


def premise_codes(premise) -> list:
    """Every code in a raw premise (str or {all|any: [...]}), with repeats, depth-first."""
    if isinstance(premise, str):
        return [premise]
    if isinstance(premise, dict):
        out = []
        for items in premise.values():
            for item in items if isinstance(items, list) else []:
                out.extend(premise_codes(item))
        return out
    return []


def _as_set(value) -> frozenset:
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset([value]) if isinstance(value, str) else frozenset()


def conditions(entry: Entry):
    """(mode, {question: allowed answers}) of a decision entry, or (None, {})."""
    when = entry.get("when")
    if not isinstance(when, dict) or len(when) != 1:
        return None, {}
    mode, raw = next(iter(when.items()))
    if mode not in ("all", "any") or not isinstance(raw, dict):
        return None, {}
    return mode, {q: _as_set(v) for q, v in raw.items()}


def conditions_overlap(a, b) -> bool:
    """Can one set of answers satisfy both conditions? Decided exactly, without enumerating answers."""
    (mode_a, ca), (mode_b, cb) = a, b
    if mode_a == "all" and mode_b == "all":
        return all(ca[q] & cb[q] for q in ca.keys() & cb.keys())
    if mode_a == "any" and mode_b == "any":
        return any(q1 != q2 or (ca[q1] & cb[q2]) for q1 in ca for q2 in cb)
    conj, disj = (ca, cb) if mode_a == "all" else (cb, ca)
    if any(not allowed for allowed in conj.values()):
        return False
    return any(q not in conj or (conj[q] & allowed) for q, allowed in disj.items())


MALFORMED = (TypeError, AttributeError, KeyError, ValueError, IndexError)


class CrossChecker:
    """Collects every cross-reference problem of a merged KB."""

    def __init__(self, sections: dict[str, list[Entry]], root: str = "", complete: bool = True,
                 tolerate_malformed: bool = False):
        self.sections = sections
        self.root = root
        self.tolerate_malformed = tolerate_malformed
        # When a file could not be read, its sections are missing: do not report them as absent too.
        self.complete = complete
        self.problems: list[Problem] = []

    def codes(self, section, key="code") -> dict:
        return {e.get(key): e for e in self.sections.get(section, []) if isinstance(e.get(key), str)}

    def run(self) -> list[Problem]:
        for check in (self.check_sections, self.check_unique, self.check_sources, self.check_scale,
                      self.check_rules, self.check_screening, self.check_cases, self.check_triage):
            self.guarded(check)
        return self.problems

    def check_triage(self):
        """Triage levels, criteria, case definitions, triage rules, constants (kb/triagecheck.py)."""
        from kb import triagecheck  # imported here: it imports this module's helpers' module (kb.schema)
        triagecheck.check(self)

    def guarded(self, check, *args):
        """Run one check (of the whole KB or of one entry). An entry the schema rejected may trip a check
        that assumes its shape: the schema's problem already stands for it, and the other checks go on.
        On a KB the schema passed, such an error is a gap in the checks and is raised."""
        try:
            return check(*args)
        except MALFORMED:
            if not self.tolerate_malformed:
                raise
            return None

    def each(self, section, check, *args):
        """Run ``check(entry, *args)`` on every entry of ``section``, each guarded on its own."""
        return [self.guarded(check, entry, *args) for entry in self.sections.get(section, [])]

    def add(self, problem: Problem):
        self.problems.append(problem)

    def check_sections(self):
        if not self.complete:
            return
        if not self.sections.get("kb"):
            self.add(Problem(self.root, 1, 1, "kb", "no file declares the `kb` section",
                             "add a kb.yaml with `kb:` (id, title, version, review_date, sources, ...)"))
        if self.sections.get("rules") and not self.sections.get("scale"):
            self.add(self.sections["rules"][0].problem((), "CF rules need a certainty `scale`",
                                                         "add a `scale:` section with the user's answer levels"))
        if self.sections.get("decisions") and not self.sections.get("questions"):
            self.add(self.sections["decisions"][0].problem((), "decisions need `questions`",
                                                             "add a `questions:` section"))

    def check_unique(self):
        groups = {
            "code": [("symptoms", "code"), ("findings", "code"), ("hypotheses", "code")],
            "rule id": [("rules", "id"), ("decisions", "id")],
            "question": [("questions", "code")],
            "answer": [("answers", "code")],
            "solution": [("solutions", "code")],
            "case id": [("cases", "id")],
            "scale level": [("scale", "code")],
        }
        for label, members in groups.items():
            seen: dict[str, Entry] = {}
            for section, key in members:
                for entry in self.sections.get(section, []):
                    value = entry.get(key)
                    if not isinstance(value, str):
                        continue
                    if value in seen:
                        first = seen[value]
                        self.add(entry.problem(key, f"duplicate {label} '{value}' (first at {first.path}:"
                                                    f"{first.where(key)[0]})", "give each entry its own code"))
                    else:
                        seen[value] = entry
        kb = self.sections.get("kb", [])
        if kb:
            seen = {}
            sources = kb[0].get("sources")
            for i, src in enumerate(sources if isinstance(sources, list) else []):
                sid = src.get("id") if isinstance(src, dict) else None
                if sid in seen:
                    self.add(kb[0].problem(("sources", i, "id"), f"duplicate source id '{sid}'",
                                           "give each source its own id"))
                seen[sid] = True

    def source_ids(self) -> list:
        kb = self.sections.get("kb", [])
        sources = kb[0].get("sources") if kb else None
        return [s.get("id") for s in (sources if isinstance(sources, list) else [])
                if isinstance(s, dict) and isinstance(s.get("id"), str)]

    def check_sources(self):
        ids = self.source_ids()
        if not ids:
            return
        for section, entries in self.sections.items():
            for entry in entries:
                source = entry.get("source")
                if not isinstance(source, str) or not source.split():
                    continue
                first = source.split()[0].rstrip(",;:")
                if first not in ids:
                    self.add(entry.problem("source", f"source '{first}' is not declared under kb.sources",
                                           f"{did_you_mean(first, ids)}start the source with one of: "
                                           f"{', '.join(ids)}"))

    def check_scale(self):
        levels = self.sections.get("scale", [])
        values = [e.get("cf") for e in levels]
        if levels and values[0] != 0:
            self.add(levels[0].problem("cf", "the first level of the scale must be 0 (the answer 'No')",
                                       "put the level with cf: 0 first"))
        for prev, entry in zip(levels, levels[1:]):
            a, b = prev.get("cf"), entry.get("cf")
            numbers = all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in (a, b))
            if numbers and not b > a:
                self.add(entry.problem("cf", f"scale levels must rise: {b} follows {a}",
                                       "order the levels from 0 up to 1 without repeats"))

    def check_rules(self):
        symptoms, findings = self.codes("symptoms"), self.codes("findings")
        hypotheses = self.codes("hypotheses")
        concluded_by = defaultdict(list)
        self.each("rules", self._check_rule, symptoms, findings, hypotheses, concluded_by)
        for code, entry in findings.items():
            if code not in concluded_by:
                self.add(entry.problem("code", f"finding '{code}' is never concluded by any rule",
                                       "add a rule with `then: " + code + "` or remove the finding"))
        self._check_cycles(concluded_by, findings)
        self._check_double_counting(concluded_by, findings)

    def _check_rule(self, entry, symptoms, findings, hypotheses, concluded_by):
        codes = premise_codes(entry.get("if"))
        for code in codes:
            if code in hypotheses:
                self.add(entry.problem("if", f"'{code}' is a hypothesis, which cannot be a premise",
                                       "conclude a finding instead and use that finding here"))
            elif code not in symptoms and code not in findings:
                self.add(entry.problem("if", f"unknown symptom or finding '{code}'",
                                       f"{did_you_mean(code, list(symptoms) + list(findings))}declare it under"
                                       " symptoms or findings"))
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            self.add(entry.problem("if", f"the premise names {', '.join(repeated)} more than once, so the"
                                         " same evidence would count twice", "name each code once"))
        then = entry.get("then")
        if not isinstance(then, str):
            return
        if then not in hypotheses and then not in findings:
            self.add(entry.problem("then", f"unknown hypothesis or finding '{then}'",
                                   f"{did_you_mean(then, list(hypotheses) + list(findings))}declare it under"
                                   " hypotheses or findings"))
        elif then in codes:
            self.add(entry.problem("then", f"rule concludes '{then}' from itself",
                                   "a rule cannot use its own conclusion as a premise"))
        concluded_by[then].append(entry)

    def _expand(self, code, concluded_by, findings, stack=()):
        """The symptoms beneath a code, following findings to the rules that conclude them."""
        if code not in findings or code in stack:
            return frozenset([code])
        out = set()
        for rule in concluded_by.get(code, []):
            for sub in premise_codes(rule.get("if")):
                out |= self._expand(sub, concluded_by, findings, stack + (code,))
        return frozenset(out)

    def _check_cycles(self, concluded_by, findings):
        graph = {f: {c for r in concluded_by.get(f, []) for c in premise_codes(r.get("if")) if c in findings}
                 for f in findings}
        state: dict[str, int] = {}

        def visit(node, path):
            state[node] = 1
            for nxt in sorted(graph.get(node, ())):
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                    entry = findings[nxt]
                    self.add(entry.problem("code", "findings conclude each other in a circle: "
                                           + " -> ".join(cycle), "break the circle: rules must form layers"))
                elif not state.get(nxt):
                    visit(nxt, path + [nxt])
            state[node] = 2

        for f in sorted(graph):
            if not state.get(f):
                visit(f, [f])

    def _check_double_counting(self, concluded_by, findings):
        """Two rules for one conclusion resting on the same symptoms (directly or through findings) would
        combine the same evidence twice."""
        for conclusion, entries in concluded_by.items():
            seen: dict[frozenset, Entry] = {}
            for entry in entries:
                codes = premise_codes(entry.get("if"))
                if not codes:
                    continue
                evidence = frozenset().union(*(self._expand(c, concluded_by, findings) for c in codes))
                same = seen.get(evidence)
                if same is not None:
                    self.add(entry.problem("if", f"rule rests on the same evidence as {same.get('id')} "
                                           f"({', '.join(sorted(evidence))}) for '{conclusion}': it would be"
                                           " counted twice", f"merge it into {same.get('id')} or delete one"))
                else:
                    seen[evidence] = entry

    def check_screening(self):
        answers = self.codes("answers")
        questions = self.codes("questions")
        solutions = self.codes("solutions")
        symptoms = self.codes("symptoms")
        self.each("questions", self._check_question, answers, symptoms)
        decisions = [d for d in self.each("decisions", self._check_decision, questions, solutions) if d]
        for i, (a, cond_a) in enumerate(decisions):
            for b, cond_b in decisions[i + 1:]:
                if (a.get("salience") == b.get("salience") and a.get("then") != b.get("then")
                        and conditions_overlap(cond_a, cond_b)):
                    self.add(b.problem("salience", f"salience conflict: {b.get('id')} and {a.get('id')} both have"
                                       f" salience {b.get('salience')}, can match the same answers and give"
                                       f" different solutions", "give the one that should win a higher salience"))

    def _check_question(self, entry, answers, symptoms):
        given = entry.get("answers")
        for i, code in enumerate(given if isinstance(given, list) else []):
            if isinstance(code, str) and answers and code not in answers:
                self.add(entry.problem(("answers", i), f"unknown answer '{code}'",
                                       f"{did_you_mean(code, answers)}declare it under answers"))
        symptom = entry.get("symptom")
        if isinstance(symptom, str) and symptom not in symptoms:
            self.add(entry.problem("symptom", f"unknown symptom '{symptom}'",
                                   f"{did_you_mean(symptom, symptoms)}use a code from symptoms"))

    def _check_decision(self, entry, questions, solutions):
        """Check one decision; return (entry, (mode, conditions)) for the salience check, or None."""
        mode, conds = conditions(entry)
        for q, allowed in conds.items():
            if q not in questions:
                self.add(entry.problem(("when", mode, q), f"unknown question '{q}'",
                                       f"{did_you_mean(q, questions)}use a code from questions"))
                continue
            valid = questions[q].get("answers")
            valid = [a for a in valid if isinstance(a, str)] if isinstance(valid, list) else []
            for a in sorted(allowed - set(valid)):
                self.add(entry.problem(("when", mode, q), f"question {q} has no answer '{a}'",
                                       f"{did_you_mean(a, valid)}its answers are: {', '.join(valid)}"))
        then = entry.get("then")
        if isinstance(then, str) and then not in solutions:
            self.add(entry.problem("then", f"unknown solution '{then}'",
                                   f"{did_you_mean(then, solutions)}declare it under solutions"))
        return (entry, (mode, conds)) if mode else None

    def check_cases(self):
        context = {
            "questions": self.codes("questions"), "symptoms": self.codes("symptoms"),
            "hypotheses": self.codes("hypotheses"), "solutions": self.codes("solutions"),
            "levels": {v for v in (e.get("cf") for e in self.sections.get("scale", []))
                       if isinstance(v, (int, Decimal)) and not isinstance(v, bool)},
        }
        self.each("cases", self._check_case, context)

    def _check_case(self, entry, ctx):
        mode = entry.get("mode")
        if mode == "screening":
            self._check_screening_case(entry, ctx["questions"], ctx["solutions"])
        elif mode == "diagnosis":
            self._check_diagnosis_case(entry, ctx["symptoms"], ctx["hypotheses"], ctx["levels"])

    def _check_screening_case(self, entry, questions, solutions):
        given, expect = entry.get("answers"), entry.get("expect")
        if not isinstance(given, dict):
            self.add(entry.problem((), "a screening case needs `answers`",
                                   "add answers: {Q1: ya, ...} for every question"))
            return
        for q in questions:
            if q not in given:
                self.add(entry.problem("answers", f"no answer for question {q}",
                                       "a screening case answers every question"))
        for q, a in given.items():
            if q not in questions:
                self.add(entry.problem(("answers", q), f"unknown question '{q}'",
                                       f"{did_you_mean(q, questions)}use a code from questions"))
                continue
            allowed = questions[q].get("answers")
            allowed = [x for x in allowed if isinstance(x, str)] if isinstance(allowed, list) else []
            if a not in allowed:
                self.add(entry.problem(("answers", q), f"question {q} has no answer '{a}'",
                                       f"{did_you_mean(a, allowed)}its answers are: {', '.join(allowed)}"))
        if isinstance(expect, str) and expect not in solutions:
            self.add(entry.problem("expect", f"unknown solution '{expect}'",
                                   f"{did_you_mean(expect, solutions)}expect one of: {', '.join(solutions)}"))

    def _check_diagnosis_case(self, entry, symptoms, hypotheses, levels):
        given, expect = entry.get("symptoms"), entry.get("expect")
        if given is None:
            self.add(entry.problem((), "a diagnosis case needs `symptoms`", "add symptoms: [GC01, ...] or {GC01: 0.8}"))
            return
        scale = "use one of: " + ", ".join(str(v) for v in sorted(levels))
        for code in (given if isinstance(given, (list, dict)) else []):
            if not isinstance(code, str):
                continue
            if code not in symptoms:
                self.add(entry.problem(("symptoms",), f"unknown symptom '{code}'",
                                       f"{did_you_mean(code, symptoms)}use a code from symptoms"))
            elif isinstance(given, dict) and levels and given[code] not in levels:
                self.add(entry.problem(("symptoms", code), f"{given[code]} is not a level of the scale", scale))
        chosen = entry.get("levels")
        for value in (chosen if isinstance(chosen, list) else []):
            if levels and isinstance(value, (int, Decimal)) and value not in levels:
                self.add(entry.problem("levels", f"{value} is not a level of the scale", scale))
        if isinstance(expect, str) and expect not in hypotheses:
            self.add(entry.problem("expect", f"unknown hypothesis '{expect}'",
                                   f"{did_you_mean(expect, hypotheses)}expect one of: {', '.join(hypotheses)} or null"))
        expect_cf = entry.get("expect_cf")
        for code in (expect_cf if isinstance(expect_cf, dict) else {}):
            if code not in hypotheses:
                self.add(entry.problem(("expect_cf", code), f"unknown hypothesis '{code}'",
                                       f"{did_you_mean(code, hypotheses)}use a code from hypotheses"))
