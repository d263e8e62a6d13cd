"""The assessment layer's outcomes (triage level and the official case definitions), read from a
consultation's trace, and the result of a consultation that ended at the emergency gate.

Nothing here decides anything: the engine's assessment layer (:mod:`rules.engine.assessment`) did, and
recorded it in ``trace.assessment``; this module turns that record into the typed outcomes of
:mod:`rules.results` (their JSON: ``"triage": {level, rule, title, advice}`` and
``"case_definition": {"suspect": "met"|"not_met"|"unknown", "probable": ..., "source": ...}``).
"""

from __future__ import annotations

from kb.model import MET, KnowledgeBase
from rules import requests
from rules.engine.pool import engine_for
from rules.i18n import tr
from rules.results import CaseDefinitionOutcome, DefinitionOutcome, EmergencyResult, Hotline, TriageOutcome


def triage_outcome(kb: KnowledgeBase, trace, lang: str = "id") -> TriageOutcome | None:
    """The triage outcome recorded in ``trace`` (None when the KB has no triage section)."""
    record = getattr(trace, "assessment", None)
    if record is None or kb.triage is None:
        return None
    level = kb.triage.level(record.level)
    rule = record.rule
    return TriageOutcome(
        level.code,
        rule.id if rule is not None else None,
        level.title.get(lang),
        level.advice.get(lang),
        rule.source if rule is not None else kb.triage.source,
        record.emergency,
        tuple(r.id for r, _ in record.fired[1:]),
    )


def case_definition_outcome(kb: KnowledgeBase, trace, lang: str = "id") -> CaseDefinitionOutcome | None:
    """The case-definition statuses recorded in ``trace`` (None when the KB has no triage section)."""
    record = getattr(trace, "assessment", None)
    if record is None or kb.triage is None:
        return None
    statuses = {d.code: status for d, status, _ in record.definitions}
    definitions = tuple(
        DefinitionOutcome(d.code, d.name.get(lang), MET[statuses[d.code]], d.source)
        for d in kb.triage.definitions
        if d.code in statuses
    )
    by_code = {d.code: d for d in definitions}
    return CaseDefinitionOutcome(
        by_code[kb.triage.suspect].status,
        by_code[kb.triage.probable].status,
        kb.triage.case_definition_name.get(lang),
        definitions,
    )


def how(kb: KnowledgeBase, trace, lang: str = "id") -> list[str]:
    """Lines explaining the triage level: the deciding rule, the other true rules, or the default."""
    record = getattr(trace, "assessment", None)
    if record is None or kb.triage is None:
        return []
    if record.rule is None:
        return [tr(lang, "No triage rule is true: the default level %(level)s.", level=record.level)]
    first, *rest = record.fired
    rule = first[0]
    lines = [
        tr(
            lang,
            "%(rule)s is true (%(premise)s) -> %(level)s. %(note)s",
            rule=rule.id,
            premise=rule.premise,
            level=rule.level,
            note=rule.note.get(lang),
        )
    ]
    return lines + [tr(lang, "%(rule)s is also true -> %(level)s.", rule=r.id, level=r.level) for r, _ in rest]


def emergency_result(kb: KnowledgeBase, req: requests.Request, *, trace: bool = True) -> EmergencyResult:
    """A consultation whose emergency gate was answered yes: it ends at once with the emergency level.

    Only the engine's assessment layer runs (the gate rule decides); the papers' models are not run, and
    the result says so. Answers or symptoms given with it were checked and are kept, unused."""
    engine = engine_for(kb, req.mode)
    engine.consult(req.answers if req.mode == "screening" else req.symptoms, emergency=True)
    lang = req.lang
    number = kb.emergency.hotline_number if kb.emergency else "119"
    reported = [s for s in kb.symptoms if s.code in (req.symptoms or {})]
    return EmergencyResult(
        mode=req.mode,
        id=req.id,
        kb_version=kb.short_version,
        lang=lang,
        triage=triage_outcome(kb, engine.trace, lang),
        case_definition=case_definition_outcome(kb, engine.trace, lang),
        hotline=Hotline(kb.emergency.hotline_name.get(lang), kb.emergency.hotline_number) if kb.emergency else None,
        note=tr(
            lang,
            "The consultation stopped at the danger-sign question (answer: yes), so the papers' model was not"
            " run. Do not wait: call %(number)s or go to the emergency department now.",
            number=number,
        ),
        how=tuple(how(kb, engine.trace, lang)),
        disclaimer=kb.disclaimer.get(lang),
        answers=dict(req.answers or {}) if req.mode == "screening" else {},
        symptoms=tuple(s.code for s in reported),
        symptom_names=tuple(s.name.get(lang) for s in reported),
        trace=engine.trace.to_dict() if trace else None,
    )
