"""Edit one KB item inside its YAML file's text, keeping everything else of the file as it was.

The staff form editor changes an item (a symptom, a rule, the ``triage`` section ...) and saves the file
back: only the keys whose values changed are rewritten, each in place (the loader's located marks give the
line of every key), so comments, other items and the untouched keys keep their text, and a text diff of
the change is as small as the change. Items written in flow style (``- {code: X, ...}``) are rewritten
whole.

Problems (``file:line[:col]: ...`` lines of the loader, the verifier and the stored cases) are mapped back
to the item's fields by line (:func:`field_lines`, :func:`parse_problem`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from kb import schema, yamlio
from kb.errors import KBError, Problem


@dataclass(frozen=True)
class ItemRef:
    """Where an item stands: its file, its section and its place in that file's list (None for a section
    that is one mapping: kb, emergency, constants, triage); ``code`` its code or id; ``line`` its first line."""

    file: str
    section: str
    index: int | None
    code: str
    line: int


@dataclass(frozen=True)
class ProblemAt:
    """A problem line of the loader, the verifier or the stored cases, parsed: file, line and the text."""

    file: str
    line: int
    text: str
    col: int = 0  # 0: the line as a whole


_PROBLEM = re.compile(
    r"^(?P<file>[A-Za-z0-9_][A-Za-z0-9_.-]*\.yaml):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<text>.*)$", re.S
)


def parse_problem(line: str) -> ProblemAt | None:
    """A ``file:line[:col]: text`` line parsed, or None when it names no file and line."""
    match = _PROBLEM.match(line.strip())
    if match is None:
        return None
    return ProblemAt(match["file"], int(match["line"]), match["text"], int(match["col"] or 0))


def _read(text: str, name: str):
    data, problems = yamlio.read(text, name)
    if data is None or problems:
        raise KBError(problems or [Problem(name, 1, 1, "", "not a YAML mapping", "")])
    if not isinstance(data, dict):
        raise KBError([Problem(name, 1, 1, "", "a KB file must be a mapping of sections", "")])
    return data


def _code(entry: Any, section: str) -> str:
    if isinstance(entry, Mapping):
        for key in ("code", "id"):
            if isinstance(entry.get(key), str):
                return entry[key]
    return section


def items(files: Mapping[str, str]) -> list[ItemRef]:
    """Every item of a KB's files (files that do not parse are left out), in file and line order."""
    found: list[ItemRef] = []
    for name in sorted(files):
        data, problems = yamlio.read(files[name], name)
        if not isinstance(data, dict) or problems:
            continue
        for section, value in data.items():
            if section in schema.SECTIONS_OF_LISTS and isinstance(value, yamlio.LList):
                for index, entry in enumerate(value):
                    found.append(ItemRef(name, section, index, _code(entry, section), value.where(index)[0]))
            elif section in schema.SECTIONS_SINGLE and isinstance(data, yamlio.Located):
                found.append(ItemRef(name, section, None, section, data.where(section)[0]))
    return found


def find(files: Mapping[str, str], name: str, section: str, index: int | None) -> ItemRef | None:
    """The item at that place, or None."""
    for ref in items(files):
        if (ref.file, ref.section, ref.index) == (name, section, index):
            return ref
    return None


def plain(value: Any) -> Any:
    """A parsed value without the loader's located containers (plain dicts, lists, Decimals)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def value(text: str, name: str, section: str, index: int | None) -> dict[str, Any] | Any:
    """The item's value (plain)."""
    data = _read(text, name)
    node = data[section]
    return plain(node if index is None else node[index])


# --- writing ----------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes values as the KB's files do: exact decimals as numbers, keys in the order given."""


def _decimal(dumper: yaml.SafeDumper, data: Decimal) -> yaml.Node:
    text = format(data, "f")
    if "." not in text:
        text += ".0"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(Decimal, _decimal)


FLOW_WIDTH = 80
"""A mapping or list of plain values is written on one line (flow style) when its values are this short."""


