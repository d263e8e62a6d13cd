"""MYCIN-style explanations drawn from a consultation's trace: HOW a conclusion was reached, and WHY a
question is asked (which rules use its answer). Plain language, Indonesian or English."""
from __future__ import annotations

from fractions import Fraction

from kb.model import CFRule, Decision, KnowledgeBase
from rules.engine.cf import fmt

_T = {
    "no_symptoms": ("Tidak ada gejala yang dilaporkan, jadi tidak ada hipotesis yang disimpulkan.",
                    "No symptom was reported, so no hypothesis was concluded."),
    "nothing": ("Gejala yang dilaporkan tidak mendukung hipotesis mana pun.",
                "The reported symptoms support no hypothesis."),
    "head": ("{code} {name}: CF {cf} ({pct}%), didukung {n} gejala.",
             "{code} {name}: CF {cf} ({pct}%), supported by {n} symptom(s)."),
    "step": ("  {rule}: {premise} (keyakinan Anda {user}) × CF pakar {rule_cf} = {cf}; gabungan {before} → {after}"
             " [{source}]",
             "  {rule}: {premise} (your certainty {user}) × expert CF {rule_cf} = {cf}; combined {before} → {after}"
             " [{source}]"),
    "step_premise": ("  {rule}: {premise} (CF premis {user}) × CF aturan {rule_cf} = {cf}; gabungan {before} →"
                     " {after} [{source}]",
                     "  {rule}: {premise} (premise CF {user}) × rule CF {rule_cf} = {cf}; combined {before} →"
                     " {after} [{source}]"),
    "finding": ("Temuan antara {code} {name}: CF {cf}.", "Intermediate finding {code} {name}: CF {cf}."),
    "skip": ("  {rule}: {premise} — {note}", "  {rule}: {premise} — {note}"),
    "win_cf": ("{a} di urutan pertama karena CF-nya lebih tinggi ({cfa} > {cfb} untuk {b}).",
               "{a} ranks first because its CF is higher ({cfa} > {cfb} for {b})."),
    "win_evidence": ("{a} dan {b} sama-sama CF {cf}; {a} menang karena didukung lebih banyak gejala ({na} > {nb}).",
                     "{a} and {b} both reach CF {cf}; {a} wins because more of your symptoms support it"
                     " ({na} > {nb})."),
    "win_order": ("{a} dan {b} sama-sama CF {cf} dan jumlah gejala {n}; {a} dipilih karena urutannya lebih dulu"
                  " di basis pengetahuan.",
                  "{a} and {b} both reach CF {cf} with {n} symptom(s) each; {a} is chosen because it comes first"
                  " in the knowledge base."),
    "alone": ("{a} adalah satu-satunya hipotesis yang didukung.", "{a} is the only hypothesis supported."),
    "decision": ("{rule} (salience {salience}) cocok: {answers} → {solution}. {note}",
                 "{rule} (salience {salience}) matched: {answers} → {solution}. {note}"),
    "lost": ("{rule} (salience {salience}, → {solution}) juga cocok lewat {via}, tetapi kalah salience"
             " ({win} > {salience}).",
             "{rule} (salience {salience}, → {solution}) also matched via {via}, but lost on salience"
             " ({win} > {salience})."),
    "why_symptom": ("Kami menanyakan {code} ({name}) karena jawabannya dipakai oleh: {uses}.",
                    "We ask about {code} ({name}) because these rules use the answer: {uses}."),
    "why_question": ("Kami menanyakan {code} karena jawabannya dipakai oleh: {uses}.",
                     "We ask {code} because these rules use the answer: {uses}."),
    "why_unused": ("{code} tidak dipakai oleh aturan mana pun.", "No rule uses {code}."),
}


def _t(key, lang, **values):
    ind, eng = _T[key]
    return (eng if lang == "en" else ind).format(**values)


def _pct(cf: Fraction) -> str:
    return fmt(cf * 100, 8)


