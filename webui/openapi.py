"""The OpenAPI 3.1 document of the JSON API, made from a static base and the KB this server runs.

``openapi.base.json`` says everything that holds for any KB (paths, shapes, error codes). What depends on the
KB is filled in here from the loaded KB: the question, symptom and scale enums, the descriptions that name
codes, the KB version, and examples that are this server's real answers (the engine is run on the request
examples). The document is made once per app and KB version.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

from flask import current_app

from kb.languages import LANGUAGES
from kb.model import MET
from webui import knowledge

BASE = Path(__file__).with_name("openapi.base.json")
EXT_KEY = "pakar.openapi"
EXAMPLE_RECEIPT = "Xq3v0Lm8TfYb2Rk9WcPz4sAe"  # 24 URL-safe characters, as a real receipt id
EXAMPLE_CREATED = datetime(2026, 1, 5, 8, 15, 2, 481337, tzinfo=timezone.utc)


@functools.cache
def _base_text() -> str:
    return BASE.read_text(encoding="utf-8")


# Parts of the document kept beside the base by the areas they describe (openapi.staff.json: the staff API,
# its bearer security scheme): their tags, paths and components are added to the base's.
PARTS = tuple(sorted(path for path in BASE.parent.glob("openapi.*.json") if path != BASE))


@functools.cache
def _parts() -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8") for path in PARTS)


def _add_part(doc: dict, part: dict) -> None:
    """Add a part's tags, paths and components to ``doc``; a name both define is an error, not an override."""
    doc["tags"] += part.get("tags", [])
    sections = [(doc["paths"], part.get("paths", {}))]
    sections += [
        (doc["components"].setdefault(name, {}), entries) for name, entries in part.get("components", {}).items()
    ]
    for target, entries in sections:
        twice = set(target) & set(entries)
        if twice:
            raise ValueError(f"OpenAPI parts define {sorted(twice)} twice")
        target.update(entries)


def document() -> dict:
    """The document for the current app's KB (made on first use, again when the KB version changes)."""
    kb = knowledge.current()
    cached = current_app.extensions.get(EXT_KEY)
    if cached is None or cached[0] != kb.version:
        cached = (kb.version, _make(kb))
        current_app.extensions[EXT_KEY] = cached
    return cached[1]


def _number(cf: Fraction) -> int | float:
    """A CF as a JSON number (an integer when it is one, as a client would write it)."""
    return int(cf) if cf.denominator == 1 else float(cf)


def _make(kb) -> dict:
    doc = json.loads(_base_text())
    for text in _parts():
        _add_part(doc, json.loads(text))
    doc["info"]["x-pakar-kb"] = {"id": kb.id, "version": kb.short_version}
    schemas = doc["components"]["schemas"]
    _enums(schemas, kb)
    _descriptions(schemas, kb)
    _examples(doc, kb)
    return doc


def _enums(schemas: dict, kb) -> None:
    """The codes a request may use: the KB's questions, symptoms and scale (and the languages we speak)."""
    schemas["Lang"]["enum"] = list(LANGUAGES)
    schemas["QuestionCode"]["enum"] = [q.code for q in kb.questions]
    schemas["SymptomCode"]["enum"] = [s.code for s in kb.symptoms]
    schemas["ScaleCf"]["enum"] = [_number(level.cf) for level in kb.scale]
    schemas["ScaleCode"]["enum"] = [level.code for level in kb.scale]
    schemas["DefinitionStatus"]["enum"] = list(MET.values())
    if kb.triage is not None:  # a KB without triage answers null in both keys: no codes to list
        schemas["TriageLevel"]["enum"] = [level.code for level in kb.triage.levels]
        schemas["CriterionCode"]["enum"] = [c.code for c in kb.triage.criteria]
    answers = schemas["ScreeningRequest"]["properties"]["answers"]
    answers["required"] = [q.code for q in kb.questions]
    # Answers are read ignoring ASCII case and the spaces around them (rules.requests.answer_code): a pattern
    # says exactly that; the result's answers are exact codes.
    answers["properties"] = {
        q.code: {"type": "string", "pattern": _spaced(_caseless(a) for a in q.answers), "examples": list(q.answers)}
        for q in kb.questions
    }
    # A certainty as text: exactly the scale's levels written as plain decimals (rules.requests.to_fraction).
    as_text = next(alt for alt in schemas["Certainty"]["anyOf"] if alt.get("type") == "string")
    as_text["pattern"] = _spaced(_decimal_text(level.cf) for level in kb.scale if level.cf >= 0)
    schemas["ScreeningResult"]["properties"]["answers"]["properties"] = {
        q.code: {"enum": list(q.answers)} for q in kb.questions
    }


