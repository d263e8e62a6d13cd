"""The triage sections (constants, triage, triage_levels, criteria, definitions, triage_rules) are
consistent, and the triage expectations of stored cases name what exists. Every problem names its file, line
and key, with a did-you-mean where a code is misspelt."""

from __future__ import annotations

from decimal import Decimal

from kb.checks.base import Context
from kb.entries import Entry
from kb.errors import Problem
from kb.schema import did_you_mean
from kb.triage import PLACEHOLDER, condition_codes, constant_values

ID = "triage"


class _Collector:
    """The sub-checks below report through ``add``; this gathers what they add, each sub-check guarded on its
    own by the :class:`Context` (so one malformed entry hides no other problem)."""

    def __init__(self, kb: Context):
        self.kb = kb
        self.sections = kb.sections
        self.complete = kb.complete
        self.codes = kb.codes
        self.found: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.found.append(problem)

    def guarded(self, sub_check, *args) -> None:
        self.kb.guarded(lambda *a: sub_check(*a) or (), *args)

    def each(self, section: str, sub_check, *args) -> None:
        for entry in self.kb.entries(section):
            self.guarded(sub_check, entry, *args)


def check(kb: Context):
    """Yield every problem of the triage sections."""
    collector = _Collector(kb)
    _check(collector)
    yield from collector.found


TRIAGE_SECTIONS = ("triage_levels", "criteria", "definitions", "triage_rules")


def _check(checker: _Collector) -> None:
    """Run every triage sub-check, reporting through ``checker.add``."""
    sections = checker.sections
    checker.guarded(_placeholders, checker)
    checker.guarded(_reviews, checker)
    if not sections.get("triage"):
        for name in TRIAGE_SECTIONS:
            if sections.get(name) and checker.complete:
                checker.add(
                    sections[name][0].problem(
                        (),
                        f"`{name}` needs a `triage:` section",
                        "add `triage:` with default, likely, unlikely, case_definition, source and review",
                    )
                )
                break
        return
    levels = checker.codes("triage_levels")
    criteria = checker.codes("criteria")
    definitions = checker.codes("definitions")
    conditions = {**criteria, **definitions}
    checker.guarded(_unique, checker)
    checker.guarded(_settings, checker, levels, definitions)
    checker.each("criteria", _criterion, checker)
    checker.each("definitions", _premise, checker, conditions, "definition")
    checker.each("triage_rules", _premise, checker, conditions, "triage rule")
    checker.each("triage_rules", _rule_level, checker, levels)
    checker.guarded(_cycles, checker, definitions)
    checker.each("cases", _case, checker, levels, definitions)


def _unique(checker) -> None:
    groups = {
        "criterion or definition": [("criteria", "code"), ("definitions", "code")],
        "triage level": [("triage_levels", "code")],
        "rule id": [("rules", "id"), ("decisions", "id"), ("triage_rules", "id")],
    }
    for label, members in groups.items():
        seen: dict[str, Entry] = {}
        for section, key in members:
            for entry in checker.sections.get(section, []):
                value = entry.get(key)
                if not isinstance(value, str):
                    continue
                if value in seen:
                    if label == "rule id" and section != "triage_rules":
                        continue  # rules and decisions among themselves: kb.checks.duplicates reports those
                    first = seen[value]
                    checker.add(
                        entry.problem(
                            key,
                            f"duplicate {label} '{value}' (first at {first.path}:{first.where(key)[0]})",
                            "give each entry its own code",
                        )
                    )
                else:
                    seen[value] = entry


