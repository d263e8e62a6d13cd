"""A plain-language "why" for people, drawn from the stored trace: how each answer moved the top
possibility's certainty, and why it ranks first. (The expert's version, with rules and sources, is the
result's ``how``.)"""
from __future__ import annotations

from fractions import Fraction


def _percent(value: str) -> float:
    return float(Fraction(value) * 100)


def _name(kb, code: str, lang: str) -> str:
    try:
        return kb.name_of(code).get(lang)
    except KeyError:            # a result made by an older KB may name something this KB dropped
        return code


def _level(kb, value: str, lang: str) -> str | None:
    level = kb.level(Fraction(value))
    return level.label.get(lang) if level is not None else None


def steps(kb, trace: dict | None, code: str | None, lang: str) -> list[dict]:
    """For hypothesis ``code``, one step per rule that fired for it, in firing order: what was answered
    (``names``, ``level``), and the certainty in percent before and after (``before``, ``after``)."""
    if not trace or not code:
        return []
    out = []
    for firing in trace.get("firings", ()):
        if firing.get("conclusion") != code or "after" not in firing:
            continue
        bindings = firing.get("bindings") or {}
        names = ", ".join(_name(kb, c, lang) for c in bindings)
        level = _level(kb, next(iter(bindings.values())), lang) if len(bindings) == 1 else None
        out.append({"names": names, "level": level, "before": _percent(firing["before"]),
                    "after": _percent(firing["after"])})
    return out


def ranking_reason(result: dict) -> dict | None:
    """Why the first possibility ranks first: ``kind`` is 'alone', 'cf', 'evidence' or 'kb_order'."""
    ranking = result.get("ranking") or []
    if not result.get("diagnosis") or not ranking:
        return None
    first = ranking[0]
    if len(ranking) == 1 or not ranking[1]["cf"]:
        return {"kind": "alone", "a": first}
    second = ranking[1]
    kind = "cf" if first["cf"] != second["cf"] else (result.get("tie_break") or "kb_order")
    return {"kind": kind, "a": first, "b": second}


GLOBALS = {"why_steps": steps, "ranking_reason": ranking_reason}
