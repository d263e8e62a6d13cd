"""Fixtures for the engine tests: small KBs of their own, written and loaded (see :mod:`testing.kbfiles`)."""

from __future__ import annotations

import pytest

import kb
from testing.kbfiles import EVERY_FEATURE_KB, feature_kb_files, write_kb


@pytest.fixture
def feature_kb(tmp_path, monkeypatch):
    """Factory: ``feature_kb(RULES, findings=None)`` writes a feature KB (symptoms A..E, hypotheses H1, H2)
    with those rules into ``tmp_path`` (also the working directory) and returns it loaded."""
    monkeypatch.chdir(tmp_path)

    def make(rules: str, findings: str | None = None, name: str = "kb"):
        return kb.load(write_kb(tmp_path / name, feature_kb_files(rules, findings)))

    yield make


@pytest.fixture(scope="session")
def every_feature_kb(tmp_path_factory):
    """:data:`testing.kbfiles.EVERY_FEATURE_KB`, loaded (all/any, chaining, evidence against, a threshold)."""
    yield kb.load(write_kb(tmp_path_factory.mktemp("every-feature") / "kb", {"kb.yaml": EVERY_FEATURE_KB}))
