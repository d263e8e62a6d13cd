"""Raw KB entries after merging: each item of a section with the file and position it came from.

The cross-checks (:mod:`kb.checks`) and the loader read entries through these helpers, which tolerate any
shape: an entry the schema rejected is still an :class:`Entry`, and its problem is already reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.errors import Problem
from kb.schema import locate


@dataclass
class Entry:
    """One item of a list section (or a single section), with the file and position it came from."""

    section: str
    index: int
    path: str
    data: object

    @property
    def key(self) -> str:
        """The entry's key path, e.g. ``rules[3]`` (``kb`` for a single section)."""
        return f"{self.section}[{self.index}]" if self.index >= 0 else self.section

    def where(self, *keys):
        """(line, col) of a key inside this entry, or of the entry."""
        return locate(self.data, keys)

    def problem(self, keys, message, hint="") -> Problem:
        """A problem located at ``keys`` (a key, a tuple of keys, or ``()`` for the entry itself)."""
        keys = keys if isinstance(keys, tuple) else (keys,)
        line, col = self.where(*keys)
        suffix = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys if k is not None)
        return Problem(self.path, line, col, self.key + suffix, message, hint)

    def get(self, key, default=None):
        """The value of ``key``, or ``default`` (also when the entry is not a mapping)."""
        return self.data.get(key, default) if isinstance(self.data, dict) else default


def premise_codes(premise) -> list:
    """Every code in a raw premise (str or {all|any: [...]}), with repeats, depth-first."""
    if isinstance(premise, str):
        return [premise]
    if isinstance(premise, dict):
        out = []
        for items in premise.values():
            for item in items if isinstance(items, list) else []:
                out.extend(premise_codes(item))
        return out
    return []


def _as_set(value) -> frozenset:
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset([value]) if isinstance(value, str) else frozenset()


def conditions(when):
    """(mode, {question: allowed answers}) of a decision's raw `when`, or (None, {})."""
    if not isinstance(when, dict) or len(when) != 1:
        return None, {}
    mode, raw = next(iter(when.items()))
    if mode not in ("all", "any") or not isinstance(raw, dict):
        return None, {}
    return mode, {q: _as_set(v) for q, v in raw.items()}
