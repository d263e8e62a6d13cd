"""The assessment layer of both engines: triage and the official case definitions (KB triage.yaml).

Beside the papers' rules, each consultation asserts one ``Status`` fact per criterion that its mode asks,
with its three-valued status (true / false / unknown; an unreported symptom is "No"). A criterion the mode
never asks is unknown by construction: it is not asserted, and premises read a missing code as unknown
(:meth:`kb.model.Condition.value`), so the engine's cost follows what the mode asks (a screening asserts 9
criteria, a diagnosis 20, of the bundled KB's 29); the trace still lists every criterion's status. Then, as
Experta rules:

* one rule per case definition: it matches the Status facts of the *definitions* its premise names (or
  the initial fact, when it names criteria only), so a definition that uses another one waits for that
  one's fact and they chain; its action evaluates the premise (Kleene logic,
  :meth:`kb.model.Condition.value`) over the statuses asserted so far, and asserts the definition's own
  Status. Every criterion's fact is asserted before the engine runs, and the definitions' salience orders
  them by depth, so every status a premise reads is there. (Matching each criterion's fact in every
  definition's left-hand side as well gave the same results at four times the cost: Experta's joins are
  Python, and WHO's "three or more of eleven" alone is a ten-way join.)
* one rule per triage rule: it matches the Status facts it names, and a TEST element lets it activate only
  when its premise is TRUE; its firing records its level;
* one ``triage-decide`` rule: the first triage rule that fired decides (the most urgent level, then KB
  order); when none fired, the KB's default level.

Salience plan of the layer (higher fires first), from ``base`` upwards:

* ``base``: triage-decide, after every triage rule;
* ``base + 1 .. base + L``: triage rules, by their level's urgency (L levels; the most urgent highest), so
  that they fire most urgent first and after every definition;
* ``base + L + 1 + (D - d)``: definitions of depth ``d`` (D = the deepest), lower depths first, so that
  every definition has its status before any triage rule looks at it.

``base`` is chosen by the engine: above every screening decision (a decision halts the engine, so the
assessment must be complete before it), and below the diagnosis's ranking (the papers' model first).
Nothing of this layer touches the papers' facts or firings: the trace keeps it apart (``assessment``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from kb.model import TRUE, Condition, Definition, KnowledgeBase, Triage, TriageRule
from rules.engine._experta import experta  # first: it undoes Experta's import-time logging set-up
from rules.engine.facts import PlainFact
from rules.engine.trace import Trace

ORDER_OFFSET = 1_000_000  # KB-order keys of this layer's rules, after every rule of the papers' models


class Status(PlainFact):
    """A criterion's or a definition's status: ``code``, ``status`` ('true', 'false', 'unknown') and
    ``kind`` ('criterion' or 'definition')."""


@dataclass
class AssessmentTrace:
    """What the assessment layer did in one consultation (rendered by :meth:`to_dict`)."""

    criteria: dict = field(default_factory=dict)  # code -> status, in KB order
    definitions: list = field(default_factory=list)  # (Definition, status, salience), in firing order
    fired: list = field(default_factory=list)  # (TriageRule, salience): rules whose premise is TRUE
    applied: set = field(default_factory=set)  # triage rules already recorded
    level: str | None = None
    rule: TriageRule | None = None  # the deciding rule, or None for the default
    emergency: bool = False  # stopped at the emergency gate

    def statuses(self) -> dict:
        """Every criterion's and definition's status."""
        return {**self.criteria, **{d.code: status for d, status, _ in self.definitions}}

    def to_dict(self) -> dict:
        return {
            "emergency_gate": self.emergency,
            "criteria": dict(self.criteria),
            "definitions": [
                {
                    "code": d.code,
                    "status": status,
                    "salience": salience,
                    "premise": str(d.premise),
                    "source": d.source,
                    "at": str(d.loc),
                    "review": d.review,
                }
                for d, status, salience in self.definitions
            ],
            "triage_rules": [
                {
                    "rule": r.id,
                    "level": r.level,
                    "salience": salience,
                    "premise": str(r.premise),
                    "source": r.source,
                    "at": str(r.loc),
                    "review": r.review,
                }
                for r, salience in self.fired
            ],
            "level": self.level,
            "decided_by": self.rule.id if self.rule is not None else "default",
        }


def band_size(triage: Triage) -> int:
    """How many salience values the layer uses above ``base`` (see the module's salience plan)."""
    return len(triage.levels) + 1 + max((d.depth for d in triage.definitions), default=0)


def _patterns(premise: Condition, binding: dict):
    """The binding name of each code of the premise. A code has the same name in every rule
    (``binding``), so Experta shares one alpha path per code instead of building one per rule."""
    return {code: binding[code] for code in premise.codes()}


def _lhs(names: dict):
    return [name << Status(code=code) for code, name in names.items()]


def _true_lhs(premise: Condition, binding: dict, facts: frozenset):
    """Experta conditions that hold exactly when ``premise`` is TRUE. Under Kleene logic a conjunction or
    disjunction is true exactly when enough of its parts are *true*, so ``all``/``any`` become AND/OR of
    ``Status(code=..., status='true')`` patterns: facts of another status stop at the alpha network and
    never reach a join. ``at_least`` binds its codes' facts (any status) and lets a TEST count them."""
    if premise.op == "is":
        return binding[premise.code] << Status(code=premise.code, status=TRUE)
    if premise.op in ("all", "any"):
        parts = [_true_lhs(item, binding, facts) for item in premise.items]
        return experta.AND(*parts) if premise.op == "all" else experta.OR(*parts)
    names = {code: name for code, name in _patterns(premise, binding).items() if code in facts}
    return experta.AND(*_lhs(names), experta.TEST(_is_true(premise, names)))


class _Test(Protocol):
    """A TEST element's function with the signature Experta reads (``inspect.signature`` honours
    ``__signature__``)."""

    __signature__: inspect.Signature

    def __call__(self, **facts: Any) -> bool: ...


def _is_true(premise: Condition, names: dict) -> _Test:
    """The TEST element's function: TRUE premise only. Experta passes the bound facts by name, so the
    signature lists exactly those names."""

    def test(**facts):
        return premise.value({code: facts[name]["status"] for code, name in names.items()}) == TRUE

    signed = cast(_Test, test)  # the same function, typed with the attribute it is about to carry
    signed.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in names.values()]
    )
    return signed


