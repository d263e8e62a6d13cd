"""Parse and validate consultation requests (the ``pakar batch`` / web API contract).

* ``{"mode": "screening", "answers": {"Q1": "ragu", ...}}`` — every question answered with one of its
  answer codes (``ya``/``ragu``/``tidak``);
* ``{"mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 0.6}}`` — unlisted symptoms are 0; a
  certainty is a level of the KB's scale, as a number or as the level's code (``"pasti"``);
* optional ``"id"`` (echoed) and ``"lang"`` (``"id"`` or ``"en"``);
* optional ``"emergency"``: ``true`` or ``false`` (absent: false), the answer to the emergency gate ("any of
  these danger signs now?"). ``true`` ends the consultation at the gate: the answers or symptoms are then
  optional (checked when given, not used).
"""
from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from rules.engine.cf import fmt
from rules.errors import InputError
from rules.messages import message

LANGS = ("id", "en")
COMMON_KEYS = ("mode", "id", "lang", "emergency")


@dataclass(frozen=True)
class Request:
    mode: str
    lang: str
    id: object
    answers: dict | None = None       # screening: question -> answer code
    symptoms: dict | None = None      # diagnosis: symptom -> Fraction (> 0 only)
    emergency: bool = False           # the emergency gate answered yes: the consultation ends there


def _fail(code, lang, **values):
    raise InputError(message(code, lang, **values), code=code)


def _hint(value, choices) -> str:
    """A did-you-mean for a code, ignoring case (``gc03`` -> ``GC03``)."""
    by_upper = {str(c).upper(): c for c in choices}
    close = difflib.get_close_matches(str(value).upper(), list(by_upper), n=1, cutoff=0.6)
    return f"'{by_upper[close[0]]}'? " if close else ""


def request_lang(raw) -> str:
    """The language asked for, when it is valid (for messages about the rest of the request)."""
    lang = raw.get("lang") if isinstance(raw, dict) else None
    return lang if lang in LANGS else "id"


# A certainty lies in [-1, 1]: a number whose decimal exponent is further out than this cannot be one, and
# turning "1e999999999" into an exact Fraction would take minutes (the digits are materialised).
MAX_EXPONENT = 400


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
            value = Decimal(value.strip())
        if isinstance(value, Decimal):
            if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
                return None
            return Fraction(value)
    except (InvalidOperation, ValueError):
        return None
    return None


def valid_id(rid) -> bool:
    """An id is text or a finite number (it is echoed into JSON, which has no NaN or infinity)."""
    if isinstance(rid, bool) or not isinstance(rid, (str, int, float, Decimal)):
        return False
    return not isinstance(rid, (float, Decimal)) or math.isfinite(rid)


def parse(kb, raw) -> Request:
    """Validate a request against ``kb``; raise :class:`InputError` with a message a person understands."""
    lang = request_lang(raw)
    if not isinstance(raw, dict):
        _fail("not_an_object", lang)
    if "lang" in raw and raw["lang"] not in LANGS:
        _fail("bad_lang", lang, value=raw["lang"])
    rid = raw.get("id")
    if rid is not None and not valid_id(rid):
        _fail("bad_id", lang)
    if isinstance(rid, Decimal):
        rid = int(rid) if rid == rid.to_integral_value() else float(rid)
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
            _fail("unexpected_key", lang, value=key, mode=mode, allowed=", ".join(COMMON_KEYS + (allowed,)))


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
        if not isinstance(answer, str) or answer.strip().lower() not in question.answers:
            _fail("bad_answer", lang, value=question.code, answer=answer, allowed=", ".join(question.answers))
        out[question.code] = answer.strip().lower()
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
            _fail("unknown_symptom", lang, value=code, hint=_hint(code, codes), first=codes[0] if codes else "-",
                  last=codes[-1] if codes else "-")
        cf = by_code.get(value) if isinstance(value, str) and value in by_code else to_fraction(value)
        if cf is None or cf not in levels:
            _fail("bad_certainty", lang, value=code, answer=value, allowed=allowed)
        if cf > 0:
            out[code] = cf
    return out