def _spaced(alternatives) -> str:
    """A pattern of one of ``alternatives`` with spaces, tabs and line breaks around it (rules.requests.SPACE)."""
    return "^[ \\t\\n\\r]*(" + "|".join(alternatives) + ")[ \\t\\n\\r]*$"


def _caseless(code: str) -> str:
    """A pattern of ``code`` in any ASCII case (JSON Schema patterns have no case-insensitive flag)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isascii() and c.isalpha() else re.escape(c) for c in code)


def _decimal_text(cf: Fraction) -> str:
    """A pattern of every plain decimal text of ``cf`` (``0.2``, ``00.20``; ``1``, ``1.0``), as
    rules.requests.DECIMAL_TEXT reads them."""
    whole, rest = divmod(cf, 1)
    digits = ""
    while rest and len(digits) < 40:  # a scale level is a short decimal; 40 digits is far past any
        rest *= 10
        digit, rest = divmod(rest, 1)
        digits += str(int(digit))
    integer = "0+" if whole == 0 else f"0*{int(whole)}"
    return f"{integer}\\.{digits}0*" if digits else f"{integer}(\\.0+)?"


def _en(text) -> str:
    return text.get("en") if text is not None else ""


def _descriptions(schemas: dict, kb) -> None:
    """Descriptions that name this KB's codes (for people reading the document)."""

    def add(node: dict, sentence: str) -> None:
        node["description"] = f"{node['description']} {sentence}"

    questions = "; ".join(f"{q.code}: {' / '.join(q.answers)}" for q in kb.questions)
    add(schemas["ScreeningRequest"]["properties"]["answers"], f"This KB asks {questions}.")
    add(
        schemas["DiagnosisRequest"]["properties"]["symptoms"],
        f"This KB's symptoms: {', '.join(s.code for s in kb.symptoms)}.",
    )
    scale = ", ".join(f"{_number(level.cf)} (`{level.code}`)" for level in kb.scale)
    add(schemas["Certainty"], f"This KB's scale: {scale}.")
    solutions = ", ".join(f"{s.code} {_en(s.title)}" for s in kb.solutions)
    add(schemas["ScreeningResult"]["properties"]["solution"], f"This KB's solutions: {solutions}.")
    hypotheses = ", ".join(f"{h.code} {_en(h.name)}" for h in kb.hypotheses)
    add(schemas["DiagnosisResult"]["properties"]["diagnosis"], f"This KB's hypotheses: {hypotheses}.")
    if kb.triage is not None:
        levels = "; ".join(f"`{level.code}`: {_en(level.title)}" for level in kb.triage.levels)
        add(schemas["TriageLevel"], f"This KB's levels: {levels}.")
        name = _en(kb.triage.case_definition_name)
        add(schemas["CaseDefinition"], f"This KB reports the definitions of the {name}.")
    for node in (
        schemas["ScreeningResult"]["properties"]["kb_version"],
        schemas["DiagnosisResult"]["properties"]["kb_version"],
        schemas["Trace"]["properties"]["kb"]["properties"]["version"],
        schemas["KnowledgeBase"]["properties"]["kb"]["properties"]["version"],
    ):
        node["examples"] = [kb.short_version]


