"""Typed outcomes of the assessment layer (triage level and the official case definitions), read from a
consultation's trace, and the result of a consultation that ended at the emergency gate.

Nothing here decides anything: the engine's assessment layer (:mod:`rules.engine.assessment`) did, and
recorded it in ``trace.assessment``; these records carry it to the result contract:

    "triage": {"level", "rule", "title", "advice"}
    "case_definition": {"suspect": "met"|"not_met"|"unknown", "probable": ..., "source": ...}
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.model import MET, KnowledgeBase
from rules import requests
from rules.engine.pool import engine_for

_T = {
    "gate": ("Konsultasi berhenti di pertanyaan tanda bahaya (jawaban: ya), jadi model makalah tidak"
             " dijalankan. Jangan menunggu: hubungi {number} atau segera ke IGD.",
             "The consultation stopped at the danger-sign question (answer: yes), so the papers' model was"
             " not run. Do not wait: call {number} or go to the emergency department now."),
    "decided": ("{rule} benar ({premise}) -> {level}. {note}", "{rule} is true ({premise}) -> {level}. {note}"),
    "also": ("{rule} juga benar -> {level}.", "{rule} is also true -> {level}."),
    "default": ("Tidak ada aturan triase yang benar: tingkat bawaan {level}.",
                "No triage rule is true: the default level {level}."),
}


def _t(key, lang, **values) -> str:
    ind, eng = _T[key]
    return (eng if lang == "en" else ind).format(**values)


@dataclass(frozen=True)
class TriageOutcome:
    """What to do and how urgently: the level, the triage rule that decided it (None: the KB's default),
    its texts in the result's language and the sources behind them."""

    level: str
    rule: str | None
    title: str
    advice: str
    source: str
    emergency_gate: bool
    also_true: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"level": self.level, "rule": self.rule, "title": self.title, "advice": self.advice}


@dataclass(frozen=True)
class DefinitionOutcome:
    """One definition's status: 'met', 'not_met' or 'unknown' (cannot tell from these answers)."""

    code: str
    name: str
    status: str
    source: str


@dataclass(frozen=True)
class CaseDefinitionOutcome:
    """Whether the answers meet the official suspect and probable definitions (and every other
    definition of the KB, in ``definitions``)."""

    suspect: str
    probable: str
    source: str
    definitions: tuple[DefinitionOutcome, ...]

    def to_json(self) -> dict:
        return {"suspect": self.suspect, "probable": self.probable, "source": self.source}


def triage_outcome(kb: KnowledgeBase, trace, lang: str = "id") -> TriageOutcome | None:
    """The triage outcome recorded in ``trace`` (None when the KB has no triage section)."""
    record = getattr(trace, "assessment", None)
    if record is None or kb.triage is None:
        return None
    level = kb.triage.level(record.level)
    rule = record.rule
    return TriageOutcome(level.code, rule.id if rule is not None else None, level.title.get(lang),
                         level.advice.get(lang), rule.source if rule is not None else kb.triage.source,
                         record.emergency, tuple(r.id for r, _ in record.fired[1:]))


def case_definition_outcome(kb: KnowledgeBase, trace, lang: str = "id") -> CaseDefinitionOutcome | None:
    """The case-definition statuses recorded in ``trace`` (None when the KB has no triage section)."""
    record = getattr(trace, "assessment", None)
    if record is None or kb.triage is None:
        return None
    statuses = {d.code: status for d, status, _ in record.definitions}
    definitions = tuple(DefinitionOutcome(d.code, d.name.get(lang), MET[statuses[d.code]], d.source)
                        for d in kb.triage.definitions if d.code in statuses)
    by_code = {d.code: d for d in definitions}
    return CaseDefinitionOutcome(by_code[kb.triage.suspect].status, by_code[kb.triage.probable].status,
                                 kb.triage.case_definition_name.get(lang), definitions)


def result_keys(kb: KnowledgeBase, trace, lang: str = "id") -> dict:
    """The two keys every result carries: ``triage`` and ``case_definition`` (null without a triage KB)."""
    triage = triage_outcome(kb, trace, lang)
    case = case_definition_outcome(kb, trace, lang)
    return {"triage": triage.to_json() if triage else None, "case_definition": case.to_json() if case else None}


def how(kb: KnowledgeBase, trace, lang: str = "id") -> list[str]:
    """Lines explaining the triage level: the deciding rule, the other true rules, or the default."""
    record = getattr(trace, "assessment", None)
    if record is None or kb.triage is None:
        return []
    if record.rule is None:
        return [_t("default", lang, level=record.level)]
    first, *rest = record.fired
    rule = first[0]
    lines = [_t("decided", lang, rule=rule.id, premise=rule.premise, level=rule.level, note=rule.note.get(lang))]
    return lines + [_t("also", lang, rule=r.id, level=r.level) for r, _ in rest]


def emergency_result(kb: KnowledgeBase, req: requests.Request, *, trace: bool = True) -> dict:
    """A consultation whose emergency gate was answered yes: it ends at once with the emergency level.

    Only the engine's assessment layer runs (the gate rule decides); the papers' models are not run, and
    the result says so. Answers or symptoms given with it were checked and are kept, unused."""
    engine = engine_for(kb, req.mode)
    engine.consult(req.answers if req.mode == "screening" else req.symptoms, emergency=True)
    lang = req.lang
    number = kb.emergency.hotline_number if kb.emergency else "119"
    out = {
        "id": req.id, "mode": req.mode, "kb_version": kb.short_version, "lang": lang, "emergency": True,
        **result_keys(kb, engine.trace, lang),
        "hotline": ({"name": kb.emergency.hotline_name.get(lang), "number": kb.emergency.hotline_number}
                    if kb.emergency else None),
        "note": _t("gate", lang, number=number),
        "how": how(kb, engine.trace, lang),
        "disclaimer": kb.disclaimer.get(lang),
    }
    if req.mode == "screening":
        out.update({"solution": None, "answers": dict(req.answers or {})})
    else:
        out.update({"diagnosis": None, "ranking": [],
                    "symptoms": [{"code": code, "name": kb.symptom(code).name.get(lang)}
                                 for code in (s.code for s in kb.symptoms) if code in (req.symptoms or {})]})
    if trace:
        out["trace"] = engine.trace.to_dict()
    return out
