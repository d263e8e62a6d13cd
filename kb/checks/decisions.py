"""A screening decision asks declared questions for answers they offer, and concludes a declared solution."""

from __future__ import annotations

from kb.checks.base import Context
from kb.entries import conditions
from kb.schema import did_you_mean

ID = "decisions"


def check(kb: Context):
    """Yield the reference problems of every decision."""
    yield from kb.each("decisions", _check_decision, kb.codes("questions"), kb.codes("solutions"))


def _check_decision(entry, questions, solutions):
    mode, conds = conditions(entry.get("when"))
    for q, allowed in conds.items():
        if q not in questions:
            yield entry.problem(
                ("when", mode, q), f"unknown question '{q}'", f"{did_you_mean(q, questions)}use a code from questions"
            )
            continue
        valid = questions[q].get("answers")
        valid = [a for a in valid if isinstance(a, str)] if isinstance(valid, list) else []
        for a in sorted(allowed - set(valid)):
            yield entry.problem(
                ("when", mode, q),
                f"question {q} has no answer '{a}'",
                f"{did_you_mean(a, valid)}its answers are: {', '.join(valid)}",
            )
    then = entry.get("then")
    if isinstance(then, str) and then not in solutions:
        yield entry.problem(
            "then", f"unknown solution '{then}'", f"{did_you_mean(then, solutions)}declare it under solutions"
        )
