"""What a consultation gives back, as typed records: exact Fractions inside, one JSON form outside.

:func:`rules.consult_record` returns a :class:`DiagnosisResult` or a :class:`ScreeningResult` (or an
:class:`EmergencyResult` when the emergency gate was answered yes); each carries the triage and case-definition
outcomes (:class:`TriageOutcome`, :class:`CaseDefinitionOutcome`). Their
``to_json()`` is the result contract of ``pakar batch`` and the JSON API: a CF as a JSON number (rounded to
10 places, a percent to 8) and as exact text (``cf_text``, ``≈`` marking a rounded value). :func:`from_json`
reads a stored result (and its trace) back into a record, taking numbers from the numeric fields and the
trace's exact texts, never from words meant for people. From there on numbers stay Fractions until a
template filter formats them in the page's language.

Why the first hypothesis ranks first is decided once, by :meth:`RankingReason.of`; the HOW sentence, the
API's ``tie_break`` and the report all read that decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any, ClassVar, Literal

from rules.engine.cf import ZERO, as_number, fmt, from_number, parse

PERCENT_PLACES = 8
"""A percent is a CF times 100, so 8 places keep the CF's 10."""

ReasonKind = Literal["alone", "cf", "evidence", "kb_order"]


@dataclass(frozen=True)
class RankingRow:
    """One hypothesis in the ranking: its CF and how many reported symptoms support it."""

    code: str
    name: str | None
    cf: Fraction
    evidence: int

    @property
    def percent(self) -> Fraction:
        """The CF as a percentage (exact)."""
        return self.cf * 100

    @property
    def supported(self) -> bool:
        """Whether the answers speak for it at all: a CF above 0 (at 0 or below it is no possibility)."""
        return self.cf > 0

    def to_json(self) -> dict[str, Any]:
        """The row as the result contract has it."""
        return {
            "code": self.code,
            "name": self.name,
            "cf": as_number(self.cf),
            "percent": as_number(self.percent, PERCENT_PLACES),
            "evidence": self.evidence,
            "cf_text": fmt(self.cf),
            "percent_text": fmt(self.percent, PERCENT_PLACES),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RankingRow:
        """A row read back from :meth:`to_json`'s form (rows stored before ``cf_text`` existed read too)."""
        return cls(data["code"], data.get("name"), from_number(data["cf"]), int(data["evidence"]))


@dataclass(frozen=True)
class RankingReason:
    """Why ``first`` ranks first.

    ``kind`` is ``alone`` when no other hypothesis is supported (none has a CF above 0: a CF of 0 or less
    is no support, as the HOW says "the only hypothesis supported"), ``cf`` when its CF is higher than
    ``second``'s, ``evidence`` when the CFs are equal and more reported symptoms support it, and
    ``kb_order`` when both are equal and the KB lists it first (the engine's order: CF, then evidence,
    then KB order).
    """

    kind: ReasonKind
    first: RankingRow
    second: RankingRow | None = None

    @classmethod
    def of(cls, ranking: Sequence[RankingRow]) -> RankingReason | None:
        """The reason for a ranking (best first, as the engine orders it); None when nothing is supported."""
        if not ranking or not ranking[0].supported:
            return None
        first = ranking[0]
        second = ranking[1] if len(ranking) > 1 and ranking[1].supported else None
        if second is None:
            return cls("alone", first)
        if first.cf != second.cf:
            return cls("cf", first, second)
        return cls("evidence" if first.evidence != second.evidence else "kb_order", first, second)

    @property
    def tie_break(self) -> str | None:
        """How an equal CF was broken (``evidence`` or ``kb_order``), or None when there was no tie."""
        return self.kind if self.kind in ("evidence", "kb_order") else None


@dataclass(frozen=True)
class SymptomAnswer:
    """A reported symptom: the person's certainty and the scale's word for it."""

    code: str
    name: str | None
    cf: Fraction
    level: str

    def to_json(self) -> dict[str, Any]:
        """The symptom as the result contract has it."""
        return {"code": self.code, "name": self.name, "cf": as_number(self.cf), "level": self.level}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SymptomAnswer:
        """A symptom read back from :meth:`to_json`'s form."""
        return cls(data["code"], data.get("name"), from_number(data["cf"]), data.get("level") or "")


@dataclass(frozen=True)
class CFStep:
    """One rule firing that changed a conclusion's CF: the codes the rule matched with their CFs (in the
    rule's order), and the conclusion's CF before and after the firing."""

    rule: str
    conclusion: str
    seen: tuple[tuple[str, Fraction], ...]
    before: Fraction
    after: Fraction

    @classmethod
    def from_json(cls, firing: Mapping[str, Any]) -> CFStep | None:
        """The step a trace firing (``Trace.to_dict`` form) made, or None when it made none."""
        if "after" not in firing or "conclusion" not in firing:
            return None
        seen = tuple((code, parse(value)) for code, value in (firing.get("bindings") or {}).items())
        return cls(str(firing["rule"]), firing["conclusion"], seen, parse(firing["before"]), parse(firing["after"]))


def steps_from_trace(trace: Mapping[str, Any] | None) -> tuple[CFStep, ...]:
    """Every CF step of a stored trace, in firing order."""
    steps = (CFStep.from_json(f) for f in (trace or {}).get("firings", ()))
    return tuple(s for s in steps if s is not None)


@dataclass(frozen=True)
class Hotline:
    """Who to call, and the number."""

    name: str
    number: str

    def to_json(self) -> dict[str, str]:
        """The hotline as the result contract has it."""
        return {"name": self.name, "number": self.number}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Hotline | None:
        """A hotline read back (None stays None)."""
        return None if data is None else cls(data["name"], data["number"])


@dataclass(frozen=True)
class TriageOutcome:
    """What to do and how urgently: the level, the triage rule that decided it (None: the KB's default), its
    texts in the result's language and the source behind them (``source`` and ``also_true`` are not part of
    the JSON contract: a result read back from JSON has them empty)."""

    level: str
    rule: str | None
    title: str
    advice: str
    source: str = ""
    emergency_gate: bool = False
    also_true: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "rule": self.rule, "title": self.title, "advice": self.advice}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TriageOutcome | None:
        if data is None:
            return None
        return cls(data["level"], data.get("rule"), data["title"], data["advice"])


