"""webui/ talks to the engine only through kb and rules: it never imports Experta itself."""

from __future__ import annotations

import ast
import pathlib

import pytest

WEBUI = pathlib.Path(__file__).resolve().parents[2] / "webui"
MODULES = sorted(p for p in WEBUI.rglob("*.py") if "migrations" not in p.parts)


def _imported_names(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_there_are_modules_to_check():
    assert len(MODULES) >= 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(WEBUI)))
def test_no_experta_or_engine_internals(path):
    names = _imported_names(path)
    forbidden = {
        n
        for n in names
        if n.split(".")[0] == "experta" or n in ("rules.engine", "rules.engine._experta", "rules.matcher")
    }
    assert forbidden == set()
