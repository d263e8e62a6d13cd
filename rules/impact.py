"""Impact of a KB change on past consultations: replay stored requests under two KB versions, list what changes.

:func:`replay` takes stored consultations (:class:`Stored`: the request as stored, the KB version that
answered it and, when at hand, its stored result) and two KBs, ``old`` (usually the active version) and
``new`` (a draft), and reports every request whose outcome differs (:class:`ImpactReport`): the screening
advice (S1 → S2), the diagnosis's leading hypothesis (PC01 → PC02), the triage level, the emergency gate,
a hypothesis's CF moving by more than ``threshold``, or a request the new KB refuses.

It is built for a whole retention period of consultations (issue 10's goal: 100,000 in a minute on two
cores), so it does no more work than the comparison needs:

* identical requests are replayed once: requests are keyed by their canonical JSON, without ``id`` and
  ``lang`` (neither changes an outcome);
* a request the change cannot reach is not replayed at all (:func:`reach`): texts never change an outcome,
  and a change confined to CF rules on symptoms (their CF, threshold, premise, conclusion, a rule added or
  removed) reaches only the diagnoses reporting one of those rules' symptoms, since a rule none of whose
  premise symptoms is reported never fires; any other change (the scale, hypotheses, findings, questions,
  decisions, triage...) reaches every request;
* a request's outcome under ``old`` is read from its stored result when a row with that request was
  answered by ``old`` itself (the engine is deterministic: the same request, KB and engine give the same
  result), so most requests run once, under ``new`` only;
* the real Experta engines run without building explanations or the trace's JSON form; only the outcome
  is read from the engine's state;
* the distinct requests are spread over ``processes`` worker processes (spawned, each with its own engines).

A ``deadline`` (a :func:`time.monotonic` time) is checked before each chunk of requests is replayed, in
this process or from the workers: past it, :class:`~rules.errors.ImpactTooLongError` says how far it got (a web
request must not outlive its worker's timeout; the CLI has no deadline).
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kb import diff as kbdiff
from kb.diff import number
from kb.model import KnowledgeBase
from rules import requests
from rules.engine.cf import from_number, parse, to_decimal
from rules.engine.engines import build_engine
from rules.errors import EngineError, ImpactTooLongError, InputError

DEFAULT_THRESHOLD = Fraction(1, 20)
"""A CF change smaller than this (0.05) is not reported on its own."""

CHUNK = 256
"""Requests sent to a worker process at a time (also the progress step)."""

MIN_PARALLEL = 2 * CHUNK
"""Fewer distinct requests than this are replayed in this process: starting workers would cost more."""

KINDS = ("invalid", "emergency", "screening", "diagnosis", "triage", "cf")
"""The kinds of change, in the order reports list them."""

PLACES = 10
"""CFs are compared to the places a stored result keeps (rules.results: a JSON number to 10 places)."""

IGNORED_KEYS = ("id", "lang")
"""Request keys that never change an outcome: left out of a request's identity."""


@dataclass(frozen=True)
class Outcome:
    """What one consultation decided, as far as impact compares it. ``error`` is the code of the
    :class:`~rules.errors.InputError` (or ``no_decision``) when the KB refuses the request."""

    mode: str
    emergency: bool = False
    solution: str | None = None
    diagnosis: str | None = None
    cfs: tuple[tuple[str, Fraction], ...] = ()  # each hypothesis's CF to PLACES places, ranking order
    triage: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Stored:
    """A stored consultation as impact reads it: its row ``key`` (never a receipt token), the request as
    stored, the short KB version that answered it, and its stored result (JSON form, without the trace),
    or None when it is not to be reused."""

    key: str
    request: Mapping[str, Any]
    kb_version: str
    result: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Difference:
    """One way an outcome changed: ``kind`` (see :data:`KINDS`), the hypothesis for a CF change, and the
    old and new values as short texts."""

    kind: str
    old: str
    new: str
    code: str = ""

    def line(self) -> str:
        """``S1 → S2``, ``PC01 → PC02``, ``triage self_care → see_doctor_today``, ``PC01 CF 0.64 → 0.8``."""
        if self.kind == "cf":
            return f"{self.code} CF {self.old} → {self.new}"
        if self.kind in ("screening", "diagnosis"):
            return f"{self.old} → {self.new}"
        return f"{self.kind} {self.old} → {self.new}"


