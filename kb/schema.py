"""Validate KB files against ``kb/schema.yaml`` (JSON Schema), turning each error into a located Problem.

This is the one place where the shape of a KB file is checked; the messages say what is wrong and how
to fix it, with a did-you-mean for misspelt keys and values.
"""

from __future__ import annotations

import difflib
import functools
from importlib import resources

import jsonschema
import yaml

from kb.errors import Problem
from kb.yamlio import Located

SECTIONS_OF_LISTS = (
    "scale",
    "groups",
    "symptoms",
    "findings",
    "hypotheses",
    "rules",
    "answers",
    "questions",
    "solutions",
    "decisions",
    "cases",
    "triage_levels",
    "criteria",
    "definitions",
    "triage_rules",
)
SECTIONS_SINGLE = ("kb", "emergency", "constants", "triage")


@functools.cache
def schema() -> dict:
    """The KB schema as a dict (read once)."""
    text = resources.files("kb").joinpath("schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@functools.cache
def _validator():
    return jsonschema.Draft202012Validator(schema())


def did_you_mean(word, choices) -> str:
    """Return ``"did you mean 'x'? "`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def key_path(path) -> str:
    """Render a JSON path like ``rules[3].then``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(document, path):
    """Find (line, col) of the node at ``path`` inside ``document`` (located containers from yamlio)."""
    node, where = document, getattr(document, "mark", (1, 1))
    for part in path:
        if isinstance(node, Located):
            where = node.where(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return where


def _type_name(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text '{value}'"
    return f"the number {value}"


_TYPE_WORDS = {
    "object": "a mapping (key: value lines)",
    "array": "a list (lines starting with '- ')",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "nothing (null)",
}


def _describe(error) -> tuple[str, str, list]:
    """Return (message, hint, extra path) for one jsonschema error."""
    kind, value, sub = error.validator, error.instance, error.schema
    if kind == "required":
        missing = [k for k in error.validator_value if not isinstance(value, dict) or k not in value]
        name = missing[0] if missing else "?"
        return f"missing key '{name}'", f"add `{name}:` to this entry", []
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(sub.get("properties", {}))
        extra = [k for k in value if k not in allowed]
        name = extra[0] if extra else "?"
        known = ", ".join(allowed) if allowed else "none"
        return (f"unknown key '{name}'", f"{did_you_mean(name, allowed)}allowed keys here: {known}", [name])
    if kind == "type":
        want = error.validator_value
        want = want if isinstance(want, list) else [want]
        words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in want)
        return f"expected {words}, found {_type_name(value)}", sub.get("description", ""), []
    if kind == "enum":
        options = error.validator_value
        return (
            f"'{value}' is not one of: {', '.join(map(str, options))}",
            did_you_mean(value, options).rstrip() or "use one of the listed values",
            [],
        )
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low, high = sub.get("minimum", sub.get("exclusiveMinimum")), sub.get("maximum", sub.get("exclusiveMaximum"))
        hint = sub.get("description", "") or f"use a number from {low} to {high}"
        if (low, high) == (-1, 1):
            hint = "certainty factors run from -1 (certainly not) to 1 (certainly)"
        return f"{value} is outside the allowed range [{low}, {high}]", hint, []
    if kind == "pattern":
        if "review_date" in error.absolute_path or str(sub.get("pattern", "")).startswith("^[0-9]{4}"):
            return f"'{value}' is not a date", "write it as YYYY-MM-DD in quotes", []
        return (
            f"'{value}' is not a valid code",
            "a code starts with a letter and has only letters, digits, '-' and '_'",
            [],
        )
    if kind in ("minItems", "minProperties", "minLength"):
        return "is empty or too short", sub.get("description", "") or f"it needs at least {error.validator_value}", []
    if kind == "maxProperties":
        return "has too many keys", sub.get("description", "") or "use only one of the allowed keys", []
    if kind in ("oneOf", "anyOf"):
        best = jsonschema.exceptions.best_match(error.context) if error.context else None
        if best is not None and best.validator not in ("type", "oneOf", "anyOf"):
            message, hint, extra = _describe(best)
            rel = list(best.relative_path)
            return message, hint, rel + extra
        return (f"{_type_name(value)} is not allowed here", sub.get("description", "") or "see kb/schema.yaml", [])
    return error.message, sub.get("description", ""), []


def validate(document, path: str) -> list[Problem]:
    """Validate one parsed KB file; return its problems (empty when the file is well-formed)."""
    if not isinstance(document, dict):
        return [
            Problem(
                path,
                1,
                1,
                "",
                f"a KB file must be a mapping of sections, found {_type_name(document)}",
                "start the file with a section name such as `symptoms:`",
            )
        ]
    problems = []
    for error in _validator().iter_errors(document):
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            problems += _unknown_keys(document, error, path)
            continue
        message, hint, extra = _describe(error)
        full = list(error.absolute_path) + extra
        line, col = locate(document, full)
        problems.append(Problem(path, line, col, key_path(full), message, hint.strip()))
    return problems


def _unknown_keys(document, error, path: str) -> list[Problem]:
    """One problem per unknown key (or unknown section, at the top of a file), each at its own line."""
    top = not error.absolute_path
    allowed = list(error.schema.get("properties", {}))
    out = []
    for name in error.instance:
        if name in allowed:
            continue
        full = [*list(error.absolute_path), name]
        line, col = locate(document, full)
        if top:
            message, hint = f"unknown section '{name}'", f"{did_you_mean(name, allowed)}sections: {', '.join(allowed)}"
        else:
            message = f"unknown key '{name}'"
            hint = f"{did_you_mean(name, allowed)}allowed keys here: {', '.join(allowed) or 'none'}"
        out.append(Problem(path, line, col, key_path(full), message, hint))
    return out
