"""kb.yamlio: a YAML syntax error points at the line that was edited (where PyYAML only notices it lines
later: a missing colon, an unclosed quote or bracket), and at the line at fault otherwise; a character YAML
allows nowhere is a problem at its place, never an exception."""

from __future__ import annotations

import pytest

from kb import yamlio

# (file text, the line and column of the mistake, words of the message). Each is one edit of a valid file.
BROKEN = [
    pytest.param("a: 1\nb 2\nc: 3\n", (2, 1), "could not find expected ':'", id="missing-colon"),
    pytest.param("top:\n  a: 1\n  b 2\n  c: 3\n", (3, 3), "could not find expected ':'", id="missing-colon-nested"),
    pytest.param("a: 1\nb: 2\nc\n", (3, 1), "could not find expected ':'", id="missing-colon-last-line"),
    pytest.param("top:\n  a: 1\n   b: 2\n", (3, 5), "mapping values are not allowed here", id="indented-too-far"),
    pytest.param('a: "x\nb: 2\n', (1, 4), "found unexpected end of stream", id="unclosed-double-quote"),
    pytest.param("a: 'x\nb: 2\nc: 3\n", (1, 4), "found unexpected end of stream", id="unclosed-single-quote"),
    pytest.param("a: [1, 2\nb: 2\n", (1, 4), "expected ',' or ']'", id="unclosed-bracket"),
    pytest.param("a:\n\tb: 1\n", (2, 1), "found character '\\t' that cannot start any token", id="tab"),
    pytest.param("a: b: c\nd: 1\n", (1, 5), "mapping values are not allowed here", id="second-colon"),
    pytest.param("a: 1\n- b\n", (2, 1), "expected <block end>, but found '-'", id="list-item-in-mapping"),
    pytest.param('a: "x" y\nb: 1\n', (1, 8), "expected <block end>, but found '<scalar>'", id="text-after-quote"),
    pytest.param(
        "items:\n  - a: 1\n    b: 2\n   - c: 3\n", (4, 4), "but found '<block sequence start>'", id="item-dedented"
    ),
    pytest.param(
        "a:\n  b: 1\n  c: 2\n d\n", (4, 2), "expected <block end>, but found '<scalar>'", id="text-after-block"
    ),
    pytest.param("a: *x\n", (1, 4), "found undefined alias 'x'", id="unknown-alias"),
]


@pytest.mark.parametrize("text, where, words", BROKEN)
def test_a_syntax_error_points_at_the_edited_line(text, where, words):
    data, problems = yamlio.read(text, "kb/x.yaml")
    assert data is None
    assert [(p.line, p.col) for p in problems] == [where]
    assert words in problems[0].message and problems[0].message.startswith("YAML syntax error: ")
    assert str(problems[0]).startswith(f"kb/x.yaml:{where[0]}:")


def test_a_valid_file_has_no_problem():
    data, problems = yamlio.read("a: 1\nb: [1, 2]\nc: 'x'\n", "kb/x.yaml")
    assert (data, problems) == ({"a": 1, "b": [1, 2], "c": "x"}, [])


# (file text, the line and column of the character, its code point). PyYAML refuses these characters as soon as
# it is given the text, before parsing (found by fuzzing the staff API: a 500 for a draft file holding one).
FORBIDDEN = [
    pytest.param("a: \x01b\n", (1, 4), "U+0001", id="control-character"),
    pytest.param('x: 1\ny: "\x00"\n', (2, 5), "U+0000", id="nul-in-quotes"),
    pytest.param("a: b\r\n\x07\n", (2, 1), "U+0007", id="after-crlf"),
    pytest.param("a: b\rc: \x1b\n", (2, 4), "U+001B", id="after-cr"),
    pytest.param("a: |\n  x\x85\x84\n", (3, 1), "U+0084", id="after-nel"),  # NEL is a line break to YAML
    pytest.param("a: \ud800\n", (1, 4), "U+D800", id="lone-surrogate"),
    pytest.param("a: 1\nb: \ufffe\n", (2, 4), "U+FFFE", id="non-character"),
]


@pytest.mark.parametrize("text, where, code", FORBIDDEN)
def test_a_forbidden_character_is_a_problem_at_its_place(text, where, code):
    data, problems = yamlio.read(text, "kb/x.yaml")
    assert data is None
    assert [str(p) for p in problems] == [
        f"kb/x.yaml:{where[0]}:{where[1]}: character {code} may not appear in a YAML file (a control character or"
        " a lone surrogate) (delete it; in a double-quoted text an escape such as \\x07 may stand for it)"
    ]


def test_allowed_special_characters_are_read():
    """Tab, NEL, no-break space and characters beyond the BMP are YAML text."""
    data, problems = yamlio.read("a: 'x\ty'\nb: \u00a0z\nc: \U0001f600\n", "kb/x.yaml")
    assert (data, problems) == ({"a": "x\ty", "b": "\u00a0z", "c": "\U0001f600"}, [])
