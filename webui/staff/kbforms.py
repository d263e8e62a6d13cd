"""The form editor of KB items, built from the KB schema (``kb/schema.yaml`` is data): one form per item, one
input per field the schema declares, read back into the item's value.

An item's schema gives a tree of :class:`Node`: a text in both languages is a group of two inputs, an object
with declared keys is a group of its keys, a code, a text, a number, a whole number, true/false or a choice
is one input; anything else (premises with ``all``/``any``, conditions, answer sets, lists of entries) is a
small YAML box for that field alone. :func:`read` turns the submitted form back into a value (only keys the
schema declares are edited; others stay as they were), with each field's own input errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kb import edit, yamlio
from kb import schema as kbschema
from kb.edit import plain

TEXT_REF = "#/$defs/text"
CODE_REF = "#/$defs/code"
LONG = 70  # characters: a longer text is edited in a text area

ABSENT = object()
"""A field left empty: the key is not written."""


@dataclass
class Node:
    """One field of the form: ``kind`` is group, text (a text in both languages: a group), string, code,
    number, integer, bool, enum, codes, lines or yaml. ``path`` is the key path from the item; ``name`` the
    form's input name."""

    path: tuple[str, ...]
    kind: str
    required: bool = False
    description: str = ""
    choices: tuple[str, ...] = ()
    minimum: Any = None
    maximum: Any = None
    children: list[Node] = field(default_factory=list)
    value: str = ""  # the input's text
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def name(self) -> str:
        return "f." + ".".join(self.path)

    @property
    def id(self) -> str:
        return "f-" + "-".join(self.path).replace("_", "-")

    @property
    def long(self) -> bool:
        return len(self.value) > LONG or "\n" in self.value

    def walk(self):
        """This node and every node below it."""
        yield self
        for child in self.children:
            yield from child.walk()