def asked(triage: Triage, mode: str) -> frozenset:
    """The criteria a mode can make true or false (a request flag counts in both modes)."""
    return frozenset(
        c.code
        for c in triage.criteria
        if c.request is not None or (c.symptom if mode == "diagnosis" else c.question) is not None
    )


def rules(kb: KnowledgeBase, mode: str, base: int, make_rule) -> dict:
    """The layer's Experta rules for ``kb`` and ``mode``, as class attributes; ``make_rule(lhs, salience,
    order, name, action, meta)`` wraps an action as an Experta rule (rules.engine.engines._rule)."""
    triage = kb.triage
    if triage is None:
        return {}
    attrs = {}
    facts = asked(triage, mode) | {d.code for d in triage.definitions}  # the codes that have a Status fact
    # One binding name per criterion or definition (``c0``, ``c1``, ...: codes need not be identifiers).
    binding = {
        code: f"c{i}" for i, code in enumerate([c.code for c in triage.criteria] + [d.code for d in triage.definitions])
    }
    levels = len(triage.levels)
    deepest = max((d.depth for d in triage.definitions), default=0)
    defined = {d.code for d in triage.definitions}
    for d in triage.definitions:
        names = {code: name for code, name in _patterns(d.premise, binding).items() if code in defined}
        salience = base + levels + 1 + (deepest - d.depth)

        def define(engine, bindings, d=d, salience=salience):
            engine.define(d, d.premise.value(engine.assessment.statuses()), salience)

        attrs[f"kb_definition_{d.index}"] = make_rule(
            _lhs(names) or [experta.InitialFact()], salience, ORDER_OFFSET + d.index, d.code, define, d
        )
    rank = {level.code: level.rank for level in triage.levels}
    for r in triage.rules:
        salience = base + levels - rank[r.level]

        def fire(engine, bindings, r=r, salience=salience):
            if r not in engine.assessment.applied:  # an `any` premise may be true in several ways
                engine.assessment.applied.add(r)
                engine.assessment.fired.append((r, salience))

        attrs[f"kb_triage_{r.index}"] = make_rule(
            [_true_lhs(r.premise, binding, facts)],
            salience,
            ORDER_OFFSET + len(triage.definitions) + r.index,
            r.id,
            fire,
            r,
        )

    def decide(engine, bindings):
        record = engine.assessment
        record.rule = record.fired[0][0] if record.fired else None
        record.level = record.rule.level if record.rule is not None else triage.default

    attrs["kb_triage_decide"] = make_rule([experta.InitialFact()], base, ORDER_OFFSET * 2, "triage-decide", decide)
    return attrs


class _Host(Protocol):
    """What the layer's methods use of the engine they are mixed into (rules.engine.engines._Engine, an
    Experta KnowledgeEngine)."""

    kb: KnowledgeBase
    trace: Trace | None
    assessment: AssessmentTrace | None
    asked_criteria: frozenset

    def declare(self, *facts: Any) -> Any: ...


class AssessmentMixin:
    """Engine methods of the layer: assert the criteria, record definitions."""

    assessment: AssessmentTrace | None = None
    asked_criteria: frozenset = frozenset()  # set per engine class: assessment.asked(triage, mode)

    def assess(self: _Host, mode: str, *, symptoms=None, answers=None, emergency: bool = False):
        """Assert one Status fact per criterion (after the papers' facts, so their fact ids are unchanged)."""
        triage = self.kb.triage
        if triage is None:
            self.assessment = None
            return
        statuses = triage.criteria_statuses(mode, symptoms=symptoms, answers=answers, emergency=emergency)
        assert self.trace is not None, "the engine's _begin() starts every consultation"
        self.assessment = self.trace.assessment = AssessmentTrace(criteria=statuses, emergency=emergency)
        asked_here = self.asked_criteria
        self.declare(
            *(
                Status(code=code, status=status, kind="criterion")
                for code, status in statuses.items()
                if code in asked_here
            )
        )

    def define(self: _Host, definition: Definition, status: str, salience: int):
        self.declare(Status(code=definition.code, status=status, kind="definition"))
        assert self.assessment is not None, "definitions fire only after assess() with a triage section"
        self.assessment.definitions.append((definition, status, salience))