def _settings(checker, levels, definitions) -> None:
    entry = checker.sections["triage"][0]
    default = entry.get("default")
    if isinstance(default, str) and default not in levels:
        checker.add(
            entry.problem(
                "default",
                f"unknown triage level '{default}'",
                f"{did_you_mean(default, levels)}use a code from triage_levels",
            )
        )
    likely, unlikely = entry.get("likely"), entry.get("unlikely")
    numbers = all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in (likely, unlikely))
    if numbers and not unlikely < likely:
        checker.add(
            entry.problem(
                "unlikely",
                f"`unlikely` ({unlikely}) must be below `likely` ({likely})",
                "a certainty cannot be both likely and unlikely",
            )
        )
    scale = {e.get("cf") for e in checker.sections.get("scale", [])}
    for key, value in (("likely", likely), ("unlikely", unlikely)):
        if numbers and scale and value not in scale:
            checker.add(
                entry.problem(
                    key,
                    f"{value} is not a level of the scale",
                    "use one of: " + ", ".join(str(v) for v in sorted(scale)),
                )
            )
    case_definition = entry.get("case_definition")
    for key in ("suspect", "probable"):
        code = case_definition.get(key) if isinstance(case_definition, dict) else None
        if isinstance(code, str) and code not in definitions:
            checker.add(
                entry.problem(
                    ("case_definition", key),
                    f"unknown definition '{code}'",
                    f"{did_you_mean(code, definitions)}use a code from definitions",
                )
            )


def _criterion(entry, checker) -> None:
    symptoms, questions = checker.codes("symptoms"), checker.codes("questions")
    diagnosis, screening = entry.get("diagnosis"), entry.get("screening")
    symptom = diagnosis.get("symptom") if isinstance(diagnosis, dict) else None
    if isinstance(symptom, str) and symptom not in symptoms:
        checker.add(
            entry.problem(
                ("diagnosis", "symptom"),
                f"unknown symptom '{symptom}'",
                f"{did_you_mean(symptom, symptoms)}use a code from symptoms",
            )
        )
    if not isinstance(screening, dict) or not isinstance(screening.get("question"), str):
        return
    question = screening["question"]
    if question not in questions:
        checker.add(
            entry.problem(
                ("screening", "question"),
                f"unknown question '{question}'",
                f"{did_you_mean(question, questions)}use a code from questions",
            )
        )
        return
    valid = questions[question].get("answers")
    valid = [a for a in valid if isinstance(a, str)] if isinstance(valid, list) else []
    answers = screening.get("answers")
    given = answers if isinstance(answers, dict) else {}
    for answer in given:
        if answer not in valid:
            checker.add(
                entry.problem(
                    ("screening", "answers", answer),
                    f"question {question} has no answer '{answer}'",
                    f"{did_you_mean(answer, valid)}its answers are: {', '.join(valid)}",
                )
            )
    missing = [a for a in valid if a not in given]
    if missing:
        checker.add(
            entry.problem(
                ("screening", "answers"),
                f"no status for answer(s) {', '.join(missing)} of {question}",
                "give every answer of the question a status: true, false or unknown",
            )
        )


def _premise(entry, checker, conditions, kind) -> None:
    raw = entry.get("when")
    for code in condition_codes(raw):
        if isinstance(code, str) and code not in conditions:
            checker.add(
                entry.problem(
                    "when",
                    f"unknown criterion or definition '{code}'",
                    f"{did_you_mean(code, conditions)}declare it under criteria or definitions",
                )
            )
    if kind == "definition" and isinstance(entry.get("code"), str) and entry.get("code") in condition_codes(raw):
        checker.add(
            entry.problem(
                "when", f"definition '{entry.get('code')}' uses itself", "a definition cannot be its own premise"
            )
        )
    for node in _at_least_nodes(raw):
        n, items = node.get("at_least"), node.get("of")
        if isinstance(n, int) and not isinstance(n, bool) and isinstance(items, list) and n > len(items):
            checker.add(
                entry.problem(
                    "when", f"at_least {n} of {len(items)} can never be true", f"use a number from 1 to {len(items)}"
                )
            )


def _at_least_nodes(raw):
    if isinstance(raw, dict):
        if "at_least" in raw:
            yield raw
        for items in raw.values():
            for item in items if isinstance(items, list) else []:
                yield from _at_least_nodes(item)


