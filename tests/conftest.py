"""Shared fixtures: the bundled KB and engines built from it (the real Experta engine, never a mock)."""

from __future__ import annotations

import pytest

import kb as kbase
from rules.engine.engines import build_engine
from testing.kbcache import LoadCache
from testing.kbfiles import copy_bundled_kb


@pytest.fixture(scope="session", autouse=True)
def kb_loaded_once_per_content():
    """Every ``kb.load`` of a session (apps, the CLI run in-process, reports) shares one load per KB
    content, as the apps of one process would (see :mod:`testing.kbcache`); failures are never cached."""
    cache = LoadCache(kbase.load)
    kbase.load = cache
    yield cache.loaded
    kbase.load = cache.real


@pytest.fixture(scope="session")
def bundled_kb():
    yield kbase.load()


@pytest.fixture
def kb(bundled_kb):
    yield bundled_kb


@pytest.fixture
def engine(bundled_kb):
    """A fresh diagnosis engine for the bundled KB."""
    yield build_engine(bundled_kb, "diagnosis")


@pytest.fixture
def screening_engine(bundled_kb):
    yield build_engine(bundled_kb, "screening")


@pytest.fixture
def kb_copy(tmp_path):
    """A copy of the bundled KB at ``tmp_path / "kb"`` that a test may change (see ``testing.kbfiles.replace_in``)."""
    yield copy_bundled_kb(tmp_path / "kb")
