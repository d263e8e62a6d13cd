"""Safe YAML reading that remembers where every key and item stands, for ``file:line:col`` errors.

Only ``yaml.SafeLoader`` is used. Numbers with a fraction are read as :class:`decimal.Decimal` from their
text, so that ``0.8`` in a KB file is exactly 8/10 and certainty arithmetic stays exact; dates stay
strings; a key repeated in one mapping is reported instead of silently overwriting the first.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import yaml

from kb.errors import Problem


class Located:
    """Mixin: ``mark`` is the (line, col) of the node, ``marks`` the (line, col) of each key or item."""

    mark = (1, 1)
    marks: dict

    def where(self, key):
        """Return (line, col) of ``key`` (a mapping key or list index), falling back to the node itself."""
        return self.marks.get(key, self.mark)


class LDict(Located, dict):
    """A dict that knows the position of each of its keys."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.marks = {}


class LList(Located, list):
    """A list that knows the position of each of its items."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.marks = {}


def _pos(node):
    return (node.start_mark.line + 1, node.start_mark.column + 1)


_FLOAT_CLEAN = re.compile(r"_")


class _Loader(yaml.SafeLoader):
    """SafeLoader building located containers and exact decimals."""

    def __init__(self, stream, path):
        super().__init__(stream)
        self.path = path
        self.problems: list[Problem] = []

    def construct_located_mapping(self, node):
        data = LDict()
        data.mark = _pos(node)
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                line, col = _pos(key_node)
                self.problems.append(
                    Problem(
                        self.path,
                        line,
                        col,
                        str(key),
                        "a key must be a plain word",
                        "write the key as text, e.g. `code:`",
                    )
                )
                continue
            if key in data:
                line, col = _pos(key_node)
                first = data.marks[key][0]
                self.problems.append(
                    Problem(
                        self.path,
                        line,
                        col,
                        str(key),
                        f"key '{key}' is repeated (first on line {first})",
                        "keep one of them; YAML would silently drop the first",
                    )
                )
            data[key] = self.construct_object(value_node, deep=True)
            data.marks[key] = _pos(key_node)

    def construct_located_sequence(self, node):
        data = LList()
        data.mark = _pos(node)
        yield data
        for index, child in enumerate(node.value):
            data.append(self.construct_object(child, deep=True))
            data.marks[index] = _pos(child)

    def construct_exact_float(self, node):
        text = _FLOAT_CLEAN.sub("", self.construct_scalar(node)).lower()
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            line, col = _pos(node)
            self.problems.append(
                Problem(
                    self.path,
                    line,
                    col,
                    "",
                    f"'{node.value}' is not a finite number",
                    "write a decimal number such as 0.8",
                )
            )
            return Decimal(0)
        return value

    def construct_plain_timestamp(self, node):
        return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_located_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_located_sequence)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_exact_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_plain_timestamp)


# PyYAML's contexts whose problem is only found further on: a key without its colon is noticed on the next
# line, an unclosed quote or bracket at a later line or the end of the file. The context's mark is where the
# edit was made. (A block mapping's or list's context is its first line, far above: there the problem's mark
# is the line at fault.)
_STARTED_EARLIER = ("while scanning a simple key", "while scanning a quoted scalar", "while parsing a flow")


def _where(exc: yaml.MarkedYAMLError):
    """The mark a person should look at for a syntax error: the line they edited."""
    if exc.context_mark is not None and (exc.context or "").startswith(_STARTED_EARLIER):
        return exc.context_mark
    return exc.problem_mark or exc.context_mark


# How PyYAML counts lines (yaml.reader.Reader.forward): a CR followed by LF is one break.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _position(text: str, index: int) -> tuple[int, int]:
    """The (line, col) of character ``index`` of ``text``, both from 1, as PyYAML's marks count them."""
    breaks = list(_LINE_BREAK.finditer(text, 0, index))
    return len(breaks) + 1, index - (breaks[-1].end() if breaks else 0) + 1


def _unreadable(exc: yaml.reader.ReaderError, text: str, path: str) -> Problem:
    """A character YAML allows nowhere (a control character, a lone surrogate), at the place it stands."""
    line, col = _position(text, exc.position)
    return Problem(
        path,
        line,
        col,
        "",
        f"character U+{exc.character:04X} may not appear in a YAML file (a control character or a lone surrogate)",
        "delete it; in a double-quoted text an escape such as \\x07 may stand for it",
    )


def read(text: str, path: str):
    """Parse one YAML document; return ``(data, problems)``. A syntax error becomes a single problem."""
    try:
        # PyYAML checks a text's characters as soon as it is given one, before any parsing.
        loader = _Loader(text, path)
    except yaml.reader.ReaderError as exc:
        return None, [_unreadable(exc, text, path)]
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = _where(exc)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        return None, [
            Problem(
                path,
                line,
                col,
                "",
                f"YAML syntax error: {what}",
                "check indentation, colons and quotes around this line",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, 1, "", f"YAML error: {exc}", "this file must be plain YAML")]
    finally:
        loader.dispose()
    return data, loader.problems
