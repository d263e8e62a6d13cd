"""A plain-language "why" for people, from a typed result: how each answer moved the top possibility's
certainty, step by step. Why it ranks first is the result's :class:`rules.results.RankingReason` (decided
once, in :mod:`rules.results`); the expert's version, with rules and sources, is the result's ``how``."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kb.model import KnowledgeBase
from reports import assessment
from rules.results import DiagnosisResult, Result


@dataclass(frozen=True)
class WhyStep:
    """One rule firing for the top possibility, as a person reads it: what was answered and how the
    certainty moved (in percent, exact: the template's filter rounds it)."""

    names: str  # the answers the rule matched, by name
    level: str | None  # the scale's word for the answer, when the rule matched one symptom
    percent_before: Fraction
    percent_after: Fraction


def _name(kb: KnowledgeBase, code: str, lang: str) -> str:
    try:
        return kb.name_of(code).get(lang)
    except KeyError:  # a result made by an older KB may name something this KB dropped
        return code


def _level(kb: KnowledgeBase, code: str, cf: Fraction, lang: str) -> str | None:
    """The scale's word for a symptom answered at ``cf`` (a finding's CF is no answer: None)."""
    try:
        kb.symptom(code)
    except KeyError:
        return None
    level = kb.level(cf)
    return level.label.get(lang) if level is not None else None


def steps(kb: KnowledgeBase, result: Result, lang: str) -> list[WhyStep]:
    """For the result's top hypothesis, one step per rule that changed its CF, in firing order (none for a
    screening or when nothing was concluded)."""
    if not isinstance(result, DiagnosisResult):
        return []
    out = []
    for step in result.steps_for(result.diagnosis):
        names = ", ".join(_name(kb, code, lang) for code, _cf in step.seen)
        level = _level(kb, *step.seen[0], lang) if len(step.seen) == 1 else None
        out.append(WhyStep(names, level, step.before * 100, step.after * 100))
    return out


GLOBALS = {"why_steps": steps, **assessment.GLOBALS}
"""Every function the report templates call (this module's and :mod:`reports.assessment`'s)."""