@dataclass(frozen=True)
class DefinitionOutcome:
    """One case definition's status: 'met', 'not_met' or 'unknown' (cannot tell from these answers)."""

    code: str
    name: str
    status: str
    source: str


@dataclass(frozen=True)
class CaseDefinitionOutcome:
    """Whether the answers meet the official suspect and probable definitions (``source`` names them); every
    definition of the KB with its status in ``definitions`` (empty for a result read back from JSON)."""

    suspect: str
    probable: str
    source: str
    definitions: tuple[DefinitionOutcome, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"suspect": self.suspect, "probable": self.probable, "source": self.source}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CaseDefinitionOutcome | None:
        if data is None:
            return None
        return cls(data["suspect"], data["probable"], data["source"])


def _outcomes_json(result: Any) -> dict[str, Any]:
    """The two keys every result carries (null for a KB without a triage section)."""
    return {
        "triage": result.triage.to_json() if result.triage else None,
        "case_definition": result.case_definition.to_json() if result.case_definition else None,
    }


def _outcomes_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "triage": TriageOutcome.from_json(data.get("triage")),
        "case_definition": CaseDefinitionOutcome.from_json(data.get("case_definition")),
    }


@dataclass(frozen=True)
class DiagnosisResult:
    """A detailed diagnosis: every hypothesis with a CF (best first), the symptoms reported, the top
    hypothesis's texts, the explanation, and (when asked for) the trace in its JSON form.

    ``name``, ``info`` and ``advice`` are the top hypothesis's texts in ``lang`` (``advice`` is the KB's
    no-conclusion advice when nothing is supported). ``steps`` are the CF steps of the trace, exact.
    """

    mode: ClassVar[str] = "diagnosis"

    id: object  # the request's own id (text or a number), echoed back; None without one
    kb_version: str
    lang: str
    ranking: tuple[RankingRow, ...]
    symptoms: tuple[SymptomAnswer, ...]
    name: str | None
    info: str | None
    advice: str | None
    how: tuple[str, ...]
    why: str | None
    disclaimer: str | None
    steps: tuple[CFStep, ...] = ()
    triage: TriageOutcome | None = None
    case_definition: CaseDefinitionOutcome | None = None
    trace: Mapping[str, Any] | None = None

    @cached_property
    def reason(self) -> RankingReason | None:
        """Why the top hypothesis is first; None when nothing is supported."""
        return RankingReason.of(self.ranking)

    @property
    def top(self) -> RankingRow | None:
        """The leading hypothesis, when the answers support any."""
        return self.reason.first if self.reason else None

    @property
    def diagnosis(self) -> str | None:
        """The top hypothesis's code, or None."""
        return self.top.code if self.top else None

    @property
    def cf(self) -> Fraction:
        """The top hypothesis's CF (0 when nothing is supported)."""
        return self.top.cf if self.top else ZERO

    @property
    def percent(self) -> Fraction:
        """The top hypothesis's CF as a percentage."""
        return self.cf * 100

    def steps_for(self, code: str | None) -> tuple[CFStep, ...]:
        """The CF steps that concluded ``code``, in firing order."""
        return tuple(s for s in self.steps if s.conclusion == code) if code else ()

    def to_json(self) -> dict[str, Any]:
        """The result contract of ``pakar batch`` and the JSON API."""
        out: dict[str, Any] = {
            "id": self.id,
            "mode": self.mode,
            "kb_version": self.kb_version,
            "lang": self.lang,
            **_outcomes_json(self),
            "diagnosis": self.diagnosis,
            "name": self.name,
            # Nothing concluded: the contract's numbers are the integer 0 (and its texts "0").
            "cf": as_number(self.cf) if self.top else 0,
            "percent": as_number(self.percent, PERCENT_PLACES) if self.top else 0,
            "cf_text": fmt(self.cf),
            "percent_text": fmt(self.percent, PERCENT_PLACES),
            "info": self.info,
            "advice": self.advice,
            "ranking": [row.to_json() for row in self.ranking],
            "symptoms": [s.to_json() for s in self.symptoms],
            "tie_break": self.reason.tie_break if self.reason else None,
            "why": self.why,
            "how": list(self.how),
            "disclaimer": self.disclaimer,
        }
        if self.trace is not None:
            out["trace"] = self.trace
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], trace: Mapping[str, Any] | None = None) -> DiagnosisResult:
        """A result read back from :meth:`to_json`'s form; ``trace`` when it is stored apart from it.

        ``diagnosis``, ``cf``, ``percent`` and ``tie_break`` are not read: they follow from the ranking.
        A value the contract marked as rounded (``≈``) comes back as the rounded decimal.
        """
        trace = trace if trace is not None else data.get("trace")
        return cls(
            id=data.get("id"),
            kb_version=data["kb_version"],
            lang=data["lang"],
            ranking=tuple(RankingRow.from_json(r) for r in data.get("ranking") or ()),
            symptoms=tuple(SymptomAnswer.from_json(s) for s in data.get("symptoms") or ()),
            name=data.get("name"),
            info=data.get("info"),
            advice=data.get("advice"),
            how=tuple(data.get("how") or ()),
            why=data.get("why"),
            disclaimer=data.get("disclaimer"),
            steps=steps_from_trace(trace),
            **_outcomes_from_json(data),
            trace=trace,
        )


