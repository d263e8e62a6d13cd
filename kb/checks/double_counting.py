"""Two rules for one conclusion must not rest on the same symptoms (directly or through findings): MYCIN's
combination would count the same evidence twice."""

from __future__ import annotations

from kb.checks.base import Context
from kb.entries import Entry, premise_codes

ID = "double-counting"


def check(kb: Context):
    """Yield a problem at each rule resting on the same evidence as an earlier rule of its conclusion."""
    findings, concluded_by = kb.codes("findings"), kb.concluded_by()
    for conclusion, entries in concluded_by.items():
        seen: dict[frozenset, Entry] = {}
        for entry in entries:
            codes = premise_codes(entry.get("if"))
            if not codes:
                continue
            evidence = frozenset().union(*(_expand(c, concluded_by, findings) for c in codes))
            same = seen.get(evidence)
            if same is not None:
                yield entry.problem(
                    "if",
                    f"rule rests on the same evidence as {same.get('id')} "
                    f"({', '.join(sorted(evidence))}) for '{conclusion}': it would be"
                    " counted twice",
                    f"merge it into {same.get('id')} or delete one",
                )
            else:
                seen[evidence] = entry


def _expand(code, concluded_by, findings, stack=()) -> frozenset:
    """The symptoms beneath a code, following findings to the rules that conclude them."""
    if code not in findings or code in stack:
        return frozenset([code])
    out: set = set()
    for rule in concluded_by.get(code, []):
        for sub in premise_codes(rule.get("if")):
            out |= _expand(sub, concluded_by, findings, (*stack, code))
    return frozenset(out)
