"""The strict JSON reader for a consultation request: one ``pakar batch`` line, or one API request body.

Stricter than Python's :mod:`json`, and the same for both front-ends:

* a key repeated in one object is refused (parsers disagree about which value wins; we do not guess);
* ``NaN``, ``Infinity`` and numbers beyond a double's range are refused (RFC 8259 section 6);
* numbers with a fraction or exponent are read as exact :class:`~decimal.Decimal` (so ``0.2`` is the scale's
  0.2), whole numbers as ``int``;
* nesting deeper than :data:`MAX_DEPTH` is refused (a request needs three levels).

Every refusal is a :class:`rules.errors.JSONError` whose ``reason`` is a code of
:data:`rules.messages.JSON_ERRORS`, its message in the language asked for.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

from kb.languages import DEFAULT_LANGUAGE
from rules.errors import JSONError
from rules.messages import message

MAX_DEPTH = 32
"""Arrays and objects inside one another, at most. A request uses three; the limit keeps a hostile body from
costing recursion anywhere later (messages that quote a value, storing the request)."""

QUOTE_LIMIT = 40
"""A value quoted back in a message is cut to this many characters (a 64 KiB key must not make a 64 KiB
message)."""


class _Refused(Exception):  # noqa: N818 - internal signal, re-raised as JSONError
    """Raised inside the json hooks; turned into :class:`JSONError` once the language is known."""

    def __init__(self, reason: str, **values):
        super().__init__(reason)
        self.reason = reason
        self.values = values


def short(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, with "..." when it was longer."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fits(text: str) -> Decimal:
    """The JSON number ``text`` exactly, when it fits a double."""
    value = Decimal(text)
    as_float = float(value)  # inf, or 0.0 when it underflows; never raises
    if not math.isfinite(as_float) or (as_float == 0 and value != 0):
        # Refused before any exact arithmetic: an exponent of a billion would cost a billion digits.
        raise _Refused("bad_json_range", value=short(text))
    return value


def _decimal(text: str) -> Decimal:
    return _fits(text)


def _integer(text: str) -> int:
    return int(_fits(text))


def _constant(name: str):
    raise _Refused("bad_json_constant", value=name)  # NaN, Infinity, -Infinity: Python's json accepts them


def _object(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Refused("bad_json_duplicate", value=short(key))
        out[key] = value
    return out


def _depth(value) -> int:
    """How deeply arrays and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(data: bytes | str, lang: str = DEFAULT_LANGUAGE):
    """The JSON document in ``data`` (UTF-8 bytes or text) as Python; raises :class:`JSONError` with a message
    in ``lang`` when it is not JSON Pakar reads."""
    try:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Refused("bad_json_encoding") from exc
        try:
            value = json.loads(
                data, parse_float=_decimal, parse_int=_integer, parse_constant=_constant, object_pairs_hook=_object
            )
        except json.JSONDecodeError as exc:
            raise _Refused("bad_json", line=exc.lineno, column=exc.colno) from exc
        except RecursionError as exc:
            raise _Refused("bad_json_depth") from exc
        if _depth(value) > MAX_DEPTH:
            raise _Refused("bad_json_depth")
    except _Refused as exc:
        raise JSONError(message(exc.reason, lang, **exc.values), reason=exc.reason) from exc
    return value


__all__ = ["MAX_DEPTH", "loads", "short"]
