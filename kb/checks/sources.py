"""Every `source:` starts with the id of a source declared under `kb.sources`."""

from __future__ import annotations

from kb.checks.base import Context
from kb.schema import did_you_mean

ID = "sources"


def source_ids(kb: Context) -> list:
    """The ids declared under ``kb.sources``, in order."""
    meta = kb.entries("kb")
    sources = meta[0].get("sources") if meta else None
    return [
        s.get("id")
        for s in (sources if isinstance(sources, list) else [])
        if isinstance(s, dict) and isinstance(s.get("id"), str)
    ]


def check(kb: Context):
    """Yield a problem for each entry whose source cites an undeclared id."""
    ids = source_ids(kb)
    if not ids:
        return
    for entries in kb.sections.values():
        for entry in entries:
            source = entry.get("source")
            if not isinstance(source, str) or not source.split():
                continue
            first = source.split()[0].rstrip(",;:")
            if first not in ids:
                yield entry.problem(
                    "source",
                    f"source '{first}' is not declared under kb.sources",
                    f"{did_you_mean(first, ids)}start the source with one of: {', '.join(ids)}",
                )
