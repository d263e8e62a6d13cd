"""Load a KB (a directory, or its files' texts): parse every file safely, validate, cross-check, build the model.

All problems of all files are collected and raised together as one :class:`KBError`, so a knowledge
engineer sees everything that is wrong in one run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from kb import checks, schema, triage, yamlio
from kb.entries import Entry, conditions, premise_codes
from kb.errors import KBError, Problem
from kb.model import (
    AnswerOption,
    Case,
    CFRule,
    Decision,
    Emergency,
    EmergencySign,
    Finding,
    Group,
    Hotline,
    Hypothesis,
    KnowledgeBase,
    Level,
    Loc,
    Premise,
    Question,
    Solution,
    Source,
    Symptom,
    Text,
)

BUNDLED = Path(__file__).resolve().parent / "covid19"
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.yaml")  # a flat name: no directory, no hidden file
ROOT_NAME = "kb"  # how problems of a KB given as files (no directory) name the KB as a whole


def bundled_path() -> Path:
    """The directory of the bundled COVID-19 KB."""
    return BUNDLED


def display_path(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _decode(raw: bytes, path: str) -> tuple[str | None, Problem | None]:
    """A file's bytes as text, or the problem saying where it is not UTF-8."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        return None, Problem(
            path,
            raw.count(b"\n", 0, exc.start) + 1,
            exc.start - line_start + 1,
            "",
            f"not UTF-8 text ({exc.reason})",
            "save the file as UTF-8",
        )


def _read_directory(root: Path) -> tuple[dict[str, str], list[Problem]]:
    """A KB directory's ``*.yaml`` files as ``{name: text}``, and the problems of files that are not text."""
    shown = display_path(root)
    if not root.is_dir():
        raise KBError(
            [Problem(shown, 1, 1, "", "not a KB directory", "give the directory holding the KB's *.yaml files")]
        )
    paths = sorted(p for p in root.glob("*.yaml") if p.is_file())
    if not paths:
        raise KBError([Problem(shown, 1, 1, "", "no *.yaml files here", "a KB is a directory of YAML files")])
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for file in paths:
        text, problem = _decode(file.read_bytes(), display_path(file))
        if problem is not None:
            problems.append(problem)
        else:
            files[file.name] = text or ""
    return files, problems


def read_files(path=None) -> dict[str, str]:
    """The ``*.yaml`` files of a KB directory (the bundled KB when ``path`` is None) as ``{name: text}``, in
    name order: what a KB version stores. Raises :class:`KBError` when it is not a KB directory or a file is
    not UTF-8 text."""
    files, problems = _read_directory(Path(path) if path is not None else BUNDLED)
    if problems:
        raise KBError(problems)
    return files


def _file_problems(files: Mapping[str, str], origin: str) -> list[Problem]:
    """Names a KB cannot hold: a KB is a flat set of ``<name>.yaml`` texts."""
    problems = []
    for name, text in files.items():
        if not isinstance(name, str) or not FILE_NAME.fullmatch(name):
            problems.append(
                Problem(_shown(origin, str(name)), 1, 1, "", "not a KB file name", "name KB files <name>.yaml")
            )
        elif not isinstance(text, str):
            problems.append(Problem(_shown(origin, name), 1, 1, "", "not text", "give each file's YAML text"))
    return problems


def _shown(origin: str, name: str) -> str:
    """How problems name a file: ``<name>.yaml``, below ``origin`` when there is one."""
    return os.path.join(origin, name) if origin else name


def read_documents(files: Mapping[str, str], origin: str = ""):
    """Parse and schema-check every file of ``{name: text}``; return ``(documents, problems)``. A file that
    could not be parsed into a mapping of sections is left out of ``documents``."""
    problems: list[Problem] = []
    documents = []
    for name in sorted(files):
        path = _shown(origin, name)
        data, found = yamlio.read(files[name], path)
        problems += found
        if data is None:
            continue
        problems += schema.validate(data, path)
        if isinstance(data, dict):
            documents.append((path, data))
    return documents, problems


def merge(documents):
    """Gather each section's entries across files (list sections concatenate in file-name order)."""
    sections: dict[str, list[Entry]] = {}
    problems = []
    for path, data in documents:
        for name, value in data.items():
            if name in schema.SECTIONS_SINGLE:
                if sections.get(name):
                    first = sections[name][0]
                    line, col = data.where(name)
                    problems.append(
                        Problem(
                            path,
                            line,
                            col,
                            name,
                            f"section '{name}' is declared twice (first in {first.path})",
                            "keep a single one",
                        )
                    )
                    continue
                sections[name] = [Entry(name, -1, path, value)]
            elif name in schema.SECTIONS_OF_LISTS and isinstance(value, list):
                entries = sections.setdefault(name, [])
                entries.extend(Entry(name, i, path, item) for i, item in enumerate(value))
    return sections, problems


