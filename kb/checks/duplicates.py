"""Codes that must be unique: across symptoms, findings and hypotheses (they share premises), and within
each other kind (rule ids, questions, answers, solutions, cases, scale levels, groups, sources)."""

from __future__ import annotations

from kb.checks.base import Context
from kb.entries import Entry

ID = "duplicates"

# What shares one namespace: a label for the message, and the (section, key) pairs in it.
NAMESPACES = {
    "code": [("symptoms", "code"), ("findings", "code"), ("hypotheses", "code")],
    "rule id": [("rules", "id"), ("decisions", "id")],
    "question": [("questions", "code")],
    "answer": [("answers", "code")],
    "solution": [("solutions", "code")],
    "case id": [("cases", "id")],
    "scale level": [("scale", "code")],
    "group": [("groups", "code")],
}


def check(kb: Context):
    """Yield a problem at each repeat of a code, naming where it first stands."""
    for label, members in NAMESPACES.items():
        seen: dict[str, Entry] = {}
        for section, key in members:
            for entry in kb.entries(section):
                value = entry.get(key)
                if not isinstance(value, str):
                    continue
                if value in seen:
                    first = seen[value]
                    yield entry.problem(
                        key,
                        f"duplicate {label} '{value}' (first at {first.path}:{first.where(key)[0]})",
                        "give each entry its own code",
                    )
                else:
                    seen[value] = entry
    meta = kb.entries("kb")
    if meta:
        seen_ids = set()
        sources = meta[0].get("sources")
        for i, src in enumerate(sources if isinstance(sources, list) else []):
            sid = src.get("id") if isinstance(src, dict) else None
            if sid in seen_ids:
                yield meta[0].problem(
                    ("sources", i, "id"), f"duplicate source id '{sid}'", "give each source its own id"
                )
            seen_ids.add(sid)
