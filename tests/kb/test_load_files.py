"""kb.read_files and kb.load_files: a KB as its files' texts (a KB version in the database) goes through the
same loader as a directory, and its problems name ``<name>.yaml:line:col``."""

from __future__ import annotations

import pytest

import kb as kbase
from kb import KBError
from testing.kbfiles import BASE, OPTIONAL
from tests.kb.test_loader_errors import ROWS


def _problems(files, origin: str = "") -> list[str]:
    with pytest.raises(KBError) as info:
        kbase.load_files(files, origin)
    return [str(p) for p in info.value.problems]


def _mapping(files) -> dict[str, str]:
    """BASE with ``files`` replacing, adding (text) or dropping (None) files, as KBFactory writes them."""
    content = {**BASE, **files}
    return {name: text for name, text in content.items() if text is not None}


def test_the_bundled_kb_from_its_texts_is_the_bundled_kb(bundled_kb):
    files = kbase.read_files()
    assert list(files) == sorted(p.name for p in kbase.bundled_path().glob("*.yaml"))
    assert files["kb.yaml"] == (kbase.bundled_path() / "kb.yaml").read_text(encoding="utf-8")
    loaded = kbase.load_files(files)
    assert loaded.version == bundled_kb.version
    assert (loaded.label, loaded.path, loaded.files) == (bundled_kb.label, "", tuple(sorted(files)))
    assert [(q.code, q.loc.line) for q in loaded.questions] == [(q.code, q.loc.line) for q in bundled_kb.questions]
    assert {q.loc.path for q in loaded.questions} == {"screening.yaml"}
    # With an origin, the KB names its files below it, as a directory load does.
    assert kbase.load_files(files, "kb/covid19").files == tuple(f"kb/covid19/{name}" for name in sorted(files))


def test_formatting_does_not_change_the_version():
    """The version is the content's hash: a file split in two or re-indented is the same KB."""
    files = _mapping(OPTIONAL)
    split = {**files, "kb.yaml": files["kb.yaml"] + "\n\n# a comment\n"}
    assert kbase.load_files(split).version == kbase.load_files(files).version
    changed = {**files, "symptoms.yaml": files["symptoms.yaml"].replace("cf: 1.0", "cf: 0.8", 1)}
    assert changed["symptoms.yaml"] != files["symptoms.yaml"]
    assert kbase.load_files(changed).version != kbase.load_files(files).version


TEXT_ROWS = [row for row in ROWS if not any(isinstance(text, bytes) for text in row.values[0].values())]


@pytest.mark.parametrize("files, expected", TEXT_ROWS)
def test_every_loader_problem_names_the_file_as_given(kb_dir, files, expected):
    """Each broken KB of the loader's error table gives the same problems from its texts as from its
    directory: ``<name>.yaml:line:col`` without an origin, below the origin with one."""
    with pytest.raises(KBError) as info:
        kbase.load(kb_dir(files))
    from_directory = [str(p) for p in info.value.problems]
    assert _problems(_mapping(files)) == [text.replace("kb/", "") for text in from_directory]
    assert _problems(_mapping(files), "kb") == from_directory


def test_a_problem_reads_as_name_line_col():
    files = _mapping({"rules.yaml": BASE["rules.yaml"].replace("then: PC01", "then: PC09", 1)})
    assert _problems(files) == [
        "rules.yaml:4:5: rules[0].then: unknown hypothesis or finding 'PC09' (did you mean 'PC02'? declare it"
        " under hypotheses or findings)"
    ]


@pytest.mark.parametrize(
    "files, expected",
    [
        pytest.param({}, ["kb:1:1: no *.yaml files (a KB is a set of YAML files)"], id="no-files"),
        pytest.param(
            {**BASE, "notes.txt": "x"},
            ["notes.txt:1:1: not a KB file name (name KB files <name>.yaml)"],
            id="not-yaml",
        ),
        pytest.param(
            {**BASE, "../kb.yaml": "x"},
            ["../kb.yaml:1:1: not a KB file name (name KB files <name>.yaml)"],
            id="a-path",
        ),
        pytest.param(
            {**BASE, ".hidden.yaml": "x"},
            [".hidden.yaml:1:1: not a KB file name (name KB files <name>.yaml)"],
            id="hidden",
        ),
        pytest.param({**BASE, "x.yaml": b"x: 1"}, ["x.yaml:1:1: not text (give each file's YAML text)"], id="bytes"),
    ],
)
def test_what_is_not_a_set_of_kb_files(files, expected):
    assert _problems(files) == expected


def test_read_files_refuses_what_is_not_a_kb_directory(tmp_path):
    with pytest.raises(KBError) as info:
        kbase.read_files(tmp_path / "missing")
    assert [p.message for p in info.value.problems] == ["not a KB directory"]


def test_read_files_refuses_a_file_that_is_not_utf8(kb_dir):
    path = kb_dir({"notes.yaml": b"findings: []\n# caf\xe9 au lait\n"})
    with pytest.raises(KBError) as info:
        kbase.read_files(path)
    assert [str(p) for p in info.value.problems] == [
        "kb/notes.yaml:2:6: not UTF-8 text (invalid continuation byte) (save the file as UTF-8)"
    ]


def test_read_files_reads_only_the_yaml_files_in_name_order(kb_dir):
    path = kb_dir(screening=True)
    (path / "README.txt").write_text("not part of the KB\n", encoding="utf-8")
    files = kbase.read_files(path)
    assert list(files) == sorted({**BASE, "screening.yaml": ""})
    assert files["screening.yaml"] == OPTIONAL["screening.yaml"]
