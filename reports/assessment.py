"""What the report shows before and beside the papers' models, read from a typed result and the KB: the
triage level (what to do, its source, its review status), the official case definitions (met / not met /
cannot tell, and which criteria the answers could not settle), every symptom asked with its answer, and the
expert's CF steps. Templates get these records (numbers stay exact: the filters format them)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kb.model import MET, UNKNOWN, Condition, KnowledgeBase
from rules.results import DiagnosisResult, Result

# WHO's definitions, shown beside the national ones (named as WHO's by their KB names) when the KB has them.
WHO_DEFINITIONS = ("who_suspect", "who_probable")


def cite(kb: KnowledgeBase, source: str | None) -> str:
    """A KB ``source`` field ("kmk413 (suspect a); pakar (level)") as people read it: each declared source's
    short citation, once, in order; words that name no declared source are left out (never an internal id)."""
    by_id = {s.id: s for s in kb.sources}
    out: list[str] = []
    for part in (source or "").split(";"):
        words = part.strip().split()
        entry = by_id.get(words[0]) if words else None
        if entry is not None and entry.cited not in out:
            out.append(entry.cited)
    return "; ".join(out)


@dataclass(frozen=True)
class TriageView:
    """The triage level as the report leads with it."""

    level: str
    title: str
    advice: str
    reason: str | None  # the deciding rule's note (None: the KB's default level)
    sources: str  # short citations of the level's advice
    pending: bool  # awaiting medical review
    emergency: bool  # the most urgent level: a call button leads


def triage_view(kb: KnowledgeBase, result: Result, lang: str) -> TriageView | None:
    """The result's triage outcome with its KB source and review status (None when it has none)."""
    outcome = result.triage
    if outcome is None:
        return None
    triage = kb.triage
    level = next((lv for lv in triage.levels if lv.code == outcome.level), None) if triage else None
    rule = next((r for r in triage.rules if r.id == outcome.rule), None) if triage and outcome.rule else None
    return TriageView(
        level=outcome.level,
        title=outcome.title,
        advice=outcome.advice,
        reason=rule.note.get(lang) if rule else None,
        sources=cite(kb, level.source) if level else "",
        pending=bool(level and level.review == "pending") or bool(rule and rule.review == "pending"),
        emergency=bool(triage and triage.levels and triage.levels[0].code == outcome.level),
    )


@dataclass(frozen=True)
class DefinitionView:
    """One official definition: its name, 'met' / 'not_met' / 'unknown', and for 'unknown' the criteria
    that decide it: those the consultation does not ask, and those its answers leave open (a "Maybe", or an
    answer that does not say which of two things it was, such as the screening's "contact or travel")."""

    code: str
    name: str
    status: str
    not_asked: tuple[str, ...] = ()
    unsettled: tuple[str, ...] = ()
    also: bool = False  # the criteria named for the definition above apply here too


@dataclass(frozen=True)
class CaseDefinitionsView:
    name: str  # the national definition's name (KMK 413/2020)
    national: tuple[DefinitionView, ...]  # suspect, probable
    who: tuple[DefinitionView, ...]  # WHO's, when the KB has them
    sources: str
    pending: bool


def _unknown_leaves(kb: KnowledgeBase, condition: Condition, statuses: dict[str, str]) -> list[str]:
    """The criteria that leave ``condition`` unknown: only unknown parts are followed (a false part of an
    ``all`` or a true part of an ``any`` already decides, and an unknown beside it does not matter)."""
    if condition.value(statuses) != UNKNOWN:
        return []
    if condition.op == "is":
        assert condition.code is not None
        definition = next((d for d in kb.triage.definitions if d.code == condition.code), None) if kb.triage else None
        return _unknown_leaves(kb, definition.premise, statuses) if definition else [condition.code]
    out: list[str] = []
    for item in condition.items:
        for code in _unknown_leaves(kb, item, statuses):
            if code not in out:
                out.append(code)
    return out


def _asked(criterion, mode: str, emergency: bool) -> bool:
    if criterion.request:
        return True
    if emergency:
        return False
    return criterion.symptom is not None if mode == "diagnosis" else criterion.question is not None


def _also(views: tuple[DefinitionView, ...]) -> tuple[DefinitionView, ...]:
    """Each criterion named once: a later definition names only what an earlier one did not (``also``)."""
    seen: set[str] = set()
    out = []
    for v in views:
        not_asked = tuple(c for c in v.not_asked if c not in seen)
        unsettled = tuple(c for c in v.unsettled if c not in seen)
        also = bool(seen & set(v.not_asked + v.unsettled))
        seen.update(v.not_asked + v.unsettled)
        out.append(DefinitionView(v.code, v.name, v.status, not_asked, unsettled, also))
    return tuple(out)