def _styled(node: yaml.Node, top: bool = False) -> None:
    """Block style for the top and for collections with long values; flow style for short leaf ones."""
    if isinstance(node, yaml.MappingNode):
        children = [value for _key, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        return
    leaves = all(isinstance(child, yaml.ScalarNode) for child in children)
    size = sum(len(str(child.value)) + 4 for child in children) + sum(
        len(str(key.value)) for key, _v in (node.value if isinstance(node, yaml.MappingNode) else [])
    )
    node.flow_style = not top and leaves and size <= FLOW_WIDTH
    for child in children:
        _styled(child)


def _dump(data: Any, top: bool = True) -> list[str]:
    """``data`` as YAML lines, styled by :func:`_styled`."""
    stream = io.StringIO()
    dumper = _Dumper(stream, sort_keys=False, allow_unicode=True, width=100)
    try:
        dumper.open()
        node = dumper.represent_data(data)
        _styled(node, top=top)
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue().splitlines()


def text_of(data: Any) -> str:
    """A value as YAML text for one field of a form: on one line (flow style) where it is short."""
    lines = _dump(plain(data), top=False)
    if lines and lines[-1] == "...":
        lines = lines[:-1]
    return "\n".join(lines)


def dump_key(key: str, data: Any) -> list[str]:
    """``key: value`` as YAML lines (no indentation): short leaf mappings and lists in flow style."""
    return _dump({key: data})


def _lines_range_end(lines: list[str], start: int, end: int) -> int:
    """``end`` (exclusive, 0-based) moved up past trailing blank and comment lines, not before ``start + 1``."""
    while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _container(data, section: str, index: int | None):
    """The item's node: the section's value, or its list entry ``index``."""
    return data[section] if index is None else data[section][index]


def _item_span(lines: list[str], data, section: str, index: int | None) -> tuple[int, int]:
    """(start, end) of the item's lines, 0-based, end exclusive; comments and blank lines after it (which
    introduce what follows) are left out."""
    top = [data.where(key)[0] - 1 for key in data]
    section_line = data.where(section)[0] - 1
    section_end = min([line for line in top if line > section_line], default=len(lines))
    if index is None:
        return _first_value_line(data[section], section_line), _lines_range_end(lines, section_line, section_end)
    node = data[section]
    start = node.where(index)[0] - 1
    following = [node.where(i)[0] - 1 for i in range(index + 1, len(node))]
    end = following[0] if following else section_end
    return start, _lines_range_end(lines, start, end)


def _first_value_line(node, section_line: int) -> int:
    if isinstance(node, yamlio.Located) and isinstance(node, dict) and node:
        return min(node.where(k)[0] for k in node) - 1
    return section_line


def _block_keys(node, start: int) -> list[tuple[str, int, int]] | None:
    """(key, line, col) of a block mapping's keys, 0-based, in order; None when the mapping is written in
    flow style (two keys share a line) and cannot be edited key by key."""
    if not isinstance(node, yamlio.LDict) or not node:
        return None
    marks = [(str(k), node.where(k)[0] - 1, node.where(k)[1] - 1) for k in node]
    rows = [line for _k, line, _c in marks]
    if rows != sorted(rows) or len(set(rows)) != len(rows) or rows[0] < start:
        return None
    return marks


def _indent(first_prefix: str, col: int, dumped: list[str]) -> list[str]:
    return [first_prefix + dumped[0]] + [" " * col + line for line in dumped[1:]]


def replace(text: str, name: str, section: str, index: int | None, new: Mapping[str, Any]) -> str:
    """``text`` (file ``name``) with the item at ``section``/``index`` given the value ``new`` (a mapping):
    changed keys rewritten in place, removed keys' lines dropped, new keys added after the last one."""
    data = _read(text, name)
    lines = text.splitlines()
    node = _container(data, section, index)
    start, end = _item_span(lines, data, section, index)
    old = plain(node)
    marks = _block_keys(node, start)
    if marks is None or not isinstance(old, dict) or not new:
        return _replace_whole(lines, text, data, section, index, start, end, new)
    item: list[str] = []
    for position, (key, line, col) in enumerate(marks):
        following = marks[position + 1][1] if position + 1 < len(marks) else end
        stop = _lines_range_end(lines, line, following)
        tail = lines[stop:following]  # comments and blank lines before the next key stay where they are
        if key in new and old.get(key) == plain(new[key]):
            item += lines[line:stop]
        elif key in new:
            item += _indent(lines[line][:col], col, dump_key(key, plain(new[key])))
        item += tail
    last_col = marks[-1][2]
    for key, entry in new.items():
        if key not in old:
            item += _indent(" " * last_col, last_col, dump_key(key, plain(entry)))
    first_col = marks[0][2]
    dash = lines[start][:first_col]
    if index is not None and item and not item[0].startswith(dash):
        # The first key was removed: the next one takes the item's "- ".
        item[0] = dash + item[0][first_col:]
    return _join(lines[:start] + item + lines[end:], text)


def _join(lines: list[str], original: str) -> str:
    return "\n".join(lines) + ("\n" if original.endswith("\n") else "")


def _replace_whole(lines, text, data, section, index, start, end, new) -> str:
    if index is None:
        section_line = data.where(section)[0] - 1
        dumped = dump_key(section, plain(new))
        return _join(lines[:section_line] + dumped + lines[end:], text)
    col = data[section].where(index)[1] - 1
    dumped = _dump([plain(new)])
    prefix = lines[start][: max(col - 2, 0)]
    return _join(lines[:start] + [prefix + line for line in dumped] + lines[end:], text)


def field_lines(
    text: str, name: str, section: str, index: int | None
) -> tuple[tuple[int, int], dict[tuple, tuple[int, int]]]:
    """The item's lines (first, last; 1-based) and the (line, column) of each key path in it
    (``("name", "en")``)."""
    data = _read(text, name)
    lines = text.splitlines()
    node = _container(data, section, index)
    start, end = _item_span(lines, data, section, index)
    found: dict[tuple, tuple[int, int]] = {}

    def walk(value, path: tuple) -> None:
        if isinstance(value, dict):
            for key in value:
                where = value.where(key) if isinstance(value, yamlio.Located) else (start + 1, 1)
                child = (*path, str(key))
                found[child] = where
                walk(value[key], child)

    walk(node, ())
    return (start + 1, end), found


def problem_field(problem: ProblemAt, span: tuple[int, int], places: Mapping[tuple, tuple[int, int]]) -> tuple | None:
    """The key path a problem falls on within an item (the last key that starts at or before its line and
    column), () for the item as a whole, or None when the problem is outside the item."""
    first, last = span
    if not first <= problem.line <= last:
        return None
    at = (problem.line, problem.col or 10**6)
    before = [(place, len(path), path) for path, place in places.items() if place <= at]
    if not before:
        return ()
    return max(before)[2]


def append(text: str, name: str, section: str, new: Mapping[str, Any]) -> str:
    """``text`` with a new item at the end of list ``section`` (written like the items before it)."""
    data = _read(text, name)
    lines = text.splitlines()
    node = data[section]
    last = len(node) - 1 if isinstance(node, list) else -1
    if not isinstance(node, yamlio.LList) or last < 0 or _block_keys(node[last], node.where(last)[0] - 1) is None:
        start, end = _item_span(lines, data, section, None)
        return _replace_whole(lines, text, data, section, None, start, end, [*plain(node or []), plain(new)])
    start, end = _item_span(lines, data, section, last)
    col = node.where(last)[1] - 1
    dumped = _dump(plain(new))
    item = [lines[start][:col] + dumped[0]] + [" " * col + line for line in dumped[1:]]
    return _join(lines[:end] + item + lines[end:], text)


def remove(text: str, name: str, section: str, index: int) -> str:
    """``text`` without item ``index`` of list ``section`` (an emptied list is written ``[]``)."""
    data = _read(text, name)
    lines = text.splitlines()
    node = data[section]
    if len(node) == 1 or _block_keys(node[index], node.where(index)[0] - 1) is None:
        rest = [plain(entry) for i, entry in enumerate(node) if i != index]
        start, end = _item_span(lines, data, section, None)
        return _replace_whole(lines, text, data, section, None, start, end, rest)
    start, end = _item_span(lines, data, section, index)
    return _join(lines[:start] + lines[end:], text)