def _request_examples(kb) -> dict:
    """Requests any KB can answer: every question's first or last answer; the first symptoms at the scale's
    top levels, as numbers and as codes; the emergency gate answered yes (both modes) and no."""
    top = [level for level in reversed(kb.scale) if level.cf > 0]
    return {
        "screening": (
            "Quick screening, English, with the client's own id; every question its first answer",
            {
                "id": "visit-17",
                "mode": "screening",
                "lang": "en",
                "answers": {q.code: q.answers[0] for q in kb.questions},
            },
        ),
        "screeningLastAnswers": (
            "Quick screening, every question its last answer",
            {"mode": "screening", "answers": {q.code: q.answers[-1] for q in kb.questions}},
        ),
        "diagnosis": (
            "Detailed diagnosis, certainties as numbers",
            {
                "id": 2,
                "mode": "diagnosis",
                "lang": "en",
                "symptoms": {s.code: _number(top[i % len(top)].cf) for i, s in enumerate(kb.symptoms[:3])},
            },
        ),
        "diagnosisLevelCodes": (
            "Detailed diagnosis, certainties as scale codes",
            {"mode": "diagnosis", "symptoms": {s.code: top[i % len(top)].code for i, s in enumerate(kb.symptoms[:2])}},
        ),
        "screeningEmergency": (
            "Quick screening ended at the emergency gate (a danger sign now): no answers needed",
            {"mode": "screening", "lang": "en", "emergency": True},
        ),
        "diagnosisNoEmergency": (
            "Detailed diagnosis after the emergency gate was answered no",
            {"mode": "diagnosis", "emergency": False, "symptoms": {kb.symptoms[0].code: _number(top[0].cf)}},
        ),
        "diagnosisEmergency": (
            "Detailed diagnosis ended at the emergency gate",
            {"mode": "diagnosis", "emergency": True},
        ),
    }


def _refusal(request: dict) -> dict:
    """The API's body for a request the engine refuses."""
    try:
        knowledge.answer(request)
    except knowledge.InputError as exc:
        body = {"error": {"code": exc.code, "message": exc.message}}
        if request.get("id") is not None:
            body["request_id"] = request["id"]
        return body
    raise AssertionError(f"the example request {request} was meant to be refused")


def _off_scale(kb) -> Fraction:
    """A certainty between two levels of the scale, so not on it."""
    cfs = sorted(level.cf for level in kb.scale)
    return (cfs[-2] + cfs[-1]) / 2 if len(cfs) > 1 else cfs[0] / 2 + Fraction(1, 2)


def _examples(doc: dict, kb) -> None:
    """Request examples, the answers this server really gives them, and refusals in the KB's words."""
    from webui import api  # api serves this document: imported here, not at module level

    requests = _request_examples(kb)
    body = doc["paths"]["/api/v1/consultations"]["post"]["requestBody"]["content"]["application/json"]
    body["examples"] = {name: {"summary": summary, "value": value} for name, (summary, value) in requests.items()}
    schemas = doc["components"]["schemas"]
    schemas["ScreeningRequest"]["properties"]["answers"]["examples"] = [requests["screening"][1]["answers"]]
    schemas["DiagnosisRequest"]["properties"]["symptoms"]["examples"] = [requests["diagnosis"][1]["symptoms"]]
    top = kb.scale[-1]
    schemas["Certainty"]["examples"] = [_number(top.cf), top.code]

    responses = doc["components"]["responses"]
    for name in ("screening", "diagnosis", "screeningEmergency", "diagnosisEmergency"):
        answered = api.public_body(knowledge.answer(requests[name][1]), EXAMPLE_RECEIPT, EXAMPLE_CREATED)
        for response in ("Created", "Stored"):
            responses[response]["content"]["application/json"]["examples"][name] = {
                "summary": f"The answer to the `{name}` request example",
                "value": answered,
            }

    first, second = kb.symptoms[0], kb.symptoms[min(2, len(kb.symptoms) - 1)]
    refusals: dict[str, tuple[str, dict]] = {
        "unknown_symptom": (
            "Unknown symptom code (with a did-you-mean)",
            {"mode": "diagnosis", "id": 7, "lang": "en", "symptoms": {first.code.swapcase(): 1}},
        ),
        "bad_certainty": (
            "Certainty not on the scale",
            {"mode": "diagnosis", "symptoms": {second.code: float(_off_scale(kb))}},
        ),
        "missing_answer": (
            "A question without an answer",
            {"mode": "screening", "lang": "en", "answers": {q.code: q.answers[0] for q in kb.questions[:-1]}},
        ),
    }
    examples = responses["RequestError"]["content"]["application/json"]["examples"]
    for name, (summary, request) in refusals.items():
        examples[name] = {"summary": summary, "value": _refusal(request)}

    kb_example = doc["paths"]["/api/v1/kb"]["get"]["responses"]["200"]["content"]["application/json"]
    kb_example["examples"] = {"en": {"summary": "In English", "value": knowledge.describe(kb, "en")}}
