"""Experta engines built from a KB: one class per KB version and consultation mode.

Each KB rule becomes an Experta ``Rule`` that carries its KB id, source and position (as attributes on
the rule, so the trace can cite them). Answers are asserted as facts, Experta matches and fires, and the
result is read from what the firings recorded. Engines are not thread-safe: use one per thread
(:mod:`rules.engine.pool`) and call :meth:`consult` per consultation; it starts with ``reset()``.

Salience plan of the diagnosis engine (higher fires first):

* ``-100 * k`` for CF rules of layer *k* (layer 0 rests on symptoms only; a rule using a finding sits
  one layer above the rules that conclude it). Lower layers fire first so that a finding's CF is
  complete before any rule that uses it fires.
* ``-100 * k - 50`` publishes the findings of layer *k* as Evidence facts, after every layer-*k* rule
  has fired and before layer *k + 1* runs.
* ``-100 * (top layer + 1)``: ranking, after every CF rule and publication, once.

The screening engine's saliences come from the KB's decisions (each commented there).
"""

from __future__ import annotations

import itertools
import threading
from fractions import Fraction
from typing import Any, Protocol, cast

from kb.model import CFRule, Decision, KnowledgeBase, Premise
from rules.engine import _experta, assessment
from rules.engine._experta import experta  # first: it undoes Experta's import-time logging set-up
from rules.engine.cf import Accumulator, fmt
from rules.engine.facts import Answer, Evidence, PlainFact
from rules.engine.matcher import IndexedReteMatcher
from rules.engine.strategy import KBOrderStrategy
from rules.engine.trace import FactRecord, Firing, RankRow, Trace
from rules.errors import EngineError

LAYER_STEP = 100
PUBLISH_OFFSET = 50
_NO_CODES: frozenset[str] = frozenset()

Rule, AND, OR, P, L = experta.Rule, experta.AND, experta.OR, experta.P, experta.L


class _Action(Protocol):
    """A rule's action function with the attributes we set on it: Experta copies a function's attributes
    to the rule (``functools.update_wrapper``), where the strategy reads ``pakar_order`` and the screening
    engine ``pakar_meta``."""

    __name__: str
    pakar_order: int
    pakar_meta: object

    def __call__(self, engine: Any, **bindings: Any) -> None: ...


def _rule(lhs, salience: int, order: int, name: str, action, meta=None):
    """Wrap ``action`` as an Experta rule; attributes on the function travel to every copy Experta makes."""

    def fire(engine, **bindings):
        action(engine, bindings)

    marked = cast(_Action, fire)  # the same function, typed with the attributes it is about to carry
    marked.__name__ = name
    marked.pakar_order = order
    marked.pakar_meta = meta
    return Rule(*lhs, salience=salience)(fire)


class LeanFactList(experta.factlist.FactList):
    """Experta's fact list; a :class:`PlainFact` (no fields to validate, no special keys before it is
    declared) skips ``validate()`` and the generic identity scan, and the FACTS watcher's line is written only
    while watching. Duplicates are refused exactly as Experta refuses them (the same identity)."""

    def declare(self, fact):
        plain = isinstance(fact, PlainFact) and fact._plain and not fact.__fields__
        if not plain or "__factid__" in fact or "__bind__" in fact or _experta.watching:
            return super().declare(fact)
        fact_id = frozenset([fact.__class__, *fact.items()])  # Experta's _get_fact_id: there is no special key
        if self.duplication or fact_id not in self.reference_counter:
            idx = self.last_index
            fact.__factid__ = idx
            self[idx] = fact
            self.last_index += 1
            self.added.append(fact)
            self.reference_counter[fact_id] += 1
            return fact
        return None


