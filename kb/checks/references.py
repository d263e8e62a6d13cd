"""A CF rule's premise names known symptoms or findings (never a hypothesis, never a code twice), and its
conclusion is a known hypothesis or finding other than its own premise."""

from __future__ import annotations

from kb.checks.base import Context
from kb.entries import premise_codes
from kb.schema import did_you_mean

ID = "rule-references"


def check(kb: Context):
    """Yield the reference problems of every rule."""
    yield from kb.each("rules", _check_rule, kb.codes("symptoms"), kb.codes("findings"), kb.codes("hypotheses"))


def _check_rule(entry, symptoms, findings, hypotheses):
    codes = premise_codes(entry.get("if"))
    for code in codes:
        if code in hypotheses:
            yield entry.problem(
                "if",
                f"'{code}' is a hypothesis, which cannot be a premise",
                "conclude a finding instead and use that finding here",
            )
        elif code not in symptoms and code not in findings:
            yield entry.problem(
                "if",
                f"unknown symptom or finding '{code}'",
                f"{did_you_mean(code, list(symptoms) + list(findings))}declare it under symptoms or findings",
            )
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        yield entry.problem(
            "if",
            f"the premise names {', '.join(repeated)} more than once, so the same evidence would count twice",
            "name each code once",
        )
    then = entry.get("then")
    if not isinstance(then, str):
        return
    if then not in hypotheses and then not in findings:
        yield entry.problem(
            "then",
            f"unknown hypothesis or finding '{then}'",
            f"{did_you_mean(then, list(hypotheses) + list(findings))}declare it under hypotheses or findings",
        )
    elif then in codes:
        yield entry.problem(
            "then", f"rule concludes '{then}' from itself", "a rule cannot use its own conclusion as a premise"
        )
