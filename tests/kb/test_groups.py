"""Symptom groups in the KB: their shape, the cross-checks on them, and the model the loader builds.

Each broken file is written out in full, so the expected line can be read off this file. The working
directory is the temporary directory, so files show as ``kb/<name>.yaml``.
"""

from __future__ import annotations

import pkgutil

import pytest

import kb
import kb.checks
from kb.model import Text

SYMPTOMS_TWO_GROUPS = """\
symptoms:
  - code: GC01
    name: {id: Pilek, en: Runny nose}
    question: {id: "Pilek?", en: "Runny nose?"}
    category: respiratry
    cf: 0.8
    source: src
  - code: GC02
    name: {id: Demam, en: Fever}
    question: {id: "Demam?", en: "Fever?"}
    category: general
    cf: 1.0
    source: src
  - code: GC03
    name: {id: Mual, en: Nausea}
    question: {id: "Mual?", en: "Nausea?"}
    category: cough
    cf: 0.6
    source: src
"""


@pytest.mark.parametrize(
    "files, expected",
    [
        pytest.param(
            {"symptoms.yaml": SYMPTOMS_TWO_GROUPS},
            [
                "kb/symptoms.yaml:5:5: symptoms[0].category: unknown group 'respiratry' (did you mean 'respiratory'?"
                " use a code from groups: respiratory, general, digestive)",
                "kb/symptoms.yaml:17:5: symptoms[2].category: unknown group 'cough' (use a code from groups:"
                " respiratory, general, digestive)",
            ],
            id="category-names-no-group",
        ),
        pytest.param(
            {"groups.yaml": None},
            [
                "kb/symptoms.yaml:2:5: symptoms[0]: symptoms need `groups` (add a `groups:` section listing the groups"
                " their `category` names (code and name {id, en}), in the order the form shows them)",
            ],
            id="no-groups-section",
        ),
        pytest.param(
            {
                "groups.yaml": """\
groups:
  - {code: respiratory, name: {id: Pernapasan, en: Breathing}}
  - {code: general, name: {id: Umum, en: General}}
  - {code: digestive, name: {id: Pencernaan, en: Digestion}}
  - {code: general, name: {id: Umum lagi, en: General again}}
"""
            },
            [
                "kb/groups.yaml:5:6: groups[3].code: duplicate group 'general' (first at kb/groups.yaml:3)"
                " (give each entry its own code)",
            ],
            id="duplicate-group",
        ),
        pytest.param(
            {
                "groups.yaml": """\
groups:
  - {code: respiratory, name: {id: Pernapasan, en: Breathing}}
  - {code: general, nama: {id: Umum, en: General}}
  - {code: digestive, name: {id: Pencernaan}}
"""
            },
            [
                "kb/groups.yaml:3:5: groups[1]: missing key 'name' (add `name:` to this entry)",
                "kb/groups.yaml:3:21: groups[1].nama: unknown key 'nama' (did you mean 'name'? allowed keys here:"
                " code, name)",
                "kb/groups.yaml:4:23: groups[2].name: missing key 'en' (add `en:` to this entry)",
            ],
            id="group-shape",
        ),
        pytest.param(
            {
                "groups.yaml": """\
groups:
  - {code: respiratory, name: {id: Pernapasan, en: Breathing}}
  - {code: general, name: {id: Umum, en: General}}
  - {code: 3 digestive, name: {id: Pencernaan, en: Digestion}}
"""
            },
            [
                "kb/groups.yaml:4:6: groups[2].code: '3 digestive' is not a valid code (a code starts with a letter"
                " and has only letters, digits, '-' and '_')",
                # Fixing the group's code fixes both.
                "kb/symptoms.yaml:17:5: symptoms[2].category: unknown group 'digestive' (did you mean '3 digestive'?"
                " use a code from groups: respiratory, general, 3 digestive)",
            ],
            id="bad-group-code",
        ),
    ],
)
def test_group_problems_name_file_line_key_and_fix(kb_dir, files, expected):
    with pytest.raises(kb.KBError) as info:
        kb.load(kb_dir(files))
    assert [str(p) for p in info.value.problems] == expected


def test_groups_keep_kb_order_with_their_symptoms_in_kb_order(kb_dir):
    loaded = kb.load(
        kb_dir(
            {
                "groups.yaml": """\
groups:
  - {code: digestive, name: {id: Pencernaan, en: Digestion}}
  - {code: respiratory, name: {id: Pernapasan, en: Breathing}}
  - {code: general, name: {id: Umum, en: General}}
""",
                "more.yaml": """\
symptoms:
  - code: GC04
    name: {id: Batuk, en: Cough}
    question: {id: "Batuk?", en: "Cough?"}
    category: respiratory
    cf: 0.6
    source: src
""",
            }
        )
    )
    assert [(g.code, [s.code for s in g.symptoms], str(g.loc)) for g in loaded.groups] == [
        ("digestive", ["GC03"], "kb/groups.yaml:2"),
        ("respiratory", ["GC04", "GC01"], "kb/groups.yaml:3"),
        ("general", ["GC02"], "kb/groups.yaml:4"),
    ]
    assert (loaded.group_name("respiratory").get("id"), loaded.group_name("respiratory").get("en")) == (
        "Pernapasan",
        "Breathing",
    )


def test_bundled_groups_cover_every_symptom_once():
    bundled = kb.load()
    assert [g.code for g in bundled.groups] == [
        "respiratory",
        "general",
        "digestive",
        "senses",
        "skin",
        "comorbidity",
        "exposure",
        "severity",
    ]
    grouped = [s.code for g in bundled.groups for s in g.symptoms]
    assert sorted(grouped) == sorted(s.code for s in bundled.symptoms)
    assert len(grouped) == len(set(grouped)) == 20


@pytest.mark.parametrize(
    "lang, expected",
    [
        pytest.param("id", "Umum", id="indonesian"),
        pytest.param("en", "General", id="english"),
        pytest.param("fr", "Umum", id="unknown-language-gets-the-default"),
        pytest.param(None, "Umum", id="no-language-gets-the-default"),
    ],
)
def test_text_in_a_language(lang, expected):
    assert Text("Umum", "General").get(lang) == expected


def test_every_check_module_is_registered_once_with_an_id_and_a_doc():
    modules = {name for _, name, _ in pkgutil.iter_modules(kb.checks.__path__)} - {"base"}
    assert {m.__name__.rsplit(".", 1)[1] for m in kb.checks.CHECKS} == modules
    ids = [m.ID for m in kb.checks.CHECKS]
    assert len(ids) == len(set(ids))
    assert all(m.__doc__ and m.check.__doc__ for m in kb.checks.CHECKS)