def _resolve(spec: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    ref = spec.get("$ref", "")
    if ref.startswith("#/$defs/"):
        resolved = kbschema.schema()["$defs"][ref.rsplit("/", 1)[1]]
        merged = {**resolved, **{k: v for k, v in spec.items() if k != "$ref"}}
        return merged, ref
    return spec, ref


def item_schema(section: str) -> Mapping[str, Any]:
    """The schema of one item of ``section`` (a list section's entry, or a single section's value)."""
    spec = kbschema.schema()["properties"][section]
    if section in kbschema.SECTIONS_OF_LISTS:
        spec = spec["items"]
    return _resolve(spec)[0]


def _kind(spec: Mapping[str, Any], ref: str) -> str:
    if ref == TEXT_REF:
        return "text"
    if "enum" in spec:
        return "enum"
    if "oneOf" in spec or "anyOf" in spec:
        return "yaml"
    kind = spec.get("type")
    if kind == "object":
        return "group" if spec.get("properties") and not spec.get("additionalProperties", False) else "yaml"
    if kind == "array":
        items, item_ref = _resolve(spec.get("items", {}))
        if item_ref == CODE_REF:
            return "codes"
        return "lines" if items.get("type") == "string" else "yaml"
    if kind == "string":
        return "code" if ref == CODE_REF else "string"
    if kind in ("number", "integer", "boolean"):
        return {"boolean": "bool"}[kind] if kind == "boolean" else kind
    return "yaml"


def _choice(value: Any) -> str:
    """An enum value as the form sends it (YAML's true/false in lower case)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def build(spec: Mapping[str, Any], path: tuple[str, ...] = (), required: bool = False) -> Node:
    """The form tree of an item's schema (values empty)."""
    spec, ref = _resolve(spec)
    kind = _kind(spec, ref)
    node = Node(
        path=path,
        kind=kind,
        required=required,
        description=str(spec.get("description", "")),
        choices=tuple(
            "" if c is None else str(c).lower() if isinstance(c, bool) else str(c) for c in spec.get("enum", ())
        ),
        minimum=spec.get("minimum", spec.get("exclusiveMinimum")),
        maximum=spec.get("maximum", spec.get("exclusiveMaximum")),
    )
    if kind == "text":
        node.children = [Node((*path, lang), "string", required=True) for lang in ("id", "en")]
    elif kind == "group":
        wanted = set(spec.get("required", ()))
        node.children = [build(sub, (*path, key), key in wanted) for key, sub in spec["properties"].items()]
    return node


def form_for(section: str, value: Any = None) -> Node:
    """The form of one item of ``section``. A section that is a map of named entries (``constants``) has one
    group per entry of ``value`` (its entries' schema); new names are added in the file editor."""
    spec = item_schema(section)
    entries = spec.get("additionalProperties")
    if not spec.get("properties") and isinstance(entries, Mapping) and isinstance(value, Mapping):
        return Node((), "group", True, children=[build(entries, (str(key),), True) for key in value])
    return build(spec, (), True)


# --- values into the form ----------------------------------------------------------------------------------------


def _flow(value: Any) -> str:
    """A value as a short YAML text (one line where it fits)."""
    return edit.text_of(value)


def _text_of(node: Node, value: Any) -> str:
    if value is ABSENT or (value is None and node.kind != "yaml"):
        return ""
    if node.kind == "bool":
        return "true" if value is True else "false" if value is False else str(value)
    if node.kind == "enum":
        return str(value).lower() if isinstance(value, bool) else str(value)
    if node.kind in ("number", "integer"):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if node.kind == "codes":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else _flow(value)
    if node.kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else _flow(value)
    if node.kind == "yaml":
        return _flow(value)
    return value if isinstance(value, str) else _flow(value)


def fill(node: Node, value: Any) -> Node:
    """Put an item's value into the form."""
    if node.children:
        for child in node.children:
            sub = value.get(child.key, ABSENT) if isinstance(value, Mapping) else ABSENT
            fill(child, sub)
    else:
        node.value = _text_of(node, value)
    return node


# --- the form back into a value ------------------------------------------------------------------------------------


def _number(text: str, integer: bool):
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not number.is_finite():
        raise ValueError("not a number")
    if integer:
        if number != number.to_integral_value():
            raise ValueError("not a whole number")
        return int(number)
    return number


def _leaf(node: Node, text: str) -> Any:
    """One input's text as a value (ABSENT when empty); ValueError with a short reason when it is not one."""
    node.value = text
    raw = text.strip()
    if not raw and node.kind != "string":
        return ABSENT
    if node.kind == "string":
        return raw if raw else ABSENT
    if node.kind == "code":
        return raw
    if node.kind in ("number", "integer"):
        return _number(raw, node.kind == "integer")
    if node.kind == "bool":
        if raw not in ("true", "false"):
            raise ValueError("choose yes or no")
        return raw == "true"
    if node.kind == "enum":
        if raw not in node.choices:
            raise ValueError("choose one of the listed values")
        return (
            {"true": True, "false": False}.get(raw, raw) if set(node.choices) <= {"true", "false", "unknown"} else raw
        )
    if node.kind == "codes":
        return [part for part in raw.replace(",", " ").split() if part]
    if node.kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    data, problems = yamlio.read(raw, "field")
    if problems:
        raise ValueError(problems[0].message)
    return plain(data)


def read(node: Node, form: Mapping[str, str], messages: Mapping[str, str]) -> Any:
    """The value the submitted ``form`` gives ``node`` (ABSENT when every input of it is empty); input
    errors are set on the nodes (``messages`` translates the reasons)."""
    if node.children:
        out: dict[str, Any] = {}
        for child in node.children:
            sub = read(child, form, messages)
            if sub is not ABSENT:
                out[child.key] = sub
        if node.kind == "text" and out and len(out) < len(node.children):
            # One language filled in: keep the empty one so the loader names what is missing.
            out = {child.key: out.get(child.key, "") for child in node.children}
        return out if out or not node.path else ABSENT
    try:
        return _leaf(node, form.get(node.name, ""))
    except ValueError as exc:
        node.errors.append(messages.get(str(exc), str(exc)))
        return ABSENT


def merged(old: Any, new: Mapping[str, Any], node: Node) -> dict[str, Any]:
    """The edited item: keys the form declares from ``new`` (absent ones removed), others kept from ``old``,
    in the old order, new keys after them."""
    declared = {child.key for child in node.children}
    base = dict(old) if isinstance(old, Mapping) else {}
    out: dict[str, Any] = {}
    for key, value in base.items():
        if key not in declared:
            out[key] = value
        elif key in new:
            out[key] = _keep_nested(value, new[key], next(c for c in node.children if c.key == key))
        elif value == []:
            out[key] = []  # an empty list left empty stays written (``reviewers: []``)
    for key, value in new.items():
        if key not in out:
            out[key] = value
    return out


def _keep_nested(old: Any, new: Any, node: Node) -> Any:
    if node.kind == "group" and isinstance(old, Mapping) and isinstance(new, Mapping):
        return merged(old, new, node)
    return new


def has_errors(node: Node) -> bool:
    return any(n.errors for n in node.walk())