@dataclass(frozen=True)
class Affected:
    """A distinct request whose outcome changes: how many stored rows asked it (and their keys), the two
    outcomes and the differences."""

    request: Mapping[str, Any]
    rows: int
    keys: tuple[str, ...]
    old: Outcome
    new: Outcome
    differences: tuple[Difference, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.kind for d in self.differences))


@dataclass(frozen=True)
class ImpactReport:
    """What replaying ``rows`` stored consultations under ``old_version`` and ``new_version`` showed.

    ``distinct``: distinct requests; ``reached``: those the change can reach (the others keep their outcome
    and are not replayed); ``replayed``: engine runs; ``reused``: old outcomes read from stored results.
    ``counts``: rows per kind of change (a row with two kinds counts in both); ``transitions``: rows per
    change line (``"S1 → S2"``); ``affected``: the changed requests, most rows first."""

    old_version: str
    new_version: str
    threshold: Fraction
    rows: int
    distinct: int
    reached: int
    replayed: int
    reused: int
    changed_rows: int
    counts: Mapping[str, int]
    transitions: Mapping[str, int]
    affected: tuple[Affected, ...] = field(repr=False)

    def to_json(self, limit: int | None = None) -> dict[str, Any]:
        """The report as JSON (the staff API); ``limit`` caps the listed requests (the counts stay whole)."""
        listed = self.affected if limit is None else self.affected[:limit]
        return {
            "old": self.old_version,
            "new": self.new_version,
            "threshold": number(self.threshold),
            "consultations": self.rows,
            "distinct_requests": self.distinct,
            "reached": self.reached,
            "replayed": self.replayed,
            "reused": self.reused,
            "changed": self.changed_rows,
            "counts": dict(self.counts),
            "transitions": dict(self.transitions),
            "affected": [
                {
                    "request": dict(a.request),
                    "consultations": a.rows,
                    "kinds": list(a.kinds),
                    "changes": [d.line() for d in a.differences],
                }
                for a in listed
            ],
            "listed": len(listed),
        }


# --- one consultation's outcome -------------------------------------------------------------------------------


