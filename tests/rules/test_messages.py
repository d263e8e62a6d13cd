"""rules.messages: one message per code, in every language, from the one catalogue; rules.requests.request_id."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from kb.languages import LANGUAGES
from rules.messages import MESSAGES, languages, message
from rules.requests import request_id

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_its_own_indonesian_text(code):
    # Every placeholder of the msgid gets a value (a code added to a table cannot miss one).
    values = dict.fromkeys(PLACEHOLDER.findall(MESSAGES[code]), "X")
    assert message(code, "id", **values) != message(code, "en", **values)
    assert "%(" not in message(code, "id", **values)


@pytest.mark.parametrize("lang, expected", [("id", '"id" atau "en"'), ("en", '"id" or "en"')])
def test_the_language_choices_come_from_kb_languages(lang, expected):
    assert LANGUAGES == ("id", "en")
    assert languages(lang) == expected
    assert message("bad_lang", lang, value="fr").endswith(expected + ".")


@pytest.mark.parametrize(
    "code, lang, values, expected",
    [
        pytest.param(
            "unknown_symptom",
            "en",
            {"value": "GC99", "hint": None, "first": "GC01", "last": "GC20"},
            "There is no symptom 'GC99'. Symptom codes run from GC01 to GC20.",
            id="no hint, one space",
        ),
        pytest.param(
            "unknown_symptom",
            "id",
            {"value": "gc03", "hint": "'GC03'? ", "first": "GC01", "last": "GC20"},
            "Gejala 'gc03' tidak ada. 'GC03'? Kode gejala: GC01 sampai GC20.",
            id="with a hint",
        ),
        pytest.param(
            "not_an_object",
            "en",
            {},
            'The request must be a JSON object, e.g. {"mode": "screening", ...}.',
            id="braces need no escape",
        ),
        pytest.param(
            "no_such_code",
            "en",
            {},
            "Something went wrong on our side; nothing was stored. Please try again.",
            id="unknown code reads as internal",
        ),
        pytest.param(
            "internal",
            "id",
            {},
            "Terjadi kesalahan di sistem; tidak ada yang disimpan. Silakan coba lagi.",
            id="internal, written once",
        ),
    ],
)
def test_message(code, lang, values, expected):
    assert message(code, lang, **values) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param({"id": "abc"}, "abc", id="text"),
        pytest.param({"id": ""}, "", id="empty text"),
        pytest.param({"id": 7}, 7, id="int"),
        pytest.param({"id": 1.5}, 1.5, id="float"),
        pytest.param({"id": Decimal("2.0")}, 2, id="whole decimal becomes int"),
        pytest.param({"id": Decimal("2.5")}, 2.5, id="decimal becomes float"),
        pytest.param({"id": Decimal("NaN")}, None, id="NaN decimal"),
        pytest.param({"id": Decimal("-Infinity")}, None, id="infinite decimal"),
        pytest.param({"id": float("inf")}, None, id="infinite float"),
        pytest.param({"id": True}, None, id="bool"),
        pytest.param({"id": [1]}, None, id="list"),
        pytest.param({"id": None}, None, id="null"),
        pytest.param({}, None, id="absent"),
        pytest.param([{"id": 1}], None, id="not an object"),
    ],
)
def test_request_id(raw, expected):
    got = request_id(raw)
    assert (got, type(got)) == (expected, type(expected))
