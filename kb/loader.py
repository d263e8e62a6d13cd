"""Load a KB directory: parse every file safely, validate it, cross-check it, and build the model.

All problems of all files are collected and raised together as one :class:`KBError`, so a knowledge
engineer sees everything that is wrong in one run.
"""
from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from kb import crosscheck, schema, triage, yamlio
from kb.errors import KBError, Problem
from kb.model import (AnswerOption, Case, CFRule, Decision, Emergency, EmergencySign, Finding, Hotline,
                      Hypothesis, KnowledgeBase, Level, Loc, Premise, Question, Solution, Source, Symptom, Text)

BUNDLED = Path(__file__).resolve().parent / "covid19"


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


def read_documents(root: Path):
    """Parse and schema-check every ``*.yaml`` file; return ``(documents, problems)``. A file that could not
    be parsed into a mapping of sections is left out of ``documents``."""
    problems: list[Problem] = []
    shown = display_path(root)
    if not root.is_dir():
        raise KBError([Problem(shown, 1, 1, "", "not a KB directory", "give the directory holding the KB's *.yaml files")])
    files = sorted(p for p in root.glob("*.yaml") if p.is_file())
    if not files:
        raise KBError([Problem(shown, 1, 1, "", "no *.yaml files here", "a KB is a directory of YAML files")])
    documents = []
    for file in files:
        path = display_path(file)
        raw = file.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line_start = raw.rfind(b"\n", 0, exc.start) + 1
            problems.append(Problem(path, raw.count(b"\n", 0, exc.start) + 1, exc.start - line_start + 1, "",
                                    f"not UTF-8 text ({exc.reason})", "save the file as UTF-8"))
            continue
        data, found = yamlio.read(text, path)
        problems += found
        if data is None:
            continue
        problems += schema.validate(data, path)
        if isinstance(data, dict):
            documents.append((path, data))
    return documents, problems


def merge(documents):
    """Gather each section's entries across files (list sections concatenate in file-name order)."""
    sections: dict[str, list[crosscheck.Entry]] = {}
    problems = []
    for path, data in documents:
        for name, value in data.items():
            if name in schema.SECTIONS_SINGLE:
                if sections.get(name):
                    first = sections[name][0]
                    line, col = data.where(name)
                    problems.append(Problem(path, line, col, name, f"section '{name}' is declared twice (first"
                                            f" in {first.path})", "keep a single one"))
                    continue
                sections[name] = [crosscheck.Entry(name, -1, path, value)]
            elif name in schema.SECTIONS_OF_LISTS and isinstance(value, list):
                entries = sections.setdefault(name, [])
                entries.extend(crosscheck.Entry(name, i, path, item) for i, item in enumerate(value))
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
    documents, problems = read_documents(root)
    unreadable = len(documents) < sum(1 for p in root.glob("*.yaml") if p.is_file())
    sections, merge_problems = merge(documents)
    problems += merge_problems
    # Entries the schema rejected may trip a cross-check; only then is that tolerated (see CrossChecker).
    checker = crosscheck.CrossChecker(sections, display_path(root), complete=not unreadable,
                                      tolerate_malformed=bool(problems))
    try:
        problems += checker.run()
    except crosscheck.MALFORMED as exc:  # a gap in the checks on a well-formed KB: report, never crash
        raise KBError([Problem(display_path(root), 1, 1, "", f"could not cross-check the KB: {exc!r}",
                               "please report this with the KB files")]) from exc
    if problems:
        raise KBError(problems)
    triage.fill_placeholders(sections)  # `{spo2}` in texts -> the constant's value (kb/triage.py)
    try:
        return triage.attach(_build(sections, root, [p for p, _ in documents]), sections)
    except (KeyError, TypeError, ValueError) as exc:  # a gap in the checks above, never a crash for the user
        raise KBError([Problem(display_path(root), 1, 1, "", f"could not build the KB: {exc!r}",
                               "please report this with the KB files")]) from exc


def _text(value) -> Text | None:
    return Text(value["id"], value["en"]) if isinstance(value, dict) else None


def _cf(value) -> Fraction:
    """Exact: KB numbers are ints or Decimals read from their text (kb.yamlio)."""
    return Fraction(value)


def _premise(raw) -> Premise:
    if isinstance(raw, str):
        return Premise("is", code=raw)
    (op, items), = raw.items()
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
        used = [c for c in crosscheck.premise_codes(rule["if"]) if c in findings]
        return 1 + max(finding_layer(c) for c in used) if used else 0

    return {rule["id"]: rule_layer(rule) for rule in rules}


