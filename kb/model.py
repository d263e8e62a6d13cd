"""The knowledge base as immutable Python objects, built by the loader after every check has passed.

Certainty factors are :class:`fractions.Fraction` so that all arithmetic on them is exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kb.languages import DEFAULT_LANGUAGE, supported


@dataclass(frozen=True)
class Text:
    """A text in each of :data:`kb.languages.LANGUAGES` (one field per language code)."""

    id: str
    en: str

    def get(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The text in ``lang``; in the default language for a language Pakar does not speak."""
        return getattr(self, lang if supported(lang) else DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class Loc:
    """Where an entry stands in the KB files, so that a trace can cite it."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Source:
    id: str
    citation: str
    note: str = ""
    short: str = ""  # how a page cites it: author or body, year, document number ("" = the full citation)

    @property
    def cited(self) -> str:
        """The short citation shown to people (never the internal id)."""
        return self.short or self.citation


@dataclass(frozen=True)
class Level:
    code: str
    cf: Fraction
    label: Text
    source: str


@dataclass(frozen=True)
class Symptom:
    code: str
    name: Text
    question: Text
    help: Text | None
    category: str
    cf: Fraction
    source: str
    assumption: Text | None
    loc: Loc


@dataclass(frozen=True)
class Group:
    """A group of symptoms, shown together under its name on the diagnosis form; groups keep KB order."""

    code: str
    name: Text
    symptoms: tuple[Symptom, ...]
    loc: Loc


@dataclass(frozen=True)
class Finding:
    """An intermediate conclusion: concluded by rules, used as a premise by other rules."""

    code: str
    name: Text
    source: str
    loc: Loc


@dataclass(frozen=True)
class Hypothesis:
    code: str
    name: Text
    info: Text
    advice: Text
    source: str
    loc: Loc


class _Tree:
    """A premise tree (a :class:`Premise` or a :class:`Condition`): a code at each leaf (``op='is'``), parts in
    ``items`` elsewhere."""

    op: str
    code: str
    items: tuple[_Tree, ...]

    def codes(self) -> tuple[str, ...]:
        """Every code the tree mentions, in order of first appearance."""
        if self.op == "is":
            return (self.code,)
        seen: dict[str, None] = {}
        for item in self.items:
            for code in item.codes():
                seen.setdefault(code)
        return tuple(seen)


@dataclass(frozen=True)
class Premise(_Tree):
    """A rule's IF part: a single code (``op='is'``), or ``all``/``any`` of sub-premises."""

    op: str
    code: str = ""
    items: tuple[Premise, ...] = ()

    def __str__(self) -> str:
        if self.op == "is":
            return self.code
        return f"{self.op.upper()}(" + ", ".join(str(i) for i in self.items) + ")"


@dataclass(frozen=True)
class CFRule:
    """IF premise THEN conclusion WITH cf: a MYCIN-style certainty-factor rule."""

    id: str
    premise: Premise
    conclusion: str
    cf: Fraction
    threshold: Fraction
    source: str
    note: str
    loc: Loc
    index: int
    stratum: int = 0


@dataclass(frozen=True)
class AnswerOption:
    code: str
    label: Text


@dataclass(frozen=True)
class Question:
    code: str
    text: Text
    help: Text | None
    answers: tuple[str, ...]
    symptom: str | None
    source: str
    loc: Loc


@dataclass(frozen=True)
class Hotline:
    name: str
    number: str


@dataclass(frozen=True)
class Solution:
    code: str
    title: Text
    advice: Text
    call_hotline: bool
    hotline: Hotline | None
    source: str
    loc: Loc


@dataclass(frozen=True)
class Decision:
    """A quick-screening decision rule: ``mode`` 'all' or 'any' of (question, allowed answers)."""

    id: str
    mode: str
    conditions: tuple[tuple[str, frozenset], ...]
    conclusion: str
    salience: int
    note: Text
    source: str
    loc: Loc
    index: int

    def matches(self, answers: Mapping[str, str]) -> bool:
        """Whether these answers satisfy the condition (used by the verifier, not by inference)."""
        hits = (answers.get(q) in allowed for q, allowed in self.conditions)
        return all(hits) if self.mode == "all" else any(hits)


@dataclass(frozen=True)
class EmergencySign:
    code: str
    text: Text


@dataclass(frozen=True)
class Emergency:
    title: Text
    intro: Text | None
    hotline_name: Text
    hotline_number: str
    signs: tuple[EmergencySign, ...]
    source: str
    question: Text | None = None  # the emergency gate, asked first in both consultations


@dataclass(frozen=True)
class Case:
    """A test case stored with the KB: given answers, the expected outcome."""

    id: str
    mode: str
    answers: Mapping[str, str]
    symptoms: Mapping[str, Fraction] | tuple[str, ...]
    levels: tuple[Fraction, ...]
    expect: str | None
    expect_cf: Mapping[str, Fraction]
    source: str
    note: str
    loc: Loc
    # Triage expectations (kb/triage.py fills them in after the rest of the case is built).
    emergency: bool = False
    expect_triage: tuple[str, str | None] | None = None  # (level, deciding rule or None for the default)
    expect_status: Mapping[str, str] = field(default_factory=dict)  # definition -> met / not_met / unknown


@dataclass(frozen=True)
class KnowledgeBase:
    """A loaded, checked KB. ``version`` is a content hash: the same content gives the same version."""

    id: str
    title: Text
    label: str
    review_date: str
    reviewers: tuple[str, ...]
    disclaimer: Text
    no_conclusion: Text
    sources: tuple[Source, ...]
    scale: tuple[Level, ...]
    symptoms: tuple[Symptom, ...]
    groups: tuple[Group, ...]
    findings: tuple[Finding, ...]
    hypotheses: tuple[Hypothesis, ...]
    rules: tuple[CFRule, ...]
    answer_options: tuple[AnswerOption, ...]
    questions: tuple[Question, ...]
    solutions: tuple[Solution, ...]
    decisions: tuple[Decision, ...]
    emergency: Emergency | None
    cases: tuple[Case, ...]
    version: str
    path: str
    files: tuple[str, ...]
    # (kind, code) -> the entry: look-ups below give each kind its type.
    by_code: Mapping[tuple[str, Any], Any] = field(default_factory=dict, compare=False, repr=False)
    triage: Triage | None = None  # triage levels, criteria, case definitions, triage rules (triage.yaml)

    def symptom(self, code: str) -> Symptom:
        """The symptom with this code."""
        return self.by_code[("symptom", code)]

    def group(self, code: str) -> Group:
        """The symptom group with this code (a symptom's ``category``)."""
        return self.by_code[("group", code)]

    def group_name(self, code: str) -> Text:
        """The name of the symptom group with this code."""
        return self.group(code).name

    def hypothesis(self, code: str) -> Hypothesis:
        """The hypothesis with this code."""
        return self.by_code[("hypothesis", code)]

    def solution(self, code: str) -> Solution:
        """The screening solution with this code."""
        return self.by_code[("solution", code)]

    def rule(self, rule_id: str):
        """A CF rule or a decision by its id."""
        return self.by_code[("rule", rule_id)]

    def answer_label(self, code: str) -> Text:
        """The label of the screening answer with this code."""
        return self.by_code[("answer", code)].label

    def level(self, cf: Fraction) -> Level | None:
        """The scale level with exactly this CF, or None."""
        return self.by_code.get(("level", cf))

    def name_of(self, code: str) -> Text:
        """The name of a symptom, finding or hypothesis."""
        for kind in ("symptom", "finding", "hypothesis"):
            entry = self.by_code.get((kind, code))
            if entry is not None:
                return entry.name
        raise KeyError(code)

    @property
    def short_version(self) -> str:
        """The first 12 hex digits of :attr:`version`, as shown to people."""
        return self.version[:12]


# --- triage and the official case definitions (kb/covid19/triage.yaml) -----------------------------------

TRUE, FALSE, UNKNOWN = "true", "false", "unknown"
"""A criterion's or definition's status: three-valued (Kleene) logic, never a certainty factor."""

MET = {TRUE: "met", FALSE: "not_met", UNKNOWN: "unknown"}
"""How a definition's status is reported: met / not_met / unknown ("cannot tell")."""


def kleene_all(values) -> str:
    """FALSE if any is false, else UNKNOWN if any is unknown, else TRUE."""
    values = list(values)
    if FALSE in values:
        return FALSE
    return UNKNOWN if UNKNOWN in values else TRUE


def kleene_any(values) -> str:
    """TRUE if any is true, else UNKNOWN if any is unknown, else FALSE."""
    values = list(values)
    if TRUE in values:
        return TRUE
    return UNKNOWN if UNKNOWN in values else FALSE


def kleene_at_least(n: int, values) -> str:
    """TRUE if at least ``n`` are true, FALSE if even every unknown being true would not reach ``n``."""
    values = list(values)
    true = values.count(TRUE)
    if true >= n:
        return TRUE
    return FALSE if true + values.count(UNKNOWN) < n else UNKNOWN


@dataclass(frozen=True)
class Condition(_Tree):
    """A three-valued premise: a criterion or definition code (``op='is'``), ``all``/``any`` of
    conditions, or ``at_least`` ``n`` of them."""

    op: str
    code: str = ""  # the criterion or definition of an ``is`` condition; unused by the others
    items: tuple[Condition, ...] = ()
    n: int = 0

    def value(self, statuses: Mapping[str, str]) -> str:
        """The condition's status given each code's status (a missing code is UNKNOWN)."""
        if self.op == "is":
            return statuses.get(self.code, UNKNOWN)
        values = [item.value(statuses) for item in self.items]
        if self.op == "all":
            return kleene_all(values)
        if self.op == "any":
            return kleene_any(values)
        return kleene_at_least(self.n, values)

    def __str__(self) -> str:
        if self.op == "is":
            return self.code
        inner = ", ".join(str(i) for i in self.items)
        return f"AT_LEAST {self.n} OF({inner})" if self.op == "at_least" else f"{self.op.upper()}({inner})"


@dataclass(frozen=True)
class Constant:
    """A number that texts use as ``{code}`` (filled in by the loader): written once in the KB."""

    code: str
    value: Fraction
    name: Text
    source: str
    review: str


@dataclass(frozen=True)
class TriageLevel:
    """What to do and how urgently. ``rank`` 0 is the most urgent."""

    code: str
    title: Text
    advice: Text
    source: str
    review: str
    rank: int
    loc: Loc


@dataclass(frozen=True)
class Criterion:
    """A named condition with a status per consultation mode (UNKNOWN where the mode does not ask it).

    ``bands`` maps 'likely', 'maybe', 'unlikely' to the status a diagnosis answer in that band gives;
    ``answers`` maps each answer of ``question`` to a status; ``request`` names a request flag."""

    code: str
    name: Text
    symptom: str | None
    bands: Mapping[str, str]
    question: str | None
    answers: Mapping[str, str]
    request: str | None
    source: str
    review: str
    loc: Loc
    index: int


@dataclass(frozen=True)
class Definition:
    """An official case definition (or a part of one), evaluated over criteria and other definitions.
    ``depth`` 0 rests on criteria only; otherwise one above the deepest definition it uses."""

    code: str
    name: Text
    premise: Condition
    source: str
    review: str
    loc: Loc
    index: int
    depth: int


@dataclass(frozen=True)
class TriageRule:
    """IF the premise is TRUE THEN at least this level."""

    id: str
    premise: Condition
    level: str
    note: Text
    source: str
    review: str
    loc: Loc
    index: int


@dataclass(frozen=True)
class Triage:
    """The triage part of a KB: levels (most urgent first), criteria, definitions and triage rules."""

    default: str
    likely: Fraction
    unlikely: Fraction
    suspect: str
    probable: str
    case_definition_name: Text
    source: str
    review: str
    levels: tuple[TriageLevel, ...]
    criteria: tuple[Criterion, ...]
    definitions: tuple[Definition, ...]
    rules: tuple[TriageRule, ...]
    constants: tuple[Constant, ...]

    def level(self, code: str) -> TriageLevel:
        return next(level for level in self.levels if level.code == code)

    def definition(self, code: str) -> Definition:
        return next(d for d in self.definitions if d.code == code)

    def rule(self, rule_id: str) -> TriageRule:
        return next(r for r in self.rules if r.id == rule_id)

    def band(self, cf: Fraction) -> str:
        """'likely', 'maybe' or 'unlikely' for a diagnosis certainty (0 = not reported = 'unlikely')."""
        if cf >= self.likely:
            return "likely"
        return "unlikely" if cf <= self.unlikely else "maybe"

    def criteria_statuses(
        self,
        mode: str,
        *,
        symptoms: Mapping[str, Fraction] | None = None,
        answers: Mapping[str, str] | None = None,
        emergency: bool = False,
    ) -> dict[str, str]:
        """Every criterion's status for one consultation, in KB order (the engine asserts these as facts).

        Diagnosis: an unreported symptom is "No" (CF 0). Screening: the answer's status. A criterion the
        mode does not ask is UNKNOWN. With ``emergency`` the consultation stopped at the gate: nothing
        else was asked, so every other criterion is UNKNOWN."""
        out = {}
        for c in self.criteria:
            if c.request == "emergency":
                out[c.code] = TRUE if emergency else FALSE
            elif emergency:
                out[c.code] = UNKNOWN
            elif mode == "diagnosis" and c.symptom is not None:
                out[c.code] = c.bands[self.band((symptoms or {}).get(c.symptom, Fraction(0)))]
            elif mode == "screening" and c.question is not None and answers is not None:
                answer = answers.get(c.question)
                out[c.code] = UNKNOWN if answer is None else c.answers.get(answer, UNKNOWN)
            else:
                out[c.code] = UNKNOWN
        return out

    def evaluate(self, criteria: Mapping[str, str]) -> tuple[dict[str, str], list[TriageRule], str]:
        """Definitions' statuses, the true triage rules (most urgent first) and the level, from criteria.

        The engine does this with Experta rules; this plain evaluation serves the verifier (every answer
        combination) and is checked against the engine by the tests."""
        statuses = dict(criteria)
        for d in sorted(self.definitions, key=lambda d: (d.depth, d.index)):
            statuses[d.code] = d.premise.value(statuses)
        rank = {level.code: level.rank for level in self.levels}
        true = sorted(
            (r for r in self.rules if r.premise.value(statuses) == TRUE), key=lambda r: (rank[r.level], r.index)
        )
        return statuses, true, true[0].level if true else self.default
