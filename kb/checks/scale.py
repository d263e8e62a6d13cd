"""The certainty scale starts at 0 (the answer "No") and rises strictly."""

from __future__ import annotations

import itertools
from decimal import Decimal

from kb.checks.base import Context

ID = "scale"


def check(kb: Context):
    """Yield a problem for a first level other than 0 and for each level not above the one before."""
    levels = kb.entries("scale")
    values = [e.get("cf") for e in levels]
    if levels and values[0] != 0:
        yield levels[0].problem(
            "cf", "the first level of the scale must be 0 (the answer 'No')", "put the level with cf: 0 first"
        )
    for prev, entry in itertools.pairwise(levels):
        a, b = prev.get("cf"), entry.get("cf")
        numbers = all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in (a, b))
        if numbers and not b > a:
            yield entry.problem(
                "cf", f"scale levels must rise: {b} follows {a}", "order the levels from 0 up to 1 without repeats"
            )
