"""Findings form layers: no finding rests, through the rules concluding it, on itself."""

from __future__ import annotations

from kb.checks.base import Context
from kb.entries import premise_codes

ID = "cycles"


def check(kb: Context):
    """Yield a problem for each circle of findings, at the finding where the circle closes."""
    findings, concluded_by = kb.codes("findings"), kb.concluded_by()
    graph = {
        f: {c for r in concluded_by.get(f, []) for c in premise_codes(r.get("if")) if c in findings} for f in findings
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    problems = []

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                problems.append(
                    findings[nxt].problem(
                        "code",
                        "findings conclude each other in a circle: " + " -> ".join(cycle),
                        "break the circle: rules must form layers",
                    )
                )
            elif not state.get(nxt):
                visit(nxt, [*path, nxt])
        state[node] = 2

    for finding in sorted(graph):
        if not state.get(finding):
            visit(finding, [finding])
    return problems