class _Engine(assessment.AssessmentMixin, experta.KnowledgeEngine):
    """Shared plumbing: indexed matcher, deterministic strategy, no per-reset introspection."""

    __matcher__ = IndexedReteMatcher
    __strategy__ = KBOrderStrategy
    kb: KnowledgeBase  # set on each class that engine_class builds, with the orders below
    symptom_order: dict[str, int]
    hypothesis_order: dict[str, int]
    mode = ""

    def __init__(self):
        super().__init__()
        self.trace: Trace | None = None

    def reset(self):
        """CLIPS-style reset, as Experta's, minus its per-call deffacts look-up: Experta finds deffacts
        with ``inspect.getmembers()`` over every rule of the engine (a cost that grows with the KB) and
        calls ``inspect.signature`` on each. Our only deffacts is Experta's InitialFact."""
        self.agenda = experta.agenda.Agenda()
        self.facts = LeanFactList()
        self.matcher.reset()
        self._KnowledgeEngine__declare(experta.InitialFact())
        self.running = False

    def run(self, steps=float("inf")):
        """Experta's ``KnowledgeEngine.run``, minus what its watchers cost when they are off: it formats every
        firing's facts into a log line (``", ".join(str(f) ...)``) before the logger drops it, and asks
        ``watchers.worth`` once a cycle. While :func:`rules.engine._experta.watch` is on, Experta's own
        loop runs, with every line."""
        if _experta.watching:
            return super().run(steps)
        self.running = True
        agenda, strategy, get_activations = self.agenda, self.strategy, self.get_activations
        while steps > 0 and self.running:
            added, removed = get_activations()
            strategy.update_agenda(agenda, added, removed)
            activation = agenda.get_next()
            if activation is None:
                break
            steps -= 1
            activation.rule(self, **{k: v for k, v in activation.context.items() if not k.startswith("__")})
        self.running = False
        return None

    def _begin(self):
        self.reset()
        kb = self.kb
        self.trace = Trace(kb.id, kb.short_version, kb.label, self.mode)

    def _assert(self, items, origin):
        """Declare ``(fact, kind, code, value)`` items in one step (one matcher pass) and record them."""
        facts = [item[0] for item in items]
        if facts:
            self.declare(*facts)
        assert self.trace is not None, "_begin() starts every consultation"
        records = self.trace.facts
        for fact, kind, code, value in items:
            if fact.__factid__ is None:  # Experta drops a fact equal to one it holds: never silently for us
                raise EngineError(f"{code} was asserted twice")
            records.append(FactRecord(fact.__factid__, kind, code, value, origin))


# --- detailed diagnosis -------------------------------------------------------------------------------


class DiagnosisState:
    """What the firings of one diagnosis accumulate."""

    __slots__ = ("acc", "applied", "known", "ranking", "support")

    def __init__(self):
        self.known: dict[str, Fraction] = {}  # code -> CF of every Evidence fact asserted
        self.acc: dict[str, Accumulator] = {}  # conclusion -> running CF
        self.support: dict[str, set] = {}  # code -> reported symptoms beneath it
        self.applied: set = set()  # rule ids already applied (an `any` rule applies once)
        self.ranking: list[RankRow] = []


def premise_value(premise: Premise, known: dict) -> Fraction:
    """MYCIN premise CF: a code's CF (0 when not known), min over `all`, max over `any`."""
    if premise.op == "is":
        return known.get(premise.code, Fraction(0))
    values = [premise_value(item, known) for item in premise.items]
    return min(values) if premise.op == "all" else max(values)


def _bound_index(name: str) -> int:
    """Position of a bound fact ('f3' -> 3), so that f10 sorts after f9."""
    return int(name[1:])


def _premise_lhs(premise: Premise, names: dict):
    """Experta conditions for a premise; each code's fact is bound as ``f<n>``."""
    if premise.op == "is":
        name = names.setdefault(premise.code, f"f{len(names)}")
        return name << Evidence(code=premise.code)
    parts = [_premise_lhs(item, names) for item in premise.items]
    return AND(*parts) if premise.op == "all" else OR(*parts)


