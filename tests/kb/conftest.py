"""A small, valid KB written file by file into a temporary directory, for the loader tests.

``kb_dir`` yields a factory: ``kb_dir({"rules.yaml": TEXT, "scale.yaml": None}, screening=True)`` writes
the base KB below, replaces (or adds) the files given as text (``bytes`` are written as they are), drops
the files given as ``None``, and returns the KB directory ``<tmp>/kb``. The working directory is the
temporary directory, so problems name the files as ``kb/<file>.yaml``.

Each test that expects a problem at a line writes the broken file in full, as a literal string in the
test module, so the expected line can be read off the test itself.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from mini_kb import BASE, OPTIONAL

class KBFactory:
    """Writes KB directories below one temporary directory."""

    base = dict(BASE)
    optional = dict(OPTIONAL)

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, files=None, *, screening=False, cases=False, name="kb") -> Path:
        content = dict(BASE)
        if screening:
            content["screening.yaml"] = OPTIONAL["screening.yaml"]
        if cases:
            content["cases.yaml"] = OPTIONAL["cases.yaml"]
        content.update(files or {})
        target = self.root / name
        target.mkdir()
        for file_name, text in content.items():
            if text is None:
                continue
            path = target / file_name
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        return target


@pytest.fixture
def kb_dir(tmp_path, monkeypatch):
    """Factory for small KB directories in ``tmp_path`` (which is also the working directory)."""
    monkeypatch.chdir(tmp_path)
    yield KBFactory(tmp_path)
