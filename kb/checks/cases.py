"""The test cases stored with the KB name declared questions, answers, symptoms, scale levels, solutions
and hypotheses, and a screening case answers every question."""

from __future__ import annotations

from decimal import Decimal

from kb.checks.base import Context
from kb.schema import did_you_mean

ID = "cases"


def check(kb: Context):
    """Yield the reference problems of every case."""
    levels = {
        v
        for v in (e.get("cf") for e in kb.entries("scale"))
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool)
    }
    yield from kb.each(
        "cases",
        _check_case,
        kb.codes("questions"),
        kb.codes("symptoms"),
        kb.codes("hypotheses"),
        kb.codes("solutions"),
        levels,
    )


def _check_case(entry, questions, symptoms, hypotheses, solutions, levels):
    mode = entry.get("mode")
    if mode == "screening":
        yield from _screening_case(entry, questions, solutions)
    elif mode == "diagnosis":
        yield from _diagnosis_case(entry, symptoms, hypotheses, levels)


def _screening_case(entry, questions, solutions):
    given, expect = entry.get("answers"), entry.get("expect")
    if not isinstance(given, dict):
        yield entry.problem((), "a screening case needs `answers`", "add answers: {Q1: ya, ...} for every question")
        return
    for q in questions:
        if q not in given:
            yield entry.problem("answers", f"no answer for question {q}", "a screening case answers every question")
    for q, a in given.items():
        if q not in questions:
            yield entry.problem(
                ("answers", q), f"unknown question '{q}'", f"{did_you_mean(q, questions)}use a code from questions"
            )
            continue
        allowed = questions[q].get("answers")
        allowed = [x for x in allowed if isinstance(x, str)] if isinstance(allowed, list) else []
        if a not in allowed:
            yield entry.problem(
                ("answers", q),
                f"question {q} has no answer '{a}'",
                f"{did_you_mean(a, allowed)}its answers are: {', '.join(allowed)}",
            )
    if isinstance(expect, str) and expect not in solutions:
        yield entry.problem(
            "expect",
            f"unknown solution '{expect}'",
            f"{did_you_mean(expect, solutions)}expect one of: {', '.join(solutions)}",
        )


def _diagnosis_case(entry, symptoms, hypotheses, levels):
    given, expect = entry.get("symptoms"), entry.get("expect")
    if given is None:
        yield entry.problem((), "a diagnosis case needs `symptoms`", "add symptoms: [GC01, ...] or {GC01: 0.8}")
        return
    scale = "use one of: " + ", ".join(str(v) for v in sorted(levels))
    for code in given if isinstance(given, (list, dict)) else []:
        if not isinstance(code, str):
            continue
        if code not in symptoms:
            yield entry.problem(
                ("symptoms",), f"unknown symptom '{code}'", f"{did_you_mean(code, symptoms)}use a code from symptoms"
            )
        elif isinstance(given, dict) and levels and given[code] not in levels:
            yield entry.problem(("symptoms", code), f"{given[code]} is not a level of the scale", scale)
    chosen = entry.get("levels")
    for value in chosen if isinstance(chosen, list) else []:
        if levels and isinstance(value, (int, Decimal)) and value not in levels:
            yield entry.problem("levels", f"{value} is not a level of the scale", scale)
    if isinstance(expect, str) and expect not in hypotheses:
        yield entry.problem(
            "expect",
            f"unknown hypothesis '{expect}'",
            f"{did_you_mean(expect, hypotheses)}expect one of: {', '.join(hypotheses)} or null",
        )
    expect_cf = entry.get("expect_cf")
    for code in expect_cf if isinstance(expect_cf, dict) else {}:
        if code not in hypotheses:
            yield entry.problem(
                ("expect_cf", code),
                f"unknown hypothesis '{code}'",
                f"{did_you_mean(code, hypotheses)}use a code from hypotheses",
            )
