"""kb.edit: an item edited in its file's text changes only the keys that changed, in place."""

from __future__ import annotations

import difflib
from decimal import Decimal

import pytest

from kb import edit
from testing.kbvariants import bundled_files

FILES = bundled_files()


def test_every_item_of_the_bundled_kb_is_found_and_written_back_unchanged():
    refs = edit.items(FILES)
    assert len(refs) == 249
    assert [r for r in refs if r.index is None] == [
        edit.ItemRef("emergency.yaml", "emergency", None, "emergency", 13),
        edit.ItemRef("kb.yaml", "kb", None, "kb", 10),
        edit.ItemRef("triage.yaml", "constants", None, "constants", 25),
        edit.ItemRef("triage.yaml", "triage", None, "triage", 32),
    ]
    # One item of each section, its first and its last (parsing a file with its marks takes a while).
    firsts = {(r.file, r.section): r for r in reversed(refs)}
    lasts = {(r.file, r.section): r for r in refs}
    for ref in [*firsts.values(), *lasts.values()]:
        text = FILES[ref.file]
        value = edit.value(text, ref.file, ref.section, ref.index)
        assert edit.replace(text, ref.file, ref.section, ref.index, value) == text, ref


def _changed(name, section, index, change):
    text = FILES[name]
    value = edit.value(text, name, section, index)
    change(value)
    new = edit.replace(text, name, section, index, value)
    lines = list(difflib.ndiff(text.splitlines(), new.splitlines()))
    removed = [line[2:] for line in lines if line.startswith("- ")]
    added = [line[2:] for line in lines if line.startswith("+ ")]
    return removed, added, new


def _set(key, value):
    return lambda item: item.__setitem__(key, value)


@pytest.mark.parametrize(
    ("where", "change", "removed", "added"),
    [
        (("symptoms.yaml", "symptoms", 2), _set("cf", Decimal("0.8")), ["    cf: 1.0"], ["    cf: 0.8"]),
        (
            ("rules.yaml", "rules", 0),
            _set("if", {"all": ["GC01", {"any": ["GC02", "GC03"]}]}),
            ["    if: GC01"],
            ["    if:", "      all:", "      - GC01", "      - any: [GC02, GC03]"],
        ),
        (("rules.yaml", "rules", 0), _set("threshold", Decimal("0.2")), [], ["    threshold: 0.2"]),
        (("rules.yaml", "rules", 0), _set("cf", Decimal("-0.4")), ["    cf: 0.8"], ["    cf: -0.4"]),
        (
            ("symptoms.yaml", "symptoms", 2),
            _set("name", {"id": "Demam", "en": "Fever"}),
            ["    name: {id: Demam di atas 38 °C, en: Fever above 38 °C}"],
            ["    name: {id: Demam, en: Fever}"],
        ),
        (
            ("symptoms.yaml", "symptoms", 2),
            lambda item: item.pop("code"),
            ["  - code: GC03", "    name: {id: Demam di atas 38 °C, en: Fever above 38 °C}"],
            ["  - name: {id: Demam di atas 38 °C, en: Fever above 38 °C}"],
        ),
        (("kb.yaml", "kb", None), _set("version", "2.0.0"), ['  version: "1.0.0"'], ["  version: 2.0.0"]),
    ],
)
def test_only_the_changed_keys_are_rewritten(where, change, removed, added):
    got_removed, got_added, _new = _changed(*where, change)
    assert (got_removed, got_added) == (removed, added)


def test_an_item_in_flow_style_is_written_whole():
    text = "groups:\n  - {code: a, name: {id: A, en: A}}\n  - code: b\n    name: {id: B, en: B}\n"
    new = edit.replace(text, "x.yaml", "groups", 0, {"code": "a2", "name": {"id": "A", "en": "A"}})
    assert new == "groups:\n  - code: a2\n    name: {id: A, en: A}\n  - code: b\n    name: {id: B, en: B}\n"


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        (
            "rules.yaml:18:5: rules[0].then: unknown hypothesis",
            edit.ProblemAt("rules.yaml", 18, "rules[0].then: unknown hypothesis", 5),
        ),
        ("cases.yaml:570: case cf-single failed: x", edit.ProblemAt("cases.yaml", 570, "case cf-single failed: x")),
        ("error: no file [code]", None),
    ],
)
def test_problem_lines_are_parsed(line, parsed):
    assert edit.parse_problem(line) == parsed


def test_a_problem_falls_on_the_field_at_its_line_and_column():
    text = FILES["symptoms.yaml"]
    span, places = edit.field_lines(text, "symptoms.yaml", "symptoms", 2)
    assert span == (48, 60)
    assert (places[("cf",)], places[("name", "en")]) == ((59, 5), (49, 37))
    at = lambda line, col=0: edit.problem_field(edit.ProblemAt("symptoms.yaml", line, "", col), span, places)  # noqa: E731
    assert [at(59, 5), at(49, 37), at(49, 12), at(49, 11), at(48, 5), at(61, 5), at(47)] == [
        ("cf",),
        ("name", "en"),
        ("name", "id"),
        ("name",),
        ("code",),
        None,
        None,
    ]


def test_an_item_is_appended_like_the_others_and_removed():
    text = FILES["rules.yaml"]
    rule = {"id": "R28", "if": {"any": ["GC01", "GC02"]}, "then": "PC01", "cf": Decimal("-0.2"), "source": "pakar x"}
    added = edit.append(text, "rules.yaml", "rules", rule)
    assert added.splitlines()[-6:] == [
        "  - id: R28",
        "    if:",
        "      any: [GC01, GC02]",
        "    then: PC01",
        "    cf: -0.2",
        "    source: pakar x",
    ]
    assert edit.remove(added, "rules.yaml", "rules", 27) == text
    assert edit.remove("groups:\n  - {code: a}\n# end\nother: 1\n", "x.yaml", "groups", 0) == (
        "groups: []\n# end\nother: 1\n"
    )
