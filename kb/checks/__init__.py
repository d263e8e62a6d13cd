"""Checks that need the whole KB, one per module, run by the loader after the schema check.

Each module has an ``ID``, a docstring saying what it checks, and ``check(kb)`` yielding
:class:`kb.errors.Problem`s; :data:`CHECKS` is the registry, in the order they run. A check reads the
merged entries through :class:`Context`, which tolerates entries the schema already rejected.
"""

from __future__ import annotations

from kb.checks import (
    cases,
    cycles,
    decisions,
    double_counting,
    duplicates,
    groups,
    questions,
    references,
    salience,
    scale,
    sections,
    sources,
    triage,
    unconcluded,
)
from kb.checks.base import MALFORMED, Context
from kb.errors import Problem

CHECKS = (
    sections,
    duplicates,
    sources,
    scale,
    groups,
    references,
    unconcluded,
    cycles,
    double_counting,
    questions,
    decisions,
    salience,
    cases,
    triage,
)
"""Every cross-check, in the order they run."""


def run(kb: Context) -> list[Problem]:
    """Every problem the registered checks find. A check that trips over an entry the schema rejected is
    skipped (see :meth:`Context.guarded`); on a well-formed KB that raises one of :data:`MALFORMED`."""
    return [problem for module in CHECKS for problem in kb.guarded(module.check, kb)]


__all__ = ["CHECKS", "MALFORMED", "Context", "run"]