def _canonical(value):
    """Content without formatting: ``1``, ``1.0`` and ``1.00`` are the same number."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return {"decimal": format(value.normalize(), "f")}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def content_hash(sections) -> str:
    """SHA-256 of the KB's content (not its formatting): the KB version id."""
    content = {name: [_canonical(e.data) for e in entries] for name, entries in sorted(sections.items())}
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load(path=None) -> KnowledgeBase:
    """Load, validate and cross-check a KB directory (the bundled KB when ``path`` is None).

    Raises :class:`KBError` listing every problem found, as ``file:line:col: key: message (hint)``.
    """
    root = Path(path) if path is not None else BUNDLED
    files, problems = _read_directory(root)
    return _load(files, display_path(root), problems)


def load_files(files: Mapping[str, str], origin: str = "") -> KnowledgeBase:
    """Load, validate and cross-check a KB given as its files' texts, ``{"<name>.yaml": text}`` (a KB version
    stored in a database, an upload): the same loader and checks as :func:`load`. Problems name the files as
    ``<name>.yaml:line:col``, below ``origin`` when one is given (the directory they came from)."""
    if not files:
        raise KBError([Problem(origin or ROOT_NAME, 1, 1, "", "no *.yaml files", "a KB is a set of YAML files")])
    problems = _file_problems(files, origin)
    if problems:
        raise KBError(problems)
    return _load(files, origin, [])


def _load(files: Mapping[str, str], origin: str, unread: list[Problem]) -> KnowledgeBase:
    """The loader proper. ``unread``: one problem per file that could not be read as text (left out of
    ``files``)."""
    shown = origin or ROOT_NAME
    documents, problems = read_documents(files, origin)
    problems = unread + problems
    unreadable = len(documents) < len(files) + len(unread)
    sections, merge_problems = merge(documents)
    problems += merge_problems
    # Entries the schema rejected may trip a cross-check; only then is that tolerated (see checks.Context).
    context = checks.Context(sections, shown, complete=not unreadable, tolerate_malformed=bool(problems))
    try:
        problems += checks.run(context)
    except checks.MALFORMED as exc:  # a gap in the checks on a well-formed KB: report, never crash
        raise KBError(
            [Problem(shown, 1, 1, "", f"could not cross-check the KB: {exc!r}", "please report this with the KB files")]
        ) from exc
    if problems:
        raise KBError(problems)
    triage.fill_placeholders(sections)  # `{spo2}` in texts -> the constant's value (kb/triage.py)
    try:
        return triage.attach(_build(sections, origin, [p for p, _ in documents]), sections)
    except (KeyError, TypeError, ValueError) as exc:  # a gap in the checks above, never a crash for the user
        raise KBError(
            [Problem(shown, 1, 1, "", f"could not build the KB: {exc!r}", "please report this with the KB files")]
        ) from exc


def _text(value) -> Text:
    return Text(value["id"], value["en"])


def _maybe_text(value) -> Text | None:
    """An optional text: None when the KB leaves it out."""
    return _text(value) if isinstance(value, dict) else None


def _cf(value) -> Fraction:
    """Exact: KB numbers are ints or Decimals read from their text (kb.yamlio)."""
    return Fraction(value)


def _premise(raw) -> Premise:
    if isinstance(raw, str):
        return Premise("is", code=raw)
    ((op, items),) = raw.items()
    return Premise(op, items=tuple(_premise(i) for i in items))


def _strata(rules: list[dict], findings: set) -> dict:
    """Layer of each rule: 0 when it rests on symptoms only, else one above the rules of its findings."""
    concluded_by: dict[str, list] = {}
    for rule in rules:
        concluded_by.setdefault(rule["then"], []).append(rule)
    memo: dict[str, int] = {}

    def finding_layer(code):
        if code not in memo:
            memo[code] = max(rule_layer(r) for r in concluded_by[code])
        return memo[code]

    def rule_layer(rule):
        used = [c for c in premise_codes(rule["if"]) if c in findings]
        return 1 + max(finding_layer(c) for c in used) if used else 0

    return {rule["id"]: rule_layer(rule) for rule in rules}


class _Builder:
    """Turns checked sections into model objects, indexing each by its kind and code for
    :attr:`KnowledgeBase.by_code`."""

    def __init__(self, sections):
        self.sections = sections
        self.by_code: dict = {}

    def each(self, section: str, kind: str, make, key: str = "code") -> tuple:
        """``make(data, loc, index)`` for every entry of ``section``, in KB order; each result is indexed as
        ``(kind, its attribute key)``."""
        out = []
        for i, entry in enumerate(self.sections.get(section, [])):
            obj = make(entry.data, Loc(entry.path, entry.where()[0]), i)
            self.by_code[(kind, getattr(obj, key))] = obj
            out.append(obj)
        return tuple(out)


def _case(d, loc: Loc, default_levels) -> Case:
    symptoms_given = d.get("symptoms", {})
    symptoms_given = (
        {k: _cf(v) for k, v in symptoms_given.items()} if isinstance(symptoms_given, dict) else tuple(symptoms_given)
    )
    levels = tuple(_cf(v) for v in d["levels"]) if d.get("levels") else default_levels
    return Case(
        d["id"],
        d["mode"],
        dict(d.get("answers") or {}),
        symptoms_given,
        levels,
        d.get("expect"),
        {k: _cf(v) for k, v in (d.get("expect_cf") or {}).items()},
        d["source"],
        d.get("note", ""),
        loc,
    )