class DiagnosisEngine(_Engine):
    """Detailed diagnosis: user CFs per symptom in, ranked hypotheses out."""

    mode = "diagnosis"
    state: DiagnosisState  # the running consultation's (set by consult)

    def consult(self, symptoms: dict[str, Fraction], emergency: bool = False) -> DiagnosisState:
        """Run one diagnosis. ``symptoms`` maps codes to user CFs (validated by the caller). With
        ``emergency`` (the gate question answered yes) the consultation stops at the gate: the papers'
        rules get no symptom, and only the assessment layer runs."""
        self._begin()
        state = self.state = DiagnosisState()
        # KB order, so that fact ids and the trace are deterministic; only the reported symptoms are
        # visited, so the cost follows the consultation, not the size of the KB.
        reported = (
            []
            if emergency
            else sorted((code for code, cf in symptoms.items() if cf), key=self.symptom_order.__getitem__)
        )
        self._assert(
            [(Evidence(code=code, cf=symptoms[code]), "evidence", code, symptoms[code]) for code in reported], "user"
        )
        for code in reported:
            state.known[code] = symptoms[code]
            state.support[code] = {code}
        self.assess("diagnosis", symptoms=symptoms, emergency=emergency)
        self.run()
        return state

    def apply_rule(self, rule: CFRule, bindings: dict, salience: int):
        state, trace = self.state, self.trace
        assert trace is not None, "rules fire only inside consult()"
        facts = [bindings[k] for k in sorted((k for k in bindings if k.startswith("f")), key=_bound_index)]
        seen = {f["code"]: f["cf"] for f in facts}
        ids = tuple(f["__factid__"] for f in facts)
        if rule.id in state.applied:  # another alternative of an `any` premise: its value is already in
            trace.firings.append(Firing(rule, salience, ids, seen, note="premise already applied"))
            return
        state.applied.add(rule.id)
        premise = premise_value(rule.premise, state.known)
        if premise <= rule.threshold:
            trace.firings.append(
                Firing(
                    rule,
                    salience,
                    ids,
                    seen,
                    premise_cf=premise,
                    note=f"premise CF not above threshold {fmt(rule.threshold)}",
                )
            )
            return
        cf = rule.cf * premise
        acc = state.acc.get(rule.conclusion)
        if acc is None:
            acc = state.acc[rule.conclusion] = Accumulator()
        before, after = acc.add(cf)
        if cf > 0:  # evidence against a conclusion is not support for it
            support = state.support.setdefault(rule.conclusion, set())
            for code in rule.premise.codes():
                if code in state.known:
                    support |= state.support.get(code, _NO_CODES)
        trace.firings.append(
            Firing(
                rule,
                salience,
                ids,
                seen,
                rule.conclusion,
                premise,
                cf,
                before,
                after,
                "conflict: certain evidence for and against" if acc.conflict else "",
            )
        )

    def publish(self, codes: tuple, name: str, salience: int):
        state, trace = self.state, self.trace
        assert trace is not None, "rules fire only inside consult()"
        published = {code: state.acc[code].value for code in codes if code in state.acc and state.acc[code].value > 0}
        self._assert([(Evidence(code=code, cf=cf), "evidence", code, cf) for code, cf in published.items()], name)
        state.known.update(published)
        trace.firings.append(Firing(name, salience, (), published, note="findings asserted as evidence"))

    def rank(self, salience: int):
        """Order hypotheses: CF descending; equal CF -> more reported symptoms; still equal -> KB order."""
        state, trace = self.state, self.trace
        assert trace is not None, "rules fire only inside consult()"
        order = self.hypothesis_order
        rows: list[RankRow] = [
            {
                "code": code,
                "cf": acc.value,
                "evidence": len(state.support.get(code, _NO_CODES)),
                "kb_order": order[code],
                "conflict": acc.conflict,
                "rank": 0,  # set below, once sorted (the last key, as before)
            }
            for code, acc in state.acc.items()
            if code in order
        ]
        rows.sort(key=lambda r: (-r["cf"], -r["evidence"], r["kb_order"]))
        ties = []
        for upper, lower in itertools.pairwise(rows):
            if upper["cf"] == lower["cf"]:
                by = "evidence" if upper["evidence"] != lower["evidence"] else "kb_order"
                ties.append(
                    {
                        "between": [upper["code"], lower["code"]],
                        "cf": fmt(upper["cf"]),
                        "by": by,
                        "winner": upper["code"],
                    }
                )
        for i, row in enumerate(rows):
            row["rank"] = i + 1
        state.ranking = rows
        trace.ranking = rows
        trace.tie_breaks = ties
        trace.firings.append(Firing("rank", salience, (), {}, note="hypotheses ranked"))


