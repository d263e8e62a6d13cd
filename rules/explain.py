"""MYCIN-style explanations drawn from a consultation's trace: HOW a conclusion was reached, and WHY a
question is asked (which rules use its answer). Plain language in the request's language, from the message
catalogue (:mod:`rules.i18n`); the numbers are the engine's exact texts (``≈`` marks a rounded one)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from kb.model import CFRule, Decision, KnowledgeBase
from rules.engine.cf import fmt
from rules.i18n import tr, trn
from rules.results import PERCENT_PLACES, RankingReason, RankingRow


def _pct(cf: Fraction) -> str:
    return fmt(cf * 100, PERCENT_PLACES)


def how_diagnosis(kb: KnowledgeBase, trace, ranking: Sequence[RankingRow], lang: str = "id") -> list[str]:
    """Lines explaining how each hypothesis of ``ranking`` got its CF, the intermediate findings, and why
    the first one ranks first (or that none is supported)."""
    if not any(f.kind == "evidence" and f.origin == "user" for f in trace.facts):
        return [tr(lang, "No symptom was reported, so no hypothesis was concluded."), kb.no_conclusion.get(lang)]
    nothing = [tr(lang, "The reported symptoms support no hypothesis."), kb.no_conclusion.get(lang)]
    if not ranking:
        return nothing
    lines = []
    for row in ranking:
        lines.append(
            trn(
                lang,
                "%(code)s %(name)s: CF %(cf)s (%(pct)s%%), supported by %(num)d symptom.",
                "%(code)s %(name)s: CF %(cf)s (%(pct)s%%), supported by %(num)d symptoms.",
                row.evidence,
                code=row.code,
                name=row.name,
                cf=fmt(row.cf),
                pct=_pct(row.cf),
            )
        )
        lines += _steps(kb, trace, row.code, lang)
    for fact in trace.facts:  # findings the rules concluded, and how
        if fact.origin != "user":
            lines.append(
                tr(
                    lang,
                    "Intermediate finding %(code)s %(name)s: CF %(cf)s.",
                    code=fact.code,
                    name=kb.name_of(fact.code).get(lang),
                    cf=fmt(fact.value),
                )
            )
            lines += _steps(kb, trace, fact.code, lang)
    reason = RankingReason.of(ranking)
    return lines + ([why_first(reason, lang)] if reason else nothing)


def _steps(kb, trace, conclusion: str, lang) -> list[str]:
    """One line per firing of a rule concluding ``conclusion``: the CF step it made, or why it made none."""
    lines = []
    for firing in trace.firings:
        rule = firing.rule
        if not isinstance(rule, CFRule) or rule.conclusion != conclusion:
            continue
        premise = _premise_text(kb, rule, lang)
        if firing.cf is None:
            lines.append(f"  {rule.id}: {premise} — {firing.note}")
            continue
        values = {
            "rule": rule.id,
            "premise": premise,
            "user": fmt(firing.premise_cf),
            "rule_cf": fmt(rule.cf),
            "cf": fmt(firing.cf),
            "before": fmt(firing.before),
            "after": fmt(firing.after),
            "source": rule.source,
        }
        # A single reported symptom is the person's own certainty; anything else is a computed premise CF.
        if rule.premise.op == "is" and any(s.code == rule.premise.code for s in kb.symptoms):
            line = tr(
                lang,
                "%(rule)s: %(premise)s (your certainty %(user)s) × expert CF %(rule_cf)s = %(cf)s; "
                "combined %(before)s → %(after)s [%(source)s]",
                **values,
            )
        else:
            line = tr(
                lang,
                "%(rule)s: %(premise)s (premise CF %(user)s) × rule CF %(rule_cf)s = %(cf)s; "
                "combined %(before)s → %(after)s [%(source)s]",
                **values,
            )
        lines.append("  " + line)  # indented under its hypothesis
    return lines


def why_first(reason: RankingReason, lang: str = "id") -> str:
    """One sentence: why the top hypothesis is first (the only one supported, a higher CF, or which
    tie-break decided), with the engine's exact numbers."""
    a, b = reason.first, reason.second
    if b is None:
        return tr(lang, "%(a)s is the only hypothesis supported.", a=a.code)
    if reason.kind == "cf":
        return tr(
            lang,
            "%(a)s ranks first because its CF is higher (%(cfa)s > %(cfb)s for %(b)s).",
            a=a.code,
            b=b.code,
            cfa=fmt(a.cf),
            cfb=fmt(b.cf),
        )
    if reason.kind == "evidence":
        return tr(
            lang,
            "%(a)s and %(b)s both reach CF %(cf)s; %(a)s wins because more of your symptoms support "
            "it (%(na)d > %(nb)d).",
            a=a.code,
            b=b.code,
            cf=fmt(a.cf),
            na=a.evidence,
            nb=b.evidence,
        )
    return trn(
        lang,
        "%(a)s and %(b)s both reach CF %(cf)s with %(num)d symptom each; %(a)s is chosen because it "
        "comes first in the knowledge base.",
        "%(a)s and %(b)s both reach CF %(cf)s with %(num)d symptoms each; %(a)s is chosen because it "
        "comes first in the knowledge base.",
        a.evidence,
        a=a.code,
        b=b.code,
        cf=fmt(a.cf),
    )


