"""Build the triage part of a KB (triage.yaml: constants, triage, triage_levels, criteria, definitions,
triage_rules) and fill the constants into the texts that name them as ``{code}``.

Called by :func:`kb.loader.load` after the schema and the cross-checks have passed (kb/checks/triage.py
checks these sections), so entries are well-formed here.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from fractions import Fraction

from kb.model import (
    FALSE,
    TRUE,
    UNKNOWN,
    Condition,
    Constant,
    Criterion,
    Definition,
    KnowledgeBase,
    Loc,
    Text,
    Triage,
    TriageLevel,
    TriageRule,
)

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``{spo2}`` in a KB text: the value of ``constants.spo2``."""

DEFAULT_BANDS = {"likely": TRUE, "maybe": UNKNOWN, "unlikely": FALSE}


def status(value) -> str:
    """A YAML status (true, false or the word unknown) as TRUE / FALSE / UNKNOWN."""
    if value is True:
        return TRUE
    return FALSE if value is False else UNKNOWN


def constant_values(sections) -> dict:
    """``{code: Decimal}`` of the KB's constants (empty without a ``constants`` section)."""
    entries = sections.get("constants") or []
    data = entries[0].data if entries else {}
    return {code: c["value"] for code, c in data.items() if isinstance(c, dict) and "value" in c}


def _number(value, lang: str) -> str:
    text = format(Decimal(value).normalize(), "f") if not isinstance(value, int) else str(value)
    return text.replace(".", ",") if lang == "id" else text


def _is_text(node) -> bool:
    return isinstance(node, dict) and set(node) == {"id", "en"}


def fill_placeholders(sections) -> None:
    """Replace ``{code}`` by the constant's value in every KB text (Indonesian with a decimal comma).

    Unknown names are left as they are: the cross-check reports them with their file and line."""
    values = constant_values(sections)
    if not values:
        return

    def value_in(lang):
        return lambda m: _number(values[m[1]], lang) if m[1] in values else m[0]

    def fill(node):
        if _is_text(node):
            for lang in ("id", "en"):
                if isinstance(node[lang], str):
                    node[lang] = PLACEHOLDER.sub(value_in(lang), node[lang])
        elif isinstance(node, dict):
            for value in node.values():
                fill(value)
        elif isinstance(node, list):
            for value in node:
                fill(value)

    for entries in sections.values():
        for entry in entries:
            fill(entry.data)


def _text(value) -> Text:
    return Text(value["id"], value["en"])


def condition(raw) -> Condition:
    """A raw YAML condition as a :class:`Condition`."""
    if isinstance(raw, str):
        return Condition("is", code=raw)
    if "at_least" in raw:
        return Condition("at_least", items=tuple(condition(i) for i in raw["of"]), n=int(raw["at_least"]))
    ((op, items),) = raw.items()
    return Condition(op, items=tuple(condition(i) for i in items))


def condition_codes(raw) -> list:
    """Every code in a raw condition, with repeats (tolerates malformed parts)."""
    if isinstance(raw, str):
        return [raw]
    out = []
    if isinstance(raw, dict):
        for key, items in raw.items():
            if key == "at_least":
                continue
            for item in items if isinstance(items, list) else []:
                out.extend(condition_codes(item))
    return out


def depths(definitions: dict) -> dict:
    """Layer of each definition (raw data by code): 0 on criteria only, else one above those it uses.
    The cross-check has refused cycles."""
    memo: dict = {}

    def depth(code):
        if code not in memo:
            used = [c for c in condition_codes(definitions[code]["when"]) if c in definitions]
            memo[code] = 1 + max(depth(c) for c in used) if used else 0
        return memo[code]

    return {code: depth(code) for code in definitions}


def build(sections) -> Triage | None:
    """The :class:`Triage` of a checked KB, or None when it has no ``triage`` section."""
    if not sections.get("triage"):
        return None

    def loc(entry):
        return Loc(entry.path, entry.where()[0])

    meta = sections["triage"][0].data
    levels = tuple(
        TriageLevel(d["code"], _text(d["title"]), _text(d["advice"]), d["source"], d["review"], i, loc(e))
        for i, e in enumerate(sections.get("triage_levels", []))
        for d in [e.data]
    )
    criteria = []
    for i, e in enumerate(sections.get("criteria", [])):
        d = e.data
        diag, screen = d.get("diagnosis") or {}, d.get("screening") or {}
        bands = {band: status(diag[band]) if band in diag else default for band, default in DEFAULT_BANDS.items()}
        criteria.append(
            Criterion(
                d["code"],
                _text(d["name"]),
                diag.get("symptom"),
                bands,
                screen.get("question"),
                {a: status(v) for a, v in (screen.get("answers") or {}).items()},
                d.get("request"),
                d["source"],
                d["review"],
                loc(e),
                i,
            )
        )
    raw_definitions = {e.data["code"]: e.data for e in sections.get("definitions", [])}
    layer = depths(raw_definitions)
    definitions = tuple(
        Definition(
            d["code"], _text(d["name"]), condition(d["when"]), d["source"], d["review"], loc(e), i, layer[d["code"]]
        )
        for i, e in enumerate(sections.get("definitions", []))
        for d in [e.data]
    )
    rules = tuple(
        TriageRule(d["id"], condition(d["when"]), d["level"], _text(d["note"]), d["source"], d["review"], loc(e), i)
        for i, e in enumerate(sections.get("triage_rules", []))
        for d in [e.data]
    )
    raw_constants = sections["constants"][0].data if sections.get("constants") else {}
    constants = tuple(
        Constant(code, Fraction(c["value"]), _text(c["name"]), c["source"], c["review"])
        for code, c in raw_constants.items()
    )
    cd = meta["case_definition"]
    return Triage(
        meta["default"],
        Fraction(meta["likely"]),
        Fraction(meta["unlikely"]),
        cd["suspect"],
        cd["probable"],
        _text(cd["name"]),
        meta["source"],
        meta["review"],
        levels,
        tuple(criteria),
        definitions,
        rules,
        constants,
    )


def _case_expectations(case, raw) -> dict:
    expect = raw.get("expect_triage")
    return {
        "emergency": bool(raw.get("emergency", False)),
        "expect_triage": (expect["level"], expect.get("rule")) if expect else None,
        "expect_status": dict(raw.get("expect_status") or {}),
    }


def attach(kb: KnowledgeBase, sections) -> KnowledgeBase:
    """``kb`` with its triage part and its cases' triage expectations."""
    raw_cases = [e.data for e in sections.get("cases", [])]
    cases = tuple(
        dataclasses.replace(case, **_case_expectations(case, raw))
        for case, raw in zip(kb.cases, raw_cases, strict=True)
    )
    return dataclasses.replace(kb, triage=build(sections), cases=cases)