@dataclass(frozen=True)
class ScreeningResult:
    """A quick screening: the solution the decision rules chose, its texts, the hotline to call when the
    solution calls for one, the answers, the explanation and (when asked for) the trace."""

    mode: ClassVar[str] = "screening"

    id: object  # the request's own id (text or a number), echoed back; None without one
    kb_version: str
    lang: str
    solution: str
    title: str | None
    advice: str | None
    hotline: Hotline | None
    answers: Mapping[str, str]
    how: tuple[str, ...]
    disclaimer: str | None
    triage: TriageOutcome | None = None
    case_definition: CaseDefinitionOutcome | None = None
    trace: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The result contract of ``pakar batch`` and the JSON API."""
        out: dict[str, Any] = {
            "id": self.id,
            "mode": self.mode,
            "kb_version": self.kb_version,
            "lang": self.lang,
            **_outcomes_json(self),
            "solution": self.solution,
            "title": self.title,
            "advice": self.advice,
            "hotline": self.hotline.to_json() if self.hotline else None,
            "answers": dict(self.answers),
            "how": list(self.how),
            "disclaimer": self.disclaimer,
        }
        if self.trace is not None:
            out["trace"] = self.trace
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], trace: Mapping[str, Any] | None = None) -> ScreeningResult:
        """A result read back from :meth:`to_json`'s form; ``trace`` when it is stored apart from it."""
        return cls(
            id=data.get("id"),
            kb_version=data["kb_version"],
            lang=data["lang"],
            solution=data["solution"],
            title=data.get("title"),
            advice=data.get("advice"),
            hotline=Hotline.from_json(data.get("hotline")),
            answers=dict(data.get("answers") or {}),
            how=tuple(data.get("how") or ()),
            disclaimer=data.get("disclaimer"),
            **_outcomes_from_json(data),
            trace=trace if trace is not None else data.get("trace"),
        )


