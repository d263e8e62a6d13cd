"""rules.jsonbody: the one strict JSON reader for `pakar batch` lines and API bodies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rules import jsonbody
from rules.errors import JSONError


def nested(depth: int) -> str:
    """An object holding arrays ``depth`` levels deep in all (the object counts as one)."""
    return '{"id": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(
    "text, value",
    [
        pytest.param('{"GC03": 0.2}', {"GC03": Decimal("0.2")}, id="a fraction stays exact"),
        pytest.param('{"id": 7}', {"id": 7}, id="a whole number is an int"),
        pytest.param('{"id": 2e0}', {"id": Decimal("2")}, id="an exponent makes a decimal"),
        pytest.param('{"id": -0}', {"id": 0}, id="minus zero"),
        pytest.param('{"a": 1e-300}', {"a": Decimal("1e-300")}, id="small but a double"),
        pytest.param(b'{"a": "\xc3\xa9"}', {"a": "é"}, id="UTF-8 bytes"),
    ],
)
def test_reads(text, value):
    got = jsonbody.loads(text)
    assert got == value
    assert [type(v) for v in got.values()] == [type(v) for v in value.values()]


def test_nesting_up_to_the_limit_is_read():
    arrays: list = []
    for _ in range(jsonbody.MAX_DEPTH - 2):
        arrays = [arrays]
    assert jsonbody.loads(nested(jsonbody.MAX_DEPTH)) == {"id": arrays}


@pytest.mark.parametrize(
    "text, reason, message",
    [
        pytest.param(
            '{"a": 1, "a": 2}',
            "bad_json_duplicate",
            "The key 'a' appears more than once in one object.",
            id="duplicate key",
        ),
        pytest.param(
            '{"b": {"a": 1, "a": 1}}',
            "bad_json_duplicate",
            "The key 'a' appears more than once in one object.",
            id="duplicate key inside, same value",
        ),
        pytest.param(
            '{"' + "k" * 100 + '": 1, "' + "k" * 100 + '": 2}',
            "bad_json_duplicate",
            "The key '" + "k" * 37 + "...' appears more than once in one object.",
            id="a long key is cut",
        ),
        pytest.param('{"a": NaN}', "bad_json_constant", "NaN is not a JSON number; send a finite number.", id="NaN"),
        pytest.param(
            "[-Infinity]", "bad_json_constant", "-Infinity is not a JSON number; send a finite number.", id="-Infinity"
        ),
        pytest.param(
            "1e309",
            "bad_json_range",
            "The number 1e309 is outside the range of interoperable JSON numbers.",
            id="beyond a double",
        ),
        pytest.param(
            "1e-400",
            "bad_json_range",
            "The number 1e-400 is outside the range of interoperable JSON numbers.",
            id="below a double",
        ),
        pytest.param(
            nested(jsonbody.MAX_DEPTH + 1),
            "bad_json_depth",
            "The request's JSON is nested too deeply.",
            id="one level too deep",
        ),
        pytest.param("[" * 100_000, "bad_json_depth", "The request's JSON is nested too deeply.", id="recursion"),
        pytest.param(
            '{"a": 1,}', "bad_json", "The request body is not valid JSON (line 1, column 9).", id="trailing comma"
        ),
        pytest.param("", "bad_json", "The request body is not valid JSON (line 1, column 1).", id="empty"),
        pytest.param(b'"\xff"', "bad_json_encoding", "The request body must be JSON in UTF-8.", id="not UTF-8"),
    ],
)
def test_refuses(text, reason, message):
    with pytest.raises(JSONError) as refused:
        jsonbody.loads(text, "en")
    assert (refused.value.code, refused.value.reason, refused.value.message) == ("bad_json", reason, message)


def test_refusals_speak_the_language_asked_for():
    with pytest.raises(JSONError) as refused:
        jsonbody.loads('{"a": 1, "a": 2}')
    assert refused.value.message == "Kunci 'a' muncul lebih dari sekali dalam satu objek."
