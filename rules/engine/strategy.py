"""Conflict resolution that is deterministic across processes.

Experta's DepthStrategy orders same-salience activations by fact ids and then by set iteration order,
which depends on string hashing and so changes from one process to the next. Here the key is
(salience, KB order of the rule, fact ids), all plain integers: the same answers and the same KB give
the same firing order, and so the same trace, in any process.
"""

from __future__ import annotations

import bisect

from experta.abstract import Strategy

from rules.engine import _experta  # first: it undoes Experta's import-time logging set-up


class KBOrderStrategy(Strategy):
    """Highest salience first; then the rule written first in the KB; then the newest facts (depth)."""

    @staticmethod
    def get_key(activation):
        rule = activation.rule
        facts = tuple(sorted((f["__factid__"] for f in activation.facts), reverse=True))
        # The agenda pops from the right, so larger keys fire first: negate the KB position.
        return (rule.salience, -getattr(rule, "pakar_order", 0), facts)

    def update_agenda(self, agenda, added, removed):
        """Experta's, minus its ``watchers.worth`` check on every cycle while the watchers are off."""
        if _experta.watching:
            super().update_agenda(agenda, added, removed)
        elif added or removed:
            self._update_agenda(agenda, added, removed)

    def _update_agenda(self, agenda, added, removed):
        activations = agenda.activations
        for act in removed:
            act.key = self.get_key(act)
            idx = bisect.bisect_left(activations, act)
            for i in (idx, idx + 1, idx - 1):
                if 0 <= i < len(activations) and activations[i] == act:
                    del activations[i]
                    break
        for act in added:
            act.key = self.get_key(act)
            bisect.insort(activations, act)
