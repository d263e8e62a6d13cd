"""webui.staff.kbforms: the form editor built from kb/schema.yaml. Every kind of item, shown in its form and
submitted unchanged, gives back exactly its file's text; each field kind reads its input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kb import edit
from testing.kbvariants import bundled_files
from webui.staff import kbforms

FILES = bundled_files()
REFS = edit.items(FILES)
ONE_OF_EACH = list({(r.file, r.section): r for r in reversed(REFS)}.values()) + list(
    {(r.file, r.section): r for r in REFS}.values()
)


def _submitted(node: kbforms.Node) -> dict[str, str]:
    """What a browser sends for the filled form: every input's text."""
    return {n.name: n.value for n in node.walk() if not n.children}


@pytest.mark.parametrize("ref", ONE_OF_EACH, ids=lambda r: f"{r.section}-{r.code}")
def test_an_unchanged_form_gives_back_the_same_text(ref):
    text = FILES[ref.file]
    old = edit.value(text, ref.file, ref.section, ref.index)
    node = kbforms.fill(kbforms.form_for(ref.section, old), old)
    assert node.children, "every item has fields"
    value = kbforms.read(kbforms.form_for(ref.section, old), _submitted(node), {})
    assert not kbforms.has_errors(node)
    new = kbforms.merged(old, value, node)
    assert edit.replace(text, ref.file, ref.section, ref.index, new) == text


def test_the_form_of_a_symptom():
    node = kbforms.form_for("symptoms")
    kinds = {".".join(n.path): (n.kind, n.required) for n in node.walk() if n.path}
    assert kinds == {
        "code": ("code", True),
        "name": ("text", True),
        "name.id": ("string", True),
        "name.en": ("string", True),
        "question": ("text", True),
        "question.id": ("string", True),
        "question.en": ("string", True),
        "help": ("text", False),
        "help.id": ("string", True),
        "help.en": ("string", True),
        "category": ("code", True),
        "cf": ("number", True),
        "source": ("string", True),
        "assumption": ("text", False),
        "assumption.id": ("string", True),
        "assumption.en": ("string", True),
    }


@pytest.mark.parametrize(
    ("section", "field", "text", "expected", "error"),
    [
        ("symptoms", "f.cf", "0.8", Decimal("0.8"), None),
        ("symptoms", "f.cf", "0,8", Decimal("0.8"), None),
        ("symptoms", "f.cf", "high", kbforms.ABSENT, "not a number"),
        ("symptoms", "f.cf", "", kbforms.ABSENT, None),
        ("decisions", "f.salience", "2.5", kbforms.ABSENT, "not a whole number"),
        ("decisions", "f.salience", "20", 20, None),
        ("rules", "f.if", "{any: [GC01, GC02]}", {"any": ["GC01", "GC02"]}, None),
        ("rules", "f.if", "{any: [GC01", kbforms.ABSENT, "YAML syntax error"),
        ("questions", "f.answers", "yes, no  unsure", ["yes", "no", "unsure"], None),
        ("solutions", "f.call_hotline", "true", True, None),
        ("solutions", "f.call_hotline", "maybe", kbforms.ABSENT, "choose yes or no"),
        ("cases", "f.mode", "diagnosis", "diagnosis", None),
        ("cases", "f.mode", "other", kbforms.ABSENT, "choose one of the listed values"),
        ("criteria", "f.diagnosis.likely", "true", True, None),
        ("criteria", "f.diagnosis.likely", "unknown", "unknown", None),
        ("kb", "f.reviewers", "dr. A\n\ndr. B\n", ["dr. A", "dr. B"], None),
    ],
)
def test_each_kind_of_field_reads_its_input(section, field, text, expected, error):
    node = kbforms.form_for(section)
    value = kbforms.read(node, {field: text}, {})
    path = field.removeprefix("f.").split(".")
    got = value
    for key in path:
        got = got.get(key, kbforms.ABSENT) if isinstance(got, dict) else kbforms.ABSENT
    assert got == expected
    errors = [e for n in node.walk() for e in n.errors]
    assert errors[0].startswith(error) if error else errors == [], errors