def case_definitions_view(kb: KnowledgeBase, result: Result, lang: str) -> CaseDefinitionsView | None:
    """The suspect and probable definitions' statuses (WHO's beside them), with the criteria an unknown one
    waits for. The details come from the trace's criteria, re-evaluated with this KB; when that does not give
    the stored statuses (a result of another KB version) only the stored statuses are shown."""
    outcome = result.case_definition
    triage = kb.triage
    if outcome is None or triage is None:
        return None
    criteria = ((result.trace or {}).get("assessment") or {}).get("criteria")
    statuses: dict[str, str] = {}
    if isinstance(criteria, dict):
        statuses = triage.evaluate(criteria)[0]
    stored = (outcome.suspect, outcome.probable)
    detailed = (
        bool(statuses)
        and (MET.get(statuses.get(triage.suspect, "")), MET.get(statuses.get(triage.probable, ""))) == stored
    )
    by_code = {c.code: c for c in triage.criteria}
    emergency = getattr(result, "emergency", False)

    def view(code: str, status: str) -> DefinitionView:
        definition = next((d for d in triage.definitions if d.code == code), None)
        name = definition.name.get(lang) if definition else code
        if status != "unknown" or not detailed or definition is None:
            return DefinitionView(code, name, status)
        leaves = [by_code[c] for c in _unknown_leaves(kb, definition.premise, statuses) if c in by_code]
        return DefinitionView(
            code,
            name,
            status,
            tuple(c.name.get(lang) for c in leaves if not _asked(c, result.mode, emergency)),
            tuple(c.name.get(lang) for c in leaves if _asked(c, result.mode, emergency)),
        )

    national = _also((view(triage.suspect, outcome.suspect), view(triage.probable, outcome.probable)))
    who = _also(tuple(view(code, MET[statuses[code]]) for code in WHO_DEFINITIONS if detailed and code in statuses))
    definitions = [d for d in triage.definitions if d.code in (triage.suspect, triage.probable)]
    return CaseDefinitionsView(
        name=outcome.source,
        national=national,
        who=who,
        sources=cite(kb, "; ".join(d.source for d in definitions)),
        pending=any(d.review == "pending" for d in definitions),
    )


@dataclass(frozen=True)
class Answer:
    name: str
    level: str
    yes: bool  # answered above "No"


@dataclass(frozen=True)
class AnswerGroup:
    name: str
    answers: tuple[Answer, ...]


def answer_groups(kb: KnowledgeBase, result: Result, lang: str) -> list[AnswerGroup]:
    """Every symptom the diagnosis asked, with the person's answer ("No" included), in the KB's groups
    (existing illnesses form their own group: risk factors). Empty for a screening or an emergency stop."""
    if not isinstance(result, DiagnosisResult):
        return []
    answered = {s.code: s for s in result.symptoms}
    no = kb.level(Fraction(0))
    no_label = no.label.get(lang) if no else "0"
    groups = []
    for group in kb.groups:
        answers = []
        for symptom in group.symptoms:
            given = answered.get(symptom.code)
            if given is not None and given.cf > 0:
                answers.append(Answer(symptom.name.get(lang), given.level, True))
            else:
                answers.append(Answer(symptom.name.get(lang), no_label, False))
        if answers:
            groups.append(AnswerGroup(group.name.get(lang), tuple(answers)))
    return groups


@dataclass(frozen=True)
class ExpertStep:
    """One CF rule firing, for the expert's trace: the rule, the symptom, the person's CF, the expert's
    CF and the conclusion's CF before and after (exact: the template formats them)."""

    rule: str
    code: str
    name: str
    user_cf: Fraction
    expert_cf: Fraction | None
    before: Fraction
    after: Fraction
    source: str


def expert_steps(kb: KnowledgeBase, result: Result, code: str, lang: str) -> list[ExpertStep]:
    """The CF steps that concluded ``code``, with the rule's expert CF and source from the KB."""
    if not isinstance(result, DiagnosisResult):
        return []
    out = []
    for step in result.steps_for(code):
        try:
            rule = kb.rule(step.rule)
        except KeyError:  # a result of an older KB may name a rule this KB dropped
            rule = None
        first, user_cf = step.seen[0] if step.seen else ("", Fraction(0))
        try:
            name = kb.name_of(first).get(lang)
        except KeyError:
            name = first
        out.append(
            ExpertStep(
                step.rule,
                first,
                name,
                user_cf,
                getattr(rule, "cf", None),
                step.before,
                step.after,
                cite(kb, getattr(rule, "source", "")),
            )
        )
    return out


GLOBALS = {
    "triage_view": triage_view,
    "case_definitions_view": case_definitions_view,
    "answer_groups": answer_groups,
    "expert_steps": expert_steps,
    "cite": cite,
}