@dataclass(frozen=True)
class EmergencyResult:
    """A consultation that ended at the emergency gate (a danger sign now): the emergency level, the number
    to call, a note that the papers' models were not run, and what was answered with it (kept, unused)."""

    mode: str  # the consultation it started as: 'screening' or 'diagnosis'
    id: object
    kb_version: str
    lang: str
    triage: TriageOutcome | None
    case_definition: CaseDefinitionOutcome | None
    hotline: Hotline | None
    note: str
    how: tuple[str, ...]
    disclaimer: str | None
    answers: Mapping[str, str] = field(default_factory=dict)  # screening
    symptoms: tuple[str, ...] = ()  # diagnosis: the codes reported with it, in KB order
    symptom_names: tuple[str, ...] = ()
    trace: Mapping[str, Any] | None = None

    emergency: ClassVar[bool] = True

    def to_json(self) -> dict[str, Any]:
        """The result contract: the common keys, ``"emergency": true`` and the mode's empty outcome."""
        out: dict[str, Any] = {
            "id": self.id,
            "mode": self.mode,
            "kb_version": self.kb_version,
            "lang": self.lang,
            "emergency": True,
            **_outcomes_json(self),
            "hotline": self.hotline.to_json() if self.hotline else None,
            "note": self.note,
            "how": list(self.how),
            "disclaimer": self.disclaimer,
        }
        if self.mode == "screening":
            out.update({"solution": None, "answers": dict(self.answers)})
        else:
            out.update(
                {
                    "diagnosis": None,
                    "ranking": [],
                    "symptoms": [
                        {"code": c, "name": n} for c, n in zip(self.symptoms, self.symptom_names, strict=True)
                    ],
                }
            )
        if self.trace is not None:
            out["trace"] = self.trace
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], trace: Mapping[str, Any] | None = None) -> EmergencyResult:
        """A result read back from :meth:`to_json`'s form."""
        symptoms = data.get("symptoms") or ()
        return cls(
            mode=data["mode"],
            id=data.get("id"),
            kb_version=data["kb_version"],
            lang=data["lang"],
            hotline=Hotline.from_json(data.get("hotline")),
            note=data.get("note") or "",
            how=tuple(data.get("how") or ()),
            disclaimer=data.get("disclaimer"),
            answers=dict(data.get("answers") or {}),
            symptoms=tuple(s["code"] for s in symptoms),
            symptom_names=tuple(s.get("name") or s["code"] for s in symptoms),
            **_outcomes_from_json(data),
            trace=trace if trace is not None else data.get("trace"),
        )


Result = DiagnosisResult | ScreeningResult | EmergencyResult


def from_json(data: Mapping[str, Any], trace: Mapping[str, Any] | None = None) -> Result:
    """A stored result (its ``mode`` says which kind) read back into a record; raises ValueError when the
    data is not a result this code can read."""
    kinds: dict[str, type[DiagnosisResult] | type[ScreeningResult]] = {
        "diagnosis": DiagnosisResult,
        "screening": ScreeningResult,
    }
    mode = data.get("mode") if isinstance(data, Mapping) else None
    kind = kinds.get(mode) if isinstance(mode, str) else None
    if kind is None:
        raise ValueError('not a stored consultation result (no known "mode")')
    try:
        if data.get("emergency") is True:
            return EmergencyResult.from_json(data, trace)
        return kind.from_json(data, trace)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"a stored {kind.mode} result that cannot be read: {exc!r}") from exc


__all__ = [
    "PERCENT_PLACES",
    "CFStep",
    "CaseDefinitionOutcome",
    "DefinitionOutcome",
    "DiagnosisResult",
    "EmergencyResult",
    "Hotline",
    "RankingReason",
    "RankingRow",
    "Result",
    "ScreeningResult",
    "SymptomAnswer",
    "TriageOutcome",
    "from_json",
    "steps_from_trace",
]