def how_diagnosis(kb: KnowledgeBase, trace, lang: str = "id") -> list[str]:
    """Lines explaining how each hypothesis got its CF and why the first one ranks first."""
    if not any(f.kind == "evidence" and f.origin == "user" for f in trace.facts):
        return [_t("no_symptoms", lang), kb.no_conclusion.get(lang)]
    if not trace.ranking:
        return [_t("nothing", lang), kb.no_conclusion.get(lang)]
    lines = []
    for row in trace.ranking:
        hyp = kb.hypothesis(row["code"])
        lines.append(_t("head", lang, code=hyp.code, name=hyp.name.get(lang), cf=fmt(row["cf"]), pct=_pct(row["cf"]),
                        n=row["evidence"]))
        lines += _steps(kb, trace, hyp.code, lang)
    for fact in trace.facts:  # findings the rules concluded, and how
        if fact.origin != "user":
            lines.append(_t("finding", lang, code=fact.code, name=kb.name_of(fact.code).get(lang), cf=fmt(fact.value)))
            lines += _steps(kb, trace, fact.code, lang)
    lines.append(why_first(trace, lang))
    return lines


def _steps(kb, trace, conclusion: str, lang) -> list[str]:
    """One line per firing of a rule concluding ``conclusion``: the CF step it made, or why it made none."""
    lines = []
    for firing in trace.firings:
        rule = firing.rule
        if not isinstance(rule, CFRule) or rule.conclusion != conclusion:
            continue
        premise = _premise_text(kb, rule, lang)
        if firing.cf is None:
            lines.append(_t("skip", lang, rule=rule.id, premise=premise, note=firing.note))
            continue
        # A single reported symptom is the person's own certainty; anything else is a computed premise CF.
        own = rule.premise.op == "is" and any(s.code == rule.premise.code for s in kb.symptoms)
        lines.append(_t("step" if own else "step_premise", lang, rule=rule.id, premise=premise,
                        user=fmt(firing.premise_cf), rule_cf=fmt(rule.cf), cf=fmt(firing.cf),
                        before=fmt(firing.before), after=fmt(firing.after), source=rule.source))
    return lines


def why_first(trace, lang: str = "id") -> str:
    """One sentence: why the top hypothesis is first (higher CF, or which tie-break decided)."""
    rows = trace.ranking
    if len(rows) == 1:
        return _t("alone", lang, a=rows[0]["code"])
    a, b = rows[0], rows[1]
    if a["cf"] != b["cf"]:
        return _t("win_cf", lang, a=a["code"], b=b["code"], cfa=fmt(a["cf"]), cfb=fmt(b["cf"]))
    if a["evidence"] != b["evidence"]:
        return _t("win_evidence", lang, a=a["code"], b=b["code"], cf=fmt(a["cf"]), na=a["evidence"],
                  nb=b["evidence"])
    return _t("win_order", lang, a=a["code"], b=b["code"], cf=fmt(a["cf"]), n=a["evidence"])


def _premise_text(kb, rule: CFRule, lang) -> str:
    def text(p):
        if p.op == "is":
            return f"{p.code} {kb.name_of(p.code).get(lang)}"
        joiner = {"all": (" DAN ", " AND "), "any": (" ATAU ", " OR ")}[p.op][lang == "en"]
        return "(" + joiner.join(text(i) for i in p.items) + ")"
    return text(rule.premise)


def how_screening(kb: KnowledgeBase, trace, lang: str = "id") -> list[str]:
    """Lines explaining which decision rule chose the solution and which others matched but lost."""
    lines = []
    winner = None
    for firing in trace.firings:
        if isinstance(firing.rule, Decision):
            winner = firing.rule
            answers = ", ".join(f"{q} = {kb.answer_label(a).get(lang)}" for q, a in firing.bindings.items())
            lines.append(_t("decision", lang, rule=winner.id, salience=winner.salience, answers=answers,
                            solution=winner.conclusion, note=winner.note.get(lang).strip()))
    for lost in trace.also_matched:
        lines.append(_t("lost", lang, rule=lost["rule"], salience=lost["salience"], solution=lost["conclusion"],
                        via=", ".join(lost["via"]), win=winner.salience if winner else "?"))
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
        return _t("why_question", lang, code=code, uses="; ".join(uses)) if uses else _t("why_unused", lang, code=code)
    uses = [f"{r.id} (→ {r.conclusion} {kb.name_of(r.conclusion).get(lang)}, CF {fmt(r.cf)})"
            for r in kb.rules if code in r.premise.codes()]
    if not uses:
        return _t("why_unused", lang, code=code)
    return _t("why_symptom", lang, code=code, name=kb.name_of(code).get(lang), uses="; ".join(uses))