def _build(sections, root: Path, files) -> KnowledgeBase:
    def loc(entry):
        return Loc(entry.path, entry.where()[0])

    meta = sections["kb"][0].data
    by_code: dict = {}

    def index(kind, code, obj):
        by_code[(kind, code)] = obj
        return obj

    scale = tuple(index("level", _cf(e.data["cf"]), Level(e.data["code"], _cf(e.data["cf"]), _text(e.data["label"]),
                                                           e.data["source"]))
                  for e in sections.get("scale", []))
    symptoms = tuple(index("symptom", d["code"], Symptom(d["code"], _text(d["name"]), _text(d["question"]),
                                                         _text(d.get("help")), d["category"], _cf(d["cf"]),
                                                         d["source"], _text(d.get("assumption")), loc(e)))
                     for e in sections.get("symptoms", []) for d in [e.data])
    findings = tuple(index("finding", d["code"], Finding(d["code"], _text(d["name"]), d["source"], loc(e)))
                     for e in sections.get("findings", []) for d in [e.data])
    hypotheses = tuple(index("hypothesis", d["code"], Hypothesis(d["code"], _text(d["name"]), _text(d["info"]),
                                                                 _text(d["advice"]), d["source"], loc(e)))
                       for e in sections.get("hypotheses", []) for d in [e.data])
    raw_rules = [e.data for e in sections.get("rules", [])]
    strata = _strata(raw_rules, {f.code for f in findings})
    rules = tuple(index("rule", d["id"], CFRule(d["id"], _premise(d["if"]), d["then"], _cf(d["cf"]),
                                                _cf(d.get("threshold", 0)), d["source"], d.get("note", ""), loc(e),
                                                i, strata[d["id"]]))
                  for i, e in enumerate(sections.get("rules", [])) for d in [e.data])
    answer_options = tuple(index("answer", d["code"], AnswerOption(d["code"], _text(d["label"])))
                           for e in sections.get("answers", []) for d in [e.data])
    questions = tuple(index("question", d["code"], Question(d["code"], _text(d["text"]), _text(d.get("help")),
                                                            tuple(d["answers"]), d.get("symptom"), d["source"],
                                                            loc(e)))
                      for e in sections.get("questions", []) for d in [e.data])
    solutions = tuple(index("solution", d["code"], Solution(
        d["code"], _text(d["title"]), _text(d["advice"]), bool(d.get("call_hotline", False)),
        Hotline(d["hotline"]["name"], d["hotline"]["number"]) if d.get("hotline") else None, d["source"], loc(e)))
        for e in sections.get("solutions", []) for d in [e.data])
    decisions = []
    for i, e in enumerate(sections.get("decisions", [])):
        mode, conds = crosscheck.conditions(e)
        decisions.append(index("rule", e.data["id"], Decision(
            e.data["id"], mode, tuple((q, frozenset(a)) for q, a in conds.items()), e.data["then"],
            int(e.data["salience"]), _text(e.data["note"]), e.data["source"], loc(e), i)))
    emergency = None
    if sections.get("emergency"):
        d = sections["emergency"][0].data
        emergency = Emergency(_text(d["title"]), _text(d.get("intro")), _text(d["hotline"]["name"]),
                              d["hotline"]["number"],
                              tuple(EmergencySign(s["code"], _text(s["text"])) for s in d["signs"]), d["source"])
    default_levels = tuple(level.cf for level in scale if level.cf > 0)
    cases = []
    for e in sections.get("cases", []):
        d = e.data
        symptoms_given = d.get("symptoms", {})
        symptoms_given = ({k: _cf(v) for k, v in symptoms_given.items()} if isinstance(symptoms_given, dict)
                          else tuple(symptoms_given))
        levels = tuple(_cf(v) for v in d["levels"]) if d.get("levels") else default_levels
        cases.append(Case(d["id"], d["mode"], dict(d.get("answers") or {}), symptoms_given, levels,
                          d.get("expect"), {k: _cf(v) for k, v in (d.get("expect_cf") or {}).items()},
                          d["source"], d.get("note", ""), loc(e)))
    return KnowledgeBase(
        id=meta["id"], title=_text(meta["title"]), label=meta["version"], review_date=meta["review_date"],
        reviewers=tuple(meta.get("reviewers") or ()), disclaimer=_text(meta["disclaimer"]),
        no_conclusion=_text(meta["no_conclusion"]),
        sources=tuple(Source(s["id"], s["citation"], s.get("note", "")) for s in meta["sources"]),
        scale=scale, symptoms=symptoms, findings=findings, hypotheses=hypotheses, rules=rules,
        answer_options=answer_options, questions=questions, solutions=solutions, decisions=tuple(decisions),
        emergency=emergency, cases=tuple(cases), version=content_hash(sections), path=display_path(root),
        files=tuple(files), by_code=by_code)