def _premise_text(kb, rule: CFRule, lang) -> str:
    def text(p):
        if p.op == "is":
            return f"{p.code} {kb.name_of(p.code).get(lang)}"
        joiner = tr(lang, "AND") if p.op == "all" else tr(lang, "OR")
        return "(" + f" {joiner} ".join(text(i) for i in p.items) + ")"

    return text(rule.premise)


def how_screening(kb: KnowledgeBase, trace, lang: str = "id") -> list[str]:
    """Lines explaining which decision rule chose the solution and which others matched but lost."""
    lines = []
    winner = None
    for firing in trace.firings:
        if isinstance(firing.rule, Decision):
            winner = firing.rule
            answers = ", ".join(f"{q} = {kb.answer_label(a).get(lang)}" for q, a in firing.bindings.items())
            lines.append(
                tr(
                    lang,
                    "%(rule)s (salience %(salience)s) matched: %(answers)s → %(solution)s. %(note)s",
                    rule=winner.id,
                    salience=winner.salience,
                    answers=answers,
                    solution=winner.conclusion,
                    note=winner.note.get(lang).strip(),
                )
            )
    for lost in trace.also_matched:
        lines.append(
            tr(
                lang,
                "%(rule)s (salience %(salience)s, → %(solution)s) also matched via %(via)s, but lost "
                "on salience (%(win)s > %(salience)s).",
                rule=lost["rule"],
                salience=lost["salience"],
                solution=lost["conclusion"],
                via=", ".join(lost["via"]),
                win=winner.salience if winner else "?",
            )
        )
    return lines


def why(kb: KnowledgeBase, code: str, lang: str = "id") -> str:
    """WHY a symptom or screening question is asked: the rules that use its answer."""
    if any(q.code == code for q in kb.questions):
        uses = []
        for d in kb.decisions:
            for q, allowed in d.conditions:
                if q == code:
                    labels = "/".join(kb.answer_label(a).get(lang) for a in sorted(allowed))
                    uses.append(f"{d.id} ({code} = {labels} → {d.conclusion}, salience {d.salience})")
        if not uses:
            return tr(lang, "No rule uses %(code)s.", code=code)
        return tr(
            lang, "We ask %(code)s because these rules use the answer: %(uses)s.", code=code, uses="; ".join(uses)
        )
    uses = [
        f"{r.id} (→ {r.conclusion} {kb.name_of(r.conclusion).get(lang)}, CF {fmt(r.cf)})"
        for r in kb.rules
        if code in r.premise.codes()
    ]
    if not uses:
        return tr(lang, "No rule uses %(code)s.", code=code)
    return tr(
        lang,
        "We ask about %(code)s (%(name)s) because these rules use the answer: %(uses)s.",
        code=code,
        name=kb.name_of(code).get(lang),
        uses="; ".join(uses),
    )
