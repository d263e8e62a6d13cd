"""The explanation trace of one consultation, recorded while the engine runs.

Values are kept as exact Fractions while recording (cheap) and rendered to text only by
:meth:`Trace.to_dict`, so that the hot path does no formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, TypedDict

from kb.model import CFRule, Decision
from rules.engine.cf import fmt

if TYPE_CHECKING:  # assessment imports Experta; the trace needs its record's type only
    from rules.engine.assessment import AssessmentTrace


@dataclass
class FactRecord:
    fact_id: int
    kind: str  # 'evidence' or 'answer'
    code: str
    value: object  # Fraction for evidence, answer code for answers
    origin: str  # 'user' or the rule layer that concluded it


@dataclass
class Firing:
    """One rule firing, with the CF step it made (for CF rules) or the solution it chose (decisions)."""

    rule: CFRule | Decision | str  # a str for the engine's own rules (publish a layer, rank)
    salience: int
    fact_ids: tuple
    bindings: dict  # code -> value seen by the rule
    conclusion: str | None = None
    premise_cf: Fraction | None = None
    cf: Fraction | None = None  # CF[H,E] = rule CF x premise CF
    before: Fraction | None = None
    after: Fraction | None = None
    note: str = ""


class RankRow(TypedDict):
    """One hypothesis of a diagnosis's ranking (rules.engine.engines.DiagnosisEngine.rank)."""

    code: str
    cf: Fraction
    evidence: int  # reported symptoms beneath it (the first tie-break)
    kb_order: int  # its position in the KB, from 1 (the last tie-break)
    conflict: bool  # certain evidence for and against
    rank: int  # from 1


@dataclass
class Trace:
    kb_id: str
    kb_version: str
    kb_label: str
    mode: str
    facts: list = field(default_factory=list)
    firings: list = field(default_factory=list)
    ranking: list[RankRow] = field(default_factory=list)  # diagnosis
    tie_breaks: list = field(default_factory=list)
    also_matched: list = field(default_factory=list)  # screening: decisions that matched but lost
    assessment: AssessmentTrace | None = None  # triage and case definitions

    def to_dict(self) -> dict:
        """A JSON-ready, deterministic rendering (exact decimals as strings)."""
        return {
            "kb": {"id": self.kb_id, "version": self.kb_version, "label": self.kb_label},
            "mode": self.mode,
            "facts": [_fact(f) for f in self.facts],
            "firings": [_firing(i + 1, f) for i, f in enumerate(self.firings)],
            **(
                {"ranking": [_rank(r) for r in self.ranking], "tie_breaks": self.tie_breaks}
                if self.mode == "diagnosis"
                else {"also_matched": self.also_matched}
            ),
            **({"assessment": self.assessment.to_dict()} if self.assessment is not None else {}),
        }


def _value(v):
    return fmt(v) if isinstance(v, Fraction) else v


def _fact(f: FactRecord) -> dict:
    return {"fact": f"f-{f.fact_id}", "type": f.kind, "code": f.code, "value": _value(f.value), "from": f.origin}


def _firing(n: int, f: Firing) -> dict:
    rule = f.rule
    out = {
        "n": n,
        "rule": rule if isinstance(rule, str) else rule.id,
        "salience": f.salience,
        "facts": [f"f-{i}" for i in f.fact_ids],
        "bindings": {k: _value(v) for k, v in f.bindings.items()},
    }
    if not isinstance(rule, str):
        out["source"] = rule.source
        out["at"] = str(rule.loc)
    if f.conclusion is not None:
        out["conclusion"] = f.conclusion
    if isinstance(rule, CFRule) and f.cf is not None:  # a CF step: every value of it was recorded
        out.update(
            {
                "premise_cf": _value(f.premise_cf),
                "rule_cf": fmt(rule.cf),
                "cf": fmt(f.cf),
                "before": _value(f.before),
                "after": _value(f.after),
            }
        )
    elif f.premise_cf is not None:
        out["premise_cf"] = fmt(f.premise_cf)
    if f.note:
        out["note"] = f.note
    return out


def _rank(r: RankRow) -> dict:
    return {**r, "cf": fmt(r["cf"])}
