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


@dataclass(frozen=True)
class Premise:
    """A rule's IF part: a single code (``op='is'``), or ``all``/``any`` of sub-premises."""

    op: str
    code: str = ""
    items: tuple[Premise, ...] = ()

    def codes(self) -> tuple[str, ...]:
        """Every code the premise mentions, in order of first appearance."""
        if self.op == "is":
            return (self.code,)
        seen: dict[str, None] = {}
        for item in self.items:
            for code in item.codes():
                seen.setdefault(code)
        return tuple(seen)

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