def _diagnosis_rules(kb: KnowledgeBase) -> dict:
    attrs = {}
    top = max((r.stratum for r in kb.rules), default=0)
    for rule in kb.rules:
        names: dict = {}
        lhs = _premise_lhs(rule.premise, names)
        salience = -LAYER_STEP * rule.stratum

        def action(engine, bindings, rule=rule, salience=salience):
            engine.apply_rule(rule, bindings, salience)

        attrs[f"kb_rule_{rule.index}"] = _rule([lhs], salience, rule.index, rule.id, action, rule)
    # A finding is published once, after the highest layer of the rules that conclude it.
    layer_of: dict[str, int] = {}
    for rule in kb.rules:
        layer_of[rule.conclusion] = max(layer_of.get(rule.conclusion, 0), rule.stratum)
    for layer in range(top + 1):
        codes = tuple(f.code for f in kb.findings if layer_of.get(f.code) == layer)
        if not codes:
            continue
        salience = -LAYER_STEP * layer - PUBLISH_OFFSET
        name = f"publish-layer-{layer}"

        def publish(engine, bindings, codes=codes, name=name, salience=salience):
            engine.publish(codes, name, salience)

        attrs[f"kb_publish_{layer}"] = _rule([experta.InitialFact()], salience, len(kb.rules) + layer, name, publish)
    salience = -LAYER_STEP * (top + 1)

    def ranking(engine, bindings, salience=salience):
        engine.rank(salience)

    attrs["kb_rank"] = _rule([experta.InitialFact()], salience, len(kb.rules) + top + 1, "rank", ranking)
    # Triage and case definitions after the papers' model: their whole band sits below the ranking.
    if kb.triage is not None:
        attrs.update(assessment.rules(kb, "diagnosis", salience - 1 - assessment.band_size(kb.triage), _rule))
    return attrs


# --- quick screening ----------------------------------------------------------------------------------


def _answer_pattern(question: str, allowed: frozenset, name: str):
    values = sorted(allowed)
    value = L(values[0]) if len(values) == 1 else P(frozenset(values).__contains__)
    return name << Answer(question=question, value=value)


