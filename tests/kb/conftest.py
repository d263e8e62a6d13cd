"""Fixtures for the loader tests: small KB directories written into a temporary directory.

The KB texts and the writer live in :mod:`testing.kbfiles`.
"""

from __future__ import annotations

import pytest

from testing.kbfiles import KBFactory


@pytest.fixture
def kb_dir(tmp_path, monkeypatch):
    """Factory for mini KB directories in ``tmp_path`` (see :class:`testing.kbfiles.KBFactory`).

    The working directory is ``tmp_path``, so problems name the files as ``kb/<file>.yaml``.
    """
    monkeypatch.chdir(tmp_path)
    yield KBFactory(tmp_path)