def canonical(request: Mapping[str, Any]) -> str:
    """A request's identity for impact: its canonical JSON without :data:`IGNORED_KEYS`."""
    body = {k: v for k, v in request.items() if k not in IGNORED_KEYS} if isinstance(request, Mapping) else request
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class Engines:
    """This process's engines for impact, one per (KB version, mode): apart from the per-thread pool that
    serves consultations, which keeps one KB version at a time."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, str], Any] = {}

    def get(self, kb: KnowledgeBase, mode: str):
        key = (kb.version, mode)
        engine = self._engines.get(key)
        if engine is None:
            engine = self._engines[key] = build_engine(kb, mode)
        return engine


def outcome(kb: KnowledgeBase, raw: Mapping[str, Any], engines: Engines | None = None) -> Outcome:
    """The outcome of one request under ``kb``, from the real engine (no explanation, no trace JSON)."""
    engines = engines or Engines()
    mode = str(raw.get("mode")) if isinstance(raw, Mapping) else ""
    try:
        req = requests.parse(kb, raw)
    except InputError as exc:
        return Outcome(mode, error=exc.code)
    engine = engines.get(kb, req.mode)
    if req.emergency:
        engine.consult(req.answers if req.mode == "screening" else req.symptoms, emergency=True)
        return Outcome(req.mode, emergency=True, triage=_level(engine))
    if req.mode == "screening":
        try:
            decision = engine.consult(req.answers)
        except EngineError:
            return Outcome(req.mode, error="no_decision")
        return Outcome(req.mode, solution=decision.conclusion, triage=_level(engine))
    state = engine.consult(req.symptoms)
    cfs = tuple((row["code"], Fraction(to_decimal(row["cf"], PLACES))) for row in state.ranking)
    top = state.ranking[0] if state.ranking and state.ranking[0]["cf"] > 0 else None
    return Outcome(req.mode, diagnosis=top["code"] if top else None, cfs=cfs, triage=_level(engine))


def _level(engine) -> str | None:
    record = getattr(engine.trace, "assessment", None)
    return record.level if record is not None else None


def stored_outcome(result: Mapping[str, Any]) -> Outcome | None:
    """The outcome a stored result (its JSON form) records, or None when it cannot say (a result stored
    before results carried triage, or one this code cannot read): the request is then replayed."""
    if (
        not isinstance(result, Mapping)
        or "triage" not in result
        or result.get("mode") not in ("screening", "diagnosis")
    ):
        return None
    try:
        triage = result["triage"]["level"] if result["triage"] else None
        if result.get("emergency") is True:
            return Outcome(result["mode"], emergency=True, triage=triage)
        if result["mode"] == "screening":
            return Outcome("screening", solution=result["solution"], triage=triage)
        cfs = tuple((row["code"], _cf(row)) for row in result.get("ranking") or ())
        return Outcome("diagnosis", diagnosis=result.get("diagnosis"), cfs=cfs, triage=triage)
    except (KeyError, TypeError, ValueError):
        return None


def _cf(row: Mapping[str, Any]) -> Fraction:
    """A ranking row's CF to PLACES places: its text (exact, or the rounded decimal it shows), else its JSON
    number (rows stored before ``cf_text`` existed)."""
    text = row.get("cf_text")
    return parse(text) if isinstance(text, str) else from_number(row["cf"])


def differences(old: Outcome, new: Outcome, threshold: Fraction = DEFAULT_THRESHOLD) -> tuple[Difference, ...]:
    """How ``new`` differs from ``old`` (empty when the change does not matter)."""
    if old.error or new.error:
        if old.error == new.error:
            return ()
        return (Difference("invalid", old.error or "ok", new.error or "ok"),)
    out = []
    if old.emergency != new.emergency:
        out.append(Difference("emergency", _yes(old.emergency), _yes(new.emergency)))
    if old.solution != new.solution:
        out.append(Difference("screening", old.solution or "-", new.solution or "-"))
    if old.diagnosis != new.diagnosis:
        out.append(Difference("diagnosis", old.diagnosis or "-", new.diagnosis or "-"))
    if old.triage != new.triage:
        out.append(Difference("triage", old.triage or "-", new.triage or "-"))
    before, after = dict(old.cfs), dict(new.cfs)
    for code in dict.fromkeys([*before, *after]):
        a, b = before.get(code, Fraction(0)), after.get(code, Fraction(0))
        if abs(b - a) > threshold:
            out.append(Difference("cf", number(a), number(b), code))
    return tuple(out)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# --- what a change can reach ---------------------------------------------------------------------------------

COSMETIC_KINDS = frozenset({"kb", "source", "group", "case", "danger_sign"})
"""Kinds of KB entries that no outcome reads (texts, citations, display groups, the stored test cases)."""

COSMETIC_FIELDS = {
    # Fields of the other kinds that only texts read (an outcome is a code, a level or a CF). A symptom's own
    # CF is its Tabel 2 score: the engine uses the rules' CFs.
    "symptom": frozenset({"name", "question", "help", "category", "cf", "source", "assumption"}),
    "hypothesis": frozenset({"name", "info", "advice", "source"}),
    "finding": frozenset({"name", "source"}),
    "rule": frozenset({"source", "note"}),
    "answer": frozenset({"label"}),
    "question": frozenset({"text", "help", "source"}),
    "solution": frozenset({"title", "advice", "call_hotline", "hotline", "source"}),
    "decision": frozenset({"note", "source"}),
    "scale": frozenset({"label", "source"}),
    "emergency": frozenset({"title", "intro", "hotline_name", "hotline_number", "source", "question"}),
    "triage": frozenset({"case_definition_name", "source", "review"}),
    "triage_level": frozenset({"title", "advice", "source", "review"}),
    "criterion": frozenset({"name", "source", "review"}),
    "definition": frozenset({"name", "source", "review"}),
    "triage_rule": frozenset({"note", "source", "review"}),
    "constant": frozenset({"name", "source", "review"}),
}


@dataclass(frozen=True)
class Reach:
    """Which requests a change from one KB to another can give another outcome: every one (``everything``),
    or the diagnoses that report one of ``symptoms`` (none: the change is texts only)."""

    everything: bool
    symptoms: frozenset[str] = frozenset()

    def reaches(self, request: Any) -> bool:
        """Whether ``request`` may have another outcome (True when in doubt)."""
        if self.everything or not isinstance(request, Mapping):
            return True
        mode = request.get("mode")
        if mode == "screening" or (mode == "diagnosis" and request.get("emergency") is True):
            return False  # CF rules never run for them (the emergency gate ends a consultation first)
        symptoms = request.get("symptoms")
        if mode != "diagnosis" or not isinstance(symptoms, Mapping):
            return True
        return any(code in self.symptoms for code in symptoms)


def reach(old: KnowledgeBase, new: KnowledgeBase) -> Reach:
    """What the changes from ``old`` to ``new`` can reach (see :class:`Reach` and the module's text)."""
    findings = {f.code for f in old.findings} | {f.code for f in new.findings}
    symptoms: set[str] = set()
    for change in kbdiff.diff(old, new).changes:
        if change.kind in COSMETIC_KINDS or change.field in COSMETIC_FIELDS.get(change.kind, ()):
            continue
        if change.kind != "rule":
            return Reach(True)
        for knowledge in (old, new):
            rule = knowledge.by_code.get(("rule", change.code))
            if rule is None:
                continue
            codes = rule.premise.codes()
            if rule.conclusion in findings or any(code in findings for code in codes):
                return Reach(True)  # chaining: the layers of other rules may move with it
            symptoms.update(codes)
    return Reach(False, frozenset(symptoms))


# --- many consultations -----------------------------------------------------------------------------------


@dataclass
class _Group:
    """Every stored row with one request."""

    request: Mapping[str, Any]
    keys: list[str]
    old: Outcome | None = None


_worker_kbs: dict[str, KnowledgeBase] = {}
_worker_engines = Engines()


def _init_worker(old: KnowledgeBase, new: KnowledgeBase) -> None:
    _worker_kbs["old"], _worker_kbs["new"] = old, new


Task = tuple[int, Mapping[str, Any], bool]
"""A request to replay: (its index, the request, whether its outcome under the old KB is needed too)."""


def _run(tasks: list[Task], old: KnowledgeBase, new: KnowledgeBase, engines: Engines):
    """(index, old outcome when asked for, new outcome) per task."""
    return [
        (i, outcome(old, request, engines) if need_old else None, outcome(new, request, engines))
        for i, request, need_old in tasks
    ]


def _run_chunk(chunk: list[Task]) -> list[tuple[int, Outcome | None, Outcome]]:
    """Replay a chunk in a worker process."""
    return _run(chunk, _worker_kbs["old"], _worker_kbs["new"], _worker_engines)


def replay(
    stored: Iterable[Stored],
    old: KnowledgeBase,
    new: KnowledgeBase,
    *,
    threshold: Fraction = DEFAULT_THRESHOLD,
    processes: int = 2,
    progress: Callable[[int, int], None] | None = None,
    parallel_from: int = MIN_PARALLEL,
    scope: Reach | None = None,
    deadline: float | None = None,
) -> ImpactReport:
    """Replay ``stored`` under ``old`` and ``new`` and report what changes (see the module's text).

    ``progress(done, total)`` is called as distinct requests are replayed (``total`` known once every row
    has been read). ``processes`` <= 1, or fewer than ``parallel_from`` distinct requests, replays in this
    process. ``scope``: what the change can reach (default: :func:`reach` of the two KBs). ``deadline``: a
    :func:`time.monotonic` time after which no further chunk is waited for (:class:`ImpactTooLongError`; the
    worker processes are terminated)."""
    groups: dict[str, _Group] = {}
    rows = reused = 0
    for row in stored:
        rows += 1
        key = canonical(row.request)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(row.request, [])
        group.keys.append(row.key)
        if group.old is None and row.result is not None and row.kb_version == old.short_version:
            group.old = stored_outcome(row.result)
            reused += group.old is not None
    ordered = list(groups.values())
    scope = scope or reach(old, new)
    # A request the change cannot reach keeps its outcome: nothing to replay, whatever answered it.
    tasks = [(i, g.request, g.old is None) for i, g in enumerate(ordered) if scope.reaches(g.request)]
    outcomes: dict[int, tuple[Outcome | None, Outcome]] = {}
    total, done = len(tasks), 0
    if progress:
        progress(0, total)
    chunks = [tasks[i : i + CHUNK] for i in range(0, total, CHUNK)]
    if processes <= 1 or total < parallel_from:
        engines = Engines()
        for chunk in chunks:
            _check(deadline, done, total)
            for i, old_outcome, new_outcome in _run(chunk, old, new, engines):
                outcomes[i] = (old_outcome, new_outcome)
            done += len(chunk)
            if progress:
                progress(done, total)
    else:
        context = multiprocessing.get_context("spawn")
        # Leaving the block (the deadline too) terminates the workers: no replay goes on after the request.
        with context.Pool(processes, initializer=_init_worker, initargs=(old, new)) as pool:
            pending = pool.imap_unordered(_run_chunk, chunks)
            for _chunk in chunks:
                try:
                    results = pending.next(_left(deadline, done, total))
                except multiprocessing.TimeoutError as exc:
                    raise ImpactTooLongError(done, total) from exc
                for i, old_outcome, new_outcome in results:
                    outcomes[i] = (old_outcome, new_outcome)
                done += len(results)
                if progress:
                    progress(done, total)
    return _report(ordered, outcomes, old, new, threshold, rows, reused)


def _check(deadline: float | None, done: int, total: int) -> None:
    _left(deadline, done, total)


def _left(deadline: float | None, done: int, total: int) -> float | None:
    """Seconds left before ``deadline`` (None: no deadline); :class:`ImpactTooLongError` when none are left."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise ImpactTooLongError(done, total)
    return left


def _report(ordered, outcomes, old, new, threshold, rows, reused) -> ImpactReport:
    affected = []
    replayed = 0
    for i, group in enumerate(ordered):
        if i not in outcomes:  # out of the change's reach: the same outcome under both
            continue
        replayed_old, new_outcome = outcomes[i]
        replayed += 1 + (replayed_old is not None)
        old_outcome = group.old if replayed_old is None else replayed_old
        found = differences(old_outcome, new_outcome, threshold)
        if found:
            affected.append(
                Affected(group.request, len(group.keys), tuple(group.keys), old_outcome, new_outcome, found)
            )
    affected.sort(key=lambda a: -a.rows)  # stable: equal counts keep the order rows were read in
    counts = {kind: 0 for kind in KINDS}
    transitions: dict[str, int] = {}
    for a in affected:
        for kind in a.kinds:
            counts[kind] += a.rows
        for d in a.differences:
            if d.kind != "cf":
                transitions[d.line()] = transitions.get(d.line(), 0) + a.rows
    return ImpactReport(
        old_version=old.version,
        new_version=new.version,
        threshold=threshold,
        rows=rows,
        distinct=len(ordered),
        reached=len(outcomes),
        replayed=replayed,
        reused=reused,
        changed_rows=sum(a.rows for a in affected),
        counts=counts,
        transitions=dict(sorted(transitions.items(), key=lambda kv: -kv[1])),
        affected=tuple(affected),
    )


__all__ = [
    "DEFAULT_THRESHOLD",
    "KINDS",
    "Affected",
    "Difference",
    "Engines",
    "ImpactReport",
    "ImpactTooLongError",
    "Outcome",
    "Reach",
    "Stored",
    "canonical",
    "differences",
    "outcome",
    "reach",
    "replay",
    "stored_outcome",
]
