"""Every finding is concluded by some rule (otherwise rules that use it can never fire)."""

from __future__ import annotations

from kb.checks.base import Context

ID = "unconcluded-findings"


def check(kb: Context):
    """Yield a problem for each finding no rule concludes."""
    concluded_by = kb.concluded_by()
    for code, entry in kb.codes("findings").items():
        if code not in concluded_by:
            yield entry.problem(
                "code",
                f"finding '{code}' is never concluded by any rule",
                "add a rule with `then: " + code + "` or remove the finding",
            )