class ScreeningEngine(_Engine):
    """Quick screening: six answers in, exactly one solution out."""

    mode = "screening"
    winner: Decision | None  # the running consultation's decision (set by decide)

    def consult(self, answers: dict[str, str] | None, emergency: bool = False):
        """Run one screening; returns the winning Decision. ``answers`` are validated by the caller. With
        ``emergency`` (the gate question answered yes) the consultation stops at the gate: no answer is
        asserted, only the assessment layer runs, and None is returned."""
        self._begin()
        self.winner = None
        if not emergency:
            assert answers is not None, "the request's parser gives answers unless the gate ended it"
            self._assert(
                [
                    (Answer(question=q.code, value=answers[q.code]), "answer", q.code, answers[q.code])
                    for q in self.kb.questions
                ],
                "user",
            )
        self.assess("screening", answers=answers, emergency=emergency)
        self.run()
        if emergency:
            return None
        if self.winner is None:
            raise EngineError("no decision rule matched these answers; run `pakar kb check` on the KB")
        # Whatever is still on the agenda matched these answers too: other alternatives of the winner's
        # `any` condition (shown with the winner), or other decisions that lost on salience.
        order = {q.code: i for i, q in enumerate(self.kb.questions)}
        trace = self.trace
        assert trace is not None, "_begin() started this consultation"
        firing = trace.firings[-1]
        lost = {}
        for act in reversed(self.agenda.activations):
            decision = act.rule.pakar_meta
            if not isinstance(decision, Decision):  # the assessment layer has fired in full before
                continue
            if decision is self.winner:
                firing.bindings.update((f["question"], f["value"]) for f in act.facts if "question" in f)
                firing.fact_ids += tuple(f["__factid__"] for f in act.facts if "question" in f)
                continue
            entry = lost.setdefault(
                decision.id,
                {"rule": decision.id, "salience": decision.salience, "conclusion": decision.conclusion, "via": []},
            )
            entry["via"].extend(f["question"] for f in act.facts if "question" in f)
        firing.bindings = dict(sorted(firing.bindings.items(), key=lambda kv: order[kv[0]]))
        firing.fact_ids = tuple(sorted(set(firing.fact_ids)))
        for entry in lost.values():
            entry["via"] = sorted(set(entry["via"]), key=order.get)
        trace.also_matched = list(lost.values())
        return self.winner

    def decide(self, decision: Decision, bindings: dict):
        facts = [bindings[k] for k in sorted((k for k in bindings if k.startswith("a")), key=_bound_index)]
        assert self.trace is not None, "rules fire only inside consult()"
        self.trace.firings.append(
            Firing(
                decision,
                decision.salience,
                tuple(f["__factid__"] for f in facts),
                {f["question"]: f["value"] for f in facts},
                decision.conclusion,
            )
        )
        self.winner = decision
        self.halt()  # exactly one solution: the highest-salience decision that matched


def _screening_rules(kb: KnowledgeBase) -> dict:
    attrs = {}
    for decision in kb.decisions:
        patterns = [_answer_pattern(q, allowed, f"a{i}") for i, (q, allowed) in enumerate(decision.conditions)]
        lhs = AND(*patterns) if decision.mode == "all" else OR(*patterns)

        def action(engine, bindings, decision=decision):
            engine.decide(decision, bindings)

        # Salience straight from the KB, where each value is explained (decision.note).
        attrs[f"kb_decision_{decision.index}"] = _rule(
            [lhs], decision.salience, decision.index, decision.id, action, decision
        )
    # Triage and case definitions before the halting decision: their whole band sits above every decision.
    if kb.triage is not None:
        attrs.update(assessment.rules(kb, "screening", max((d.salience for d in kb.decisions), default=0) + 1, _rule))
    return attrs


_classes: dict = {}
_classes_lock = threading.Lock()


def engine_class(kb: KnowledgeBase, mode: str):
    """The engine class for a KB version and mode, built once and shared (instances are per thread)."""
    key = (kb.version, mode)
    with _classes_lock:
        cls = _classes.get(key)
        if cls is None:
            base, attrs = (
                (DiagnosisEngine, _diagnosis_rules(kb))
                if mode == "diagnosis"
                else (ScreeningEngine, _screening_rules(kb))
            )
            attrs["kb"] = kb
            attrs["asked_criteria"] = assessment.asked(kb.triage, mode) if kb.triage is not None else frozenset()
            attrs["symptom_order"] = {s.code: i for i, s in enumerate(kb.symptoms)}
            attrs["hypothesis_order"] = {h.code: i + 1 for i, h in enumerate(kb.hypotheses)}
            cls = _classes[key] = type(f"{base.__name__}_{kb.id}_{kb.short_version}", (base,), attrs)
        return cls


def build_engine(kb: KnowledgeBase, mode: str):
    """A new engine instance for ``kb`` and ``mode`` ('diagnosis' or 'screening')."""
    cls = engine_class(kb, mode)
    with _classes_lock:  # Experta interns its checks in class-level dicts while building the network
        return cls()