def _emergency(sections) -> Emergency | None:
    if not sections.get("emergency"):
        return None
    d = sections["emergency"][0].data
    return Emergency(
        _text(d["title"]),
        _maybe_text(d.get("intro")),
        _text(d["hotline"]["name"]),
        d["hotline"]["number"],
        tuple(EmergencySign(s["code"], _text(s["text"])) for s in d["signs"]),
        d["source"],
        _maybe_text(d.get("question")),
    )


def _build(sections, origin: str, files) -> KnowledgeBase:
    meta = sections["kb"][0].data
    build = _Builder(sections)
    scale = build.each(
        "scale", "level", lambda d, loc, i: Level(d["code"], _cf(d["cf"]), _text(d["label"]), d["source"]), key="cf"
    )
    symptoms = build.each(
        "symptoms",
        "symptom",
        lambda d, loc, i: Symptom(
            d["code"],
            _text(d["name"]),
            _text(d["question"]),
            _maybe_text(d.get("help")),
            d["category"],
            _cf(d["cf"]),
            d["source"],
            _maybe_text(d.get("assumption")),
            loc,
        ),
    )
    groups = build.each(
        "groups",
        "group",
        lambda d, loc, i: Group(
            d["code"], _text(d["name"]), tuple(s for s in symptoms if s.category == d["code"]), loc
        ),
    )
    findings = build.each(
        "findings", "finding", lambda d, loc, i: Finding(d["code"], _text(d["name"]), d["source"], loc)
    )
    hypotheses = build.each(
        "hypotheses",
        "hypothesis",
        lambda d, loc, i: Hypothesis(
            d["code"], _text(d["name"]), _text(d["info"]), _text(d["advice"]), d["source"], loc
        ),
    )
    strata = _strata([e.data for e in sections.get("rules", [])], {f.code for f in findings})
    rules = build.each(
        "rules",
        "rule",
        lambda d, loc, i: CFRule(
            d["id"],
            _premise(d["if"]),
            d["then"],
            _cf(d["cf"]),
            _cf(d.get("threshold", 0)),
            d["source"],
            d.get("note", ""),
            loc,
            i,
            strata[d["id"]],
        ),
        key="id",
    )
    answer_options = build.each("answers", "answer", lambda d, loc, i: AnswerOption(d["code"], _text(d["label"])))
    questions = build.each(
        "questions",
        "question",
        lambda d, loc, i: Question(
            d["code"],
            _text(d["text"]),
            _maybe_text(d.get("help")),
            tuple(d["answers"]),
            d.get("symptom"),
            d["source"],
            loc,
        ),
    )
    solutions = build.each(
        "solutions",
        "solution",
        lambda d, loc, i: Solution(
            d["code"],
            _text(d["title"]),
            _text(d["advice"]),
            bool(d.get("call_hotline", False)),
            Hotline(d["hotline"]["name"], d["hotline"]["number"]) if d.get("hotline") else None,
            d["source"],
            loc,
        ),
    )
    decisions = build.each(
        "decisions",
        "rule",
        lambda d, loc, i: Decision(
            d["id"],
            *_decision_conditions(d),
            conclusion=d["then"],
            salience=int(d["salience"]),
            note=_text(d["note"]),
            source=d["source"],
            loc=loc,
            index=i,
        ),
        key="id",
    )
    default_levels = tuple(level.cf for level in scale if level.cf > 0)
    cases = tuple(_case(e.data, Loc(e.path, e.where()[0]), default_levels) for e in sections.get("cases", []))
    return KnowledgeBase(
        id=meta["id"],
        title=_text(meta["title"]),
        label=meta["version"],
        review_date=meta["review_date"],
        reviewers=tuple(meta.get("reviewers") or ()),
        disclaimer=_text(meta["disclaimer"]),
        no_conclusion=_text(meta["no_conclusion"]),
        sources=tuple(Source(s["id"], s["citation"], s.get("note", ""), s.get("short", "")) for s in meta["sources"]),
        scale=scale,
        symptoms=symptoms,
        groups=groups,
        findings=findings,
        hypotheses=hypotheses,
        rules=rules,
        answer_options=answer_options,
        questions=questions,
        solutions=solutions,
        decisions=decisions,
        emergency=_emergency(sections),
        cases=cases,
        version=content_hash(sections),
        path=origin,
        files=tuple(files),
        by_code=build.by_code,
    )


def _decision_conditions(data) -> tuple[str, tuple[tuple[str, frozenset], ...]]:
    """(mode, ((question, allowed answers), ...)) of a checked decision."""
    mode, conds = conditions(data["when"])
    return str(mode), tuple((q, frozenset(a)) for q, a in conds.items())
