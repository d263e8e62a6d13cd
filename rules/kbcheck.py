"""Check a loaded KB before it is served: the verifier's static checks and the KB's stored test cases.

The loader has already passed (a KB that does not load has no check, only its ``file:line`` problems).
:class:`KBCheck` is what ``pakar kb check`` prints, what a reload refuses on, and what a stored KB version
keeps as its last check (:meth:`KBCheck.summary`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.model import KnowledgeBase
from kb.verify import Report, verify
from rules import casetests


@dataclass(frozen=True)
class KBCheck:
    """The verifier's observations (as text) and the stored cases' results, for one KB version."""

    version: str  # the KB's content hash
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    infos: tuple[str, ...]
    passed: int  # stored case runs that passed
    failed: int
    failures: tuple[str, ...]  # one line per failed case run: "<file>:<line>: case <id> failed: <detail>"
    report: Report  # the verifier's own report, for callers that show more

    @property
    def clean(self) -> bool:
        """No verifier error and no failing case: the KB may be approved, published or reloaded."""
        return not self.errors and not self.failed

    @property
    def observations(self) -> tuple[str, ...]:
        """Every observation, in the verifier's order."""
        return tuple(str(o) for o in self.report.observations)

    def summary(self) -> dict:
        """The JSON form kept with a KB version and answered by the staff API."""
        return {
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "cases": {"passed": self.passed, "failed": self.failed},
            "failures": list(self.failures),
        }


def check_kb(knowledge: KnowledgeBase) -> KBCheck:
    """Verify ``knowledge`` and run its stored test cases through the real engine."""
    report = verify(knowledge)
    results = casetests.run_cases(knowledge)
    failed = [r for r in results if not r.passed]

    def level(name: str) -> tuple[str, ...]:
        return tuple(str(o) for o in report.observations if o.level == name)

    return KBCheck(
        version=knowledge.version,
        errors=level("error"),
        warnings=level("warning"),
        infos=level("info"),
        passed=len(results) - len(failed),
        failed=len(failed),
        failures=tuple(f"{r.case.loc}: case {r.label} failed: {r.detail}" for r in failed),
        report=report,
    )
