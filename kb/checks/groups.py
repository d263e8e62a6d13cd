"""Each symptom's `category` names a group declared under `groups` (the groups order the diagnosis form)."""

from __future__ import annotations

from kb.checks.base import Context
from kb.schema import did_you_mean

ID = "groups"


def check(kb: Context):
    """Yield a problem for each symptom whose category is not a declared group."""
    groups = kb.codes("groups")
    if not groups:  # the sections check asks for the section once, not once per symptom
        return
    yield from kb.each("symptoms", _check_symptom, list(groups))


def _check_symptom(entry, groups):
    category = entry.get("category")
    if isinstance(category, str) and category not in groups:
        yield entry.problem(
            "category",
            f"unknown group '{category}'",
            f"{did_you_mean(category, groups)}use a code from groups: {', '.join(groups)}",
        )
