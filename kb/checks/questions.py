"""A screening question offers declared answers and, when it names a symptom, a declared symptom."""

from __future__ import annotations

from kb.checks.base import Context
from kb.schema import did_you_mean

ID = "questions"


def check(kb: Context):
    """Yield the reference problems of every question."""
    yield from kb.each("questions", _check_question, kb.codes("answers"), kb.codes("symptoms"))


def _check_question(entry, answers, symptoms):
    given = entry.get("answers")
    for i, code in enumerate(given if isinstance(given, list) else []):
        if isinstance(code, str) and answers and code not in answers:
            yield entry.problem(
                ("answers", i), f"unknown answer '{code}'", f"{did_you_mean(code, answers)}declare it under answers"
            )
    symptom = entry.get("symptom")
    if isinstance(symptom, str) and symptom not in symptoms:
        yield entry.problem(
            "symptom", f"unknown symptom '{symptom}'", f"{did_you_mean(symptom, symptoms)}use a code from symptoms"
        )