def _rule_level(entry, checker, levels) -> None:
    level = entry.get("level")
    if isinstance(level, str) and level not in levels:
        checker.add(
            entry.problem(
                "level",
                f"unknown triage level '{level}'",
                f"{did_you_mean(level, levels)}use a code from triage_levels",
            )
        )


def _cycles(checker, definitions) -> None:
    graph = {
        code: [c for c in condition_codes(entry.get("when")) if c in definitions and c != code]
        for code, entry in definitions.items()
    }
    state: dict = {}

    def visit(node, path):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                checker.add(
                    definitions[nxt].problem(
                        "when", "definitions use each other in a circle: " + " -> ".join(cycle), "break the circle"
                    )
                )
            elif not state.get(nxt):
                visit(nxt, [*path, nxt])
        state[node] = 2

    for code in graph:
        if not state.get(code):
            visit(code, [code])


def _case(entry, checker, levels, definitions) -> None:
    expect = entry.get("expect_triage")
    if isinstance(expect, dict):
        level, rule = expect.get("level"), expect.get("rule")
        if isinstance(level, str) and level not in levels:
            checker.add(
                entry.problem(
                    ("expect_triage", "level"),
                    f"unknown triage level '{level}'",
                    f"{did_you_mean(level, levels)}use a code from triage_levels",
                )
            )
        rules = checker.codes("triage_rules", "id")
        if isinstance(rule, str) and rule not in rules:
            checker.add(
                entry.problem(
                    ("expect_triage", "rule"),
                    f"unknown triage rule '{rule}'",
                    f"{did_you_mean(rule, rules)}use an id from triage_rules, or null for the default level",
                )
            )
    given = entry.get("expect_status")
    for code in given if isinstance(given, dict) else {}:
        if code not in definitions:
            checker.add(
                entry.problem(
                    ("expect_status", code),
                    f"unknown definition '{code}'",
                    f"{did_you_mean(code, definitions)}use a code from definitions",
                )
            )


def _reviews(checker) -> None:
    """`review: confirmed` needs a reviewer listed in kb.reviewers."""
    kb = checker.sections.get("kb", [])
    reviewers = kb[0].get("reviewers") if kb else None
    if reviewers:
        return
    for name in ("constants", "triage", *TRIAGE_SECTIONS):
        for entry in checker.sections.get(name, []):
            items = entry.data.items() if name == "constants" and isinstance(entry.data, dict) else [(None, entry.data)]
            for key, data in items:
                if isinstance(data, dict) and data.get("review") == "confirmed":
                    keys = (key, "review") if key else ("review",)
                    checker.add(
                        entry.problem(
                            keys,
                            "marked `review: confirmed` but kb.reviewers is empty",
                            "list the medical reviewer under kb.reviewers, or keep `review: pending`",
                        )
                    )


def _placeholders(checker) -> None:
    """Every ``{name}`` in a text names a declared constant."""
    known = constant_values(checker.sections)
    for entries in checker.sections.values():
        for entry in entries:
            for keys, text in _texts(entry.data, ()):
                for match in PLACEHOLDER.finditer(text):
                    if match[1] not in known:
                        checker.add(
                            entry.problem(
                                keys,
                                f"unknown placeholder '{{{match[1]}}}'",
                                f"{did_you_mean(match[1], known)}declare it under constants"
                                + (f" (declared: {', '.join(known)})" if known else ""),
                            )
                        )


def _texts(node, keys):
    """(key path, string) of every text in a KB entry: the id/en strings of {id, en} mappings."""
    if isinstance(node, dict):
        if set(node) == {"id", "en"}:
            for lang in ("id", "en"):
                if isinstance(node[lang], str):
                    yield (*keys, lang), node[lang]
            return
        for key, value in node.items():
            yield from _texts(value, (*keys, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, (*keys, i))
