"""Parse and validate consultation requests (the ``pakar batch`` / web API contract).

* ``{"mode": "screening", "answers": {"Q1": "ragu", ...}}`` — every question answered with one of its
  answer codes (``ya``/``ragu``/``tidak``);
* ``{"mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 0.6}}`` — unlisted symptoms are 0; a
  certainty is a level of the KB's scale, as a number or as the level's code (``"pasti"``);
* optional ``"id"`` (echoed, see :func:`request_id`) and ``"lang"`` (one of :data:`kb.languages.LANGUAGES`);
* optional ``"emergency"``: ``true`` or ``false`` (absent: false), the answer to the emergency gate ("any of
  these danger signs now?"). ``true`` ends the consultation at the gate: the answers or symptoms are then
  optional (checked when given, not used).

The request's text is read by :mod:`rules.jsonbody` (one strict reader for ``pakar batch`` and the API);
this module checks what that text means against the KB.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import NoReturn

from kb.languages import supported
from rules.engine.cf import fmt
from rules.errors import InputError
from rules.i18n import language
from rules.messages import message

COMMON_KEYS = ("mode", "id", "lang", "emergency")


@dataclass(frozen=True)
class Request:
    mode: str
    lang: str
    id: object
    answers: dict | None = None  # screening: question -> answer code
    symptoms: dict | None = None  # diagnosis: symptom -> Fraction (> 0 only)
    emergency: bool = False  # the emergency gate answered yes: the consultation ends there


def _fail(code, lang, **values) -> NoReturn:
    raise InputError(message(code, lang, **values), code=code)


def _hint(value, choices) -> str:
    """A did-you-mean for a code, ignoring case (``gc03`` -> ``GC03``)."""
    by_upper = {str(c).upper(): c for c in choices}
    close = difflib.get_close_matches(str(value).upper(), list(by_upper), n=1, cutoff=0.6)
    return f"'{by_upper[close[0]]}'? " if close else ""


def request_lang(raw) -> str:
    """The language asked for, when it is valid (for messages about the rest of the request)."""
    return language(raw.get("lang") if isinstance(raw, dict) else None)


# A certainty lies in [-1, 1]: a number whose decimal exponent is further out than this cannot be one, and
# turning "1e999999999" into an exact Fraction would take minutes (the digits are materialised).
MAX_EXPONENT = 400
# Text a request may carry: an answer code or a certainty, with spaces around it as a client may send
# them. ASCII only, exactly as the OpenAPI document's patterns say (webui.openapi builds them from these).
SPACE = " \t\n\r"
DECIMAL_TEXT = re.compile(r"[ \t\n\r]*[0-9]+(?:\.[0-9]+)?[ \t\n\r]*")


def answer_code(value) -> str | None:
    """An answer as the client wrote it, as the code it names: spaces around it and ASCII case ignored."""
    if not isinstance(value, str) or not value.isascii():
        return None
    return value.strip(SPACE).lower()


def to_fraction(value) -> Fraction | None:
    """An exact Fraction for a JSON number (float, int, Decimal or numeric text), or None."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, float):
            return Fraction(Decimal(repr(value)))
        if isinstance(value, int):
            return Fraction(value) if value.bit_length() <= 4 * MAX_EXPONENT else None
        if isinstance(value, str):
            # Plain decimal text only ("0.8", " 1 "): no sign, exponent, underscore or other spaces.
            if DECIMAL_TEXT.fullmatch(value) is None:
                return None
            value = Decimal(value.strip(SPACE))
        if isinstance(value, Decimal):
            if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
                return None
            return Fraction(value)
    except (InvalidOperation, ValueError):
        return None
    return None


def request_id(raw):
    """The request's own ``id`` as every answer echoes it, or None when it has none or an unusable one.

    An id is text or a finite number (it goes back into JSON, which has no NaN or infinity); an exact
    decimal from the JSON reader becomes an int when it is whole (``2.0`` -> ``2``), else a float.
    """
    rid = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, (str, int, float, Decimal)):
        return None
    if isinstance(rid, Decimal):
        if not rid.is_finite():
            return None
        rid = int(rid) if rid == rid.to_integral_value() else float(rid)
    return None if isinstance(rid, float) and not math.isfinite(rid) else rid


def parse(kb, raw) -> Request:
    """Validate a request against ``kb``; raise :class:`InputError` with a message a person understands."""
    lang = request_lang(raw)
    if not isinstance(raw, dict):
        _fail("not_an_object", lang)
    if "lang" in raw and not supported(raw["lang"]):
        _fail("bad_lang", lang, value=raw["lang"])
    rid = request_id(raw)
    if rid is None and raw.get("id") is not None:
        _fail("bad_id", lang)
    mode = raw.get("mode")
    if mode is None:
        _fail("missing_mode", lang)
    emergency = raw.get("emergency", False)
    if not isinstance(emergency, bool):
        _fail("bad_emergency", lang, value=json.dumps(emergency, default=str))
    if mode == "screening":
        skip = emergency and "answers" not in raw  # the gate ended it: the six answers are not needed
        return Request(mode, lang, rid, answers=None if skip else _answers(kb, raw, lang), emergency=emergency)
    if mode == "diagnosis":
        skip = emergency and "symptoms" not in raw
        return Request(mode, lang, rid, symptoms={} if skip else _symptoms(kb, raw, lang), emergency=emergency)
    _fail("bad_mode", lang, value=mode)


def _extra_keys(raw, allowed, mode, lang):
    for key in raw:
        if key not in COMMON_KEYS and key != allowed:
            _fail("unexpected_key", lang, value=key, mode=mode, allowed=", ".join((*COMMON_KEYS, allowed)))


def _answers(kb, raw, lang) -> dict:
    _extra_keys(raw, "answers", "screening", lang)
    questions = [q.code for q in kb.questions]
    given = raw.get("answers")
    if not isinstance(given, dict):
        _fail("missing_answers", lang, questions=", ".join(questions))
    for code in given:
        if code not in questions:
            _fail("unknown_question", lang, value=code, hint=_hint(code, questions), questions=", ".join(questions))
    out = {}
    for question in kb.questions:
        if question.code not in given:
            _fail("missing_answer", lang, value=question.code)
        answer = given[question.code]
        code = answer_code(answer)
        if code not in question.answers:
            _fail("bad_answer", lang, value=question.code, answer=answer, allowed=", ".join(question.answers))
        out[question.code] = code
    return out


def _symptoms(kb, raw, lang) -> dict:
    _extra_keys(raw, "symptoms", "diagnosis", lang)
    given = raw.get("symptoms")
    if not isinstance(given, dict):
        _fail("missing_symptoms", lang)
    codes = [s.code for s in kb.symptoms]
    by_code = {level.code: level.cf for level in kb.scale}
    levels = {level.cf for level in kb.scale}
    allowed = ", ".join(f"{fmt(level.cf)} ({level.code})" for level in kb.scale)
    out = {}
    for code, value in given.items():
        if code not in codes:
            _fail(
                "unknown_symptom",
                lang,
                value=code,
                hint=_hint(code, codes),
                first=codes[0] if codes else "-",
                last=codes[-1] if codes else "-",
            )
        cf = by_code.get(value) if isinstance(value, str) and value in by_code else to_fraction(value)
        if cf is None or cf not in levels:
            _fail("bad_certainty", lang, value=code, answer=value, allowed=allowed)
        if cf > 0:
            out[code] = cf
    return out
