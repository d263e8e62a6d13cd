"""The small API the CLI and the web app use: a request dict in, a result dict out.

Nothing here computes an answer: it validates the request, runs this thread's Experta engine, and
turns what the firings recorded into the result contract of ``pakar batch``.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from kb.model import KnowledgeBase
from rules import explain, requests, triage
from rules.engine.cf import as_number, fmt
from rules.errors import EngineError, InputError, PakarError
from rules.messages import message
from rules.engine.pool import engine_for


def consult(kb: KnowledgeBase, raw, *, trace: bool = True) -> dict:
    """Answer one request (see :mod:`rules.requests`); raises :class:`InputError` for a bad request."""
    req = requests.parse(kb, raw)
    if req.emergency:  # the emergency gate answered yes: the consultation ends there (rules/triage.py)
        return triage.emergency_result(kb, req, trace=trace)
    if req.mode == "screening":
        return screening(kb, req, trace=trace)
    return diagnosis(kb, req, trace=trace)


def consult_safely(kb: KnowledgeBase, raw, *, trace: bool = True) -> dict:
    """Like :func:`consult`, but a failure becomes ``{"id", "error": {"code", "message"}}``."""
    try:
        return consult(kb, raw, trace=trace)
    except PakarError as exc:
        return error_result(raw, exc.code, exc.message)
    except Exception:  # noqa: BLE001 - one bad line must never stop a batch or show a traceback
        lang = requests.request_lang(raw)
        return error_result(raw, "internal", message("internal", lang))


def error_result(raw, code: str, text: str) -> dict:
    rid = raw.get("id") if isinstance(raw, dict) else None
    if not requests.valid_id(rid):
        rid = None
    elif isinstance(rid, Decimal):
        rid = int(rid) if rid == rid.to_integral_value() else float(rid)
    return {"id": rid, "error": {"code": code, "message": text}}


def screening(kb: KnowledgeBase, req: requests.Request, *, trace: bool = True) -> dict:
    engine = engine_for(kb, "screening")
    try:
        decision = engine.consult(req.answers)
    except EngineError as exc:
        raise EngineError(message("no_decision", req.lang), code="no_decision") from exc
    solution = kb.solution(decision.conclusion)
    lang = req.lang
    out = {
        "id": req.id, "mode": "screening", "kb_version": kb.short_version, "lang": lang,
        **triage.result_keys(kb, engine.trace, lang),
        "solution": solution.code, "title": solution.title.get(lang), "advice": solution.advice.get(lang),
        "hotline": ({"name": solution.hotline.name, "number": solution.hotline.number}
                    if solution.call_hotline and solution.hotline else None),
        "answers": dict(req.answers),
        "how": explain.how_screening(kb, engine.trace, lang),
        "disclaimer": kb.disclaimer.get(lang),
    }
    if trace:
        out["trace"] = engine.trace.to_dict()
    return out


def diagnosis(kb: KnowledgeBase, req: requests.Request, *, trace: bool = True) -> dict:
    engine = engine_for(kb, "diagnosis")
    state = engine.consult(req.symptoms)
    lang = req.lang
    ranking = [{"code": r["code"], "name": kb.hypothesis(r["code"]).name.get(lang), "cf": as_number(r["cf"]),
                "percent": as_number(r["cf"] * 100, 8), "evidence": r["evidence"],
                "cf_text": fmt(r["cf"]), "percent_text": fmt(r["cf"] * 100, 8)} for r in state.ranking]
    top = state.ranking[0] if state.ranking and state.ranking[0]["cf"] > 0 else None
    hyp = kb.hypothesis(top["code"]) if top else None
    out = {
        "id": req.id, "mode": "diagnosis", "kb_version": kb.short_version, "lang": lang,
        **triage.result_keys(kb, engine.trace, lang),
        "diagnosis": hyp.code if hyp else None,
        "name": hyp.name.get(lang) if hyp else None,
        "cf": as_number(top["cf"]) if top else 0,
        "percent": as_number(top["cf"] * 100, 8) if top else 0,
        # The numbers as text: exact decimals, or rounded ones marked with "≈" (10 places for a CF).
        "cf_text": fmt(top["cf"]) if top else "0",
        "percent_text": fmt(top["cf"] * 100, 8) if top else "0",
        "info": hyp.info.get(lang) if hyp else None,
        "advice": hyp.advice.get(lang) if hyp else kb.no_conclusion.get(lang),
        "ranking": ranking,
        "symptoms": [{"code": code, "name": kb.symptom(code).name.get(lang), "cf": as_number(cf),
                      "level": _level_label(kb, cf, lang)} for code, cf in _in_kb_order(kb, req.symptoms)],
        "tie_break": _tie_break_of(engine.trace, top),
        "why": explain.why_first(engine.trace, lang) if top else None,
        "how": explain.how_diagnosis(kb, engine.trace, lang),
        "disclaimer": kb.disclaimer.get(lang),
    }
    if trace:
        out["trace"] = engine.trace.to_dict()
    return out


def _tie_break_of(trace, top) -> str | None:
    """How the top hypothesis beat the second one when their CFs were equal ('evidence' or 'kb_order')."""
    if top is None or not trace.tie_breaks or trace.tie_breaks[0]["between"][0] != top["code"]:
        return None
    return trace.tie_breaks[0]["by"]


def _in_kb_order(kb, symptoms: dict):
    return [(s.code, symptoms[s.code]) for s in kb.symptoms if s.code in symptoms]


def _level_label(kb, cf: Fraction, lang) -> str:
    level = kb.level(cf)
    return level.label.get(lang) if level else fmt(cf)


__all__ = ["consult", "consult_safely", "error_result", "InputError"]
