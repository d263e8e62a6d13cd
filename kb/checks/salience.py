"""Two decisions with the same salience that can match the same answers must give the same solution:
otherwise which one fires would depend on the engine's order, not on the KB."""

from __future__ import annotations

from kb.checks.base import Context
from kb.entries import conditions

ID = "salience"


def check(kb: Context):
    """Yield a problem at the later decision of each conflicting pair."""
    decisions = [(e, conditions(e.get("when"))) for e in kb.entries("decisions")]
    decisions = [(e, cond) for e, cond in decisions if cond[0]]
    for i, (a, cond_a) in enumerate(decisions):
        for b, cond_b in decisions[i + 1 :]:
            if (
                a.get("salience") == b.get("salience")
                and a.get("then") != b.get("then")
                and conditions_overlap(cond_a, cond_b)
            ):
                yield b.problem(
                    "salience",
                    f"salience conflict: {b.get('id')} and {a.get('id')} both have"
                    f" salience {b.get('salience')}, can match the same answers and give"
                    f" different solutions",
                    "give the one that should win a higher salience",
                )


def conditions_overlap(a, b) -> bool:
    """Can one set of answers satisfy both conditions? Decided exactly, without enumerating answers."""
    (mode_a, ca), (mode_b, cb) = a, b
    if mode_a == "all" and mode_b == "all":
        return all(ca[q] & cb[q] for q in ca.keys() & cb.keys())
    if mode_a == "any" and mode_b == "any":
        return any(q1 != q2 or (ca[q1] & cb[q2]) for q1 in ca for q2 in cb)
    conj, disj = (ca, cb) if mode_a == "all" else (cb, ca)
    if any(not allowed for allowed in conj.values()):
        return False
    return any(q not in conj or (conj[q] & allowed) for q, allowed in disj.items())
