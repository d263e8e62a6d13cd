"""The small API the CLI and the web app use: a request in, a result out.

Nothing here computes an answer: it validates the request, runs this thread's Experta engine, and turns
what the firings recorded into a typed result (:mod:`rules.results`). :func:`consult_record` gives the
record; :func:`consult` gives its JSON form, the result contract of ``pakar batch``.
"""

from __future__ import annotations

from fractions import Fraction

from kb.model import CFRule, KnowledgeBase
from rules import explain, requests, triage
from rules.engine.cf import fmt
from rules.engine.pool import engine_for
from rules.errors import EngineError, InputError, PakarError
from rules.memo import memo
from rules.messages import message
from rules.results import (
    CFStep,
    DiagnosisResult,
    Hotline,
    RankingReason,
    RankingRow,
    Result,
    ScreeningResult,
    SymptomAnswer,
)


def consult_record(kb: KnowledgeBase, raw, *, trace: bool = True) -> Result:
    """Answer one request (see :mod:`rules.requests`) with a typed result; raises :class:`InputError` for a
    bad request. With ``trace`` the record carries the trace's JSON form too."""
    req = requests.parse(kb, raw)
    if req.emergency:  # the emergency gate answered yes: the consultation ends there (rules/triage.py)
        return triage.emergency_result(kb, req, trace=trace)
    if req.mode == "screening":
        return _screening(kb, req, trace=trace)
    return _diagnosis(kb, req, trace=trace)


def consult(kb: KnowledgeBase, raw, *, trace: bool = True) -> dict:
    """Answer one request with the result contract's JSON form; raises :class:`InputError` for a bad request.

    A request answered before on this KB version comes from the process's memo (:mod:`rules.memo`): the
    same result, as a fresh copy the caller may change."""
    return memo.answer(kb, trace, raw, lambda: consult_record(kb, raw, trace=trace).to_json())


def consult_safely(kb: KnowledgeBase, raw, *, trace: bool = True) -> dict:
    """Like :func:`consult`, but a failure becomes ``{"id", "error": {"code", "message"}}``."""
    try:
        return consult(kb, raw, trace=trace)
    except PakarError as exc:
        return error_result(raw, exc.code, exc.message)
    except Exception:  # one bad line must never stop a batch or show a traceback
        lang = requests.request_lang(raw)
        return error_result(raw, "internal", message("internal", lang))


def error_result(raw, code: str, text: str) -> dict:
    return {"id": requests.request_id(raw), "error": {"code": code, "message": text}}


def _screening(kb: KnowledgeBase, req: requests.Request, *, trace: bool = True) -> ScreeningResult:
    """Run the screening engine on a parsed request."""
    engine = engine_for(kb, "screening")
    try:
        decision = engine.consult(req.answers)
    except EngineError as exc:
        raise EngineError(message("no_decision", req.lang), code="no_decision") from exc
    solution = kb.solution(decision.conclusion)
    lang = req.lang
    return ScreeningResult(
        id=req.id,
        kb_version=kb.short_version,
        lang=lang,
        solution=solution.code,
        title=solution.title.get(lang),
        advice=solution.advice.get(lang),
        hotline=(
            Hotline(solution.hotline.name, solution.hotline.number)
            if solution.call_hotline and solution.hotline
            else None
        ),
        answers=dict(req.answers or {}),
        how=tuple(explain.how_screening(kb, engine.trace, lang)),
        disclaimer=kb.disclaimer.get(lang),
        triage=triage.triage_outcome(kb, engine.trace, lang),
        case_definition=triage.case_definition_outcome(kb, engine.trace, lang),
        trace=engine.trace.to_dict() if trace else None,
    )


def _diagnosis(kb: KnowledgeBase, req: requests.Request, *, trace: bool = True) -> DiagnosisResult:
    """Run the diagnosis engine on a parsed request."""
    engine = engine_for(kb, "diagnosis")
    state = engine.consult(req.symptoms)
    lang = req.lang
    ranking = tuple(
        RankingRow(r["code"], kb.hypothesis(r["code"]).name.get(lang), r["cf"], r["evidence"]) for r in state.ranking
    )
    reason = RankingReason.of(ranking)
    hyp = kb.hypothesis(reason.first.code) if reason else None
    return DiagnosisResult(
        id=req.id,
        kb_version=kb.short_version,
        lang=lang,
        ranking=ranking,
        symptoms=tuple(
            SymptomAnswer(code, kb.symptom(code).name.get(lang), cf, _level_label(kb, cf, lang))
            for code, cf in _in_kb_order(kb, req.symptoms or {})
        ),
        name=hyp.name.get(lang) if hyp else None,
        info=hyp.info.get(lang) if hyp else None,
        advice=hyp.advice.get(lang) if hyp else kb.no_conclusion.get(lang),
        how=tuple(explain.how_diagnosis(kb, engine.trace, ranking, lang)),
        why=explain.why_first(reason, lang) if reason else None,
        disclaimer=kb.disclaimer.get(lang),
        steps=tuple(
            CFStep(f.rule.id, f.conclusion, tuple(f.bindings.items()), f.before, f.after)
            for f in engine.trace.firings
            if isinstance(f.rule, CFRule) and f.cf is not None
        ),
        triage=triage.triage_outcome(kb, engine.trace, lang),
        case_definition=triage.case_definition_outcome(kb, engine.trace, lang),
        trace=engine.trace.to_dict() if trace else None,
    )


def _in_kb_order(kb, symptoms: dict):
    return [(s.code, symptoms[s.code]) for s in kb.symptoms if s.code in symptoms]


def _level_label(kb, cf: Fraction, lang) -> str:
    level = kb.level(cf)
    return level.label.get(lang) if level else fmt(cf)


__all__ = ["InputError", "consult", "consult_record", "consult_safely", "error_result"]
