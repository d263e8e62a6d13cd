"""Where a Pakar consultation spends its time: cProfile over a workload, by source and by function.

Used by ``python -m bench --profile``. A profiler inflates the cost of many small Python calls more than
that of a few large ones, so the shares are indicative; the timed figures come from the other sections.
"""

from __future__ import annotations

import cProfile
import pstats
from collections import defaultdict
from pathlib import Path

# First matching fragment of a function's file names its group.
GROUPS = (
    ("experta/matchers", "Experta Rete matcher (nodes, tokens, checks)"),
    ("rules/engine/matcher.py", "Pakar matcher (hash dispatch, tracked nodes)"),
    ("experta/", "Experta engine (facts, agenda, activations, watchers)"),
    ("rules/engine/cf.py", "Pakar CF algebra"),
    ("fractions.py", "fractions.Fraction arithmetic"),
    ("rules/", "Pakar engine and trace (rules/**/*.py)"),
    ("logging/", "logging calls (Experta's; filtered by level)"),
    ("inspect.py", "inspect.signature (Experta reset(), per deffacts)"),
    ("functools.py", "functools.singledispatch (Experta)"),
    ("<frozen abc>", "isinstance checks against ABCs"),
    ("~", "built-ins (isinstance, hash, dict, sorted, ...)"),
)


def _group(filename: str) -> str:
    for fragment, label in GROUPS:
        if fragment in filename:
            return label
    return "other"


def _where(key) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    parts = Path(filename).parts
    short = "/".join(parts[-3:]) if "experta" in parts else "/".join(parts[-2:])
    return f"{short}:{line}({name})"


def profile(consult, workload, rounds: int = 3) -> pstats.Stats:
    for item in workload:  # warm-up outside the profile
        consult(item)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for item in workload:
            consult(item)
    profiler.disable()
    return pstats.Stats(profiler)


def report(stats: pstats.Stats, consultations: int, top: int = 12) -> list[str]:
    """Lines: own time per group (share and us per consultation), then the costliest functions."""
    total = sum(row[2] for row in stats.stats.values()) or 1e-9
    groups: dict[str, float] = defaultdict(float)
    for key, row in stats.stats.items():
        groups[_group(key[0])] += row[2]
    lines = [f"   {'own time by source (under cProfile)':<56} {'share':>6} {'us/consultation':>16}"]
    for label, seconds in sorted(groups.items(), key=lambda item: -item[1]):
        lines.append(f"   {label:<56} {seconds / total:>6.1%} {seconds / consultations * 1e6:>16.1f}")
    lines.append(f"   {'costliest functions (own time)':<56} {'share':>6} {'calls/consult.':>16}")
    ranked = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    for key, row in ranked:
        lines.append(f"   {_where(key)[:56]:<56} {row[2] / total:>6.1%} {row[1] / consultations:>16.1f}")
    return lines


def growth(small: pstats.Stats, large: pstats.Stats, consultations: int, top: int = 8) -> list[str]:
    """The functions whose own time per consultation grew most from ``small`` to ``large``."""
    rows = []
    for key, row in large.stats.items():
        before = small.stats.get(key, (0, 0, 0.0))
        rows.append(
            ((row[2] - before[2]) / consultations * 1e6, before[1] / consultations, row[1] / consultations, key)
        )
    rows.sort(key=lambda r: -r[0])
    lines = [f"   {'own time grown most (under cProfile)':<56} {'+us/cons.':>9} {'calls/consultation':>19}"]
    for extra, calls_before, calls_after, key in rows[:top]:
        lines.append(f"   {_where(key)[:56]:<56} {extra:>+9.1f} {calls_before:>9.1f} -> {calls_after:<6.1f}")
    return lines
