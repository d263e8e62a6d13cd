"""One KB load per KB *content* for a whole test session, as the apps of one process would share it.

Loading the KB (YAML, schema, cross-checks) is most of an app's start-up, and nearly every web test builds
an app. A KB whose files changed is loaded again (the key is a hash of the bytes of its ``*.yaml`` files),
and failures are never cached, so the loader's error tests see every problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import kb


class LoadCache:
    """A stand-in for :func:`kb.load` that calls ``real`` once per directory and content."""

    def __init__(self, real: Callable = kb.load):
        self.real = real
        self.loaded: dict[tuple[str, str], object] = {}

    def __call__(self, path=None):
        root = Path(path) if path is not None else kb.loader.BUNDLED
        if not root.is_dir():
            return self.real(path)  # the loader's own error, never cached
        digest = hashlib.sha256()
        for file in sorted(root.glob("*.yaml")):
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        key = (str(root.resolve()), digest.hexdigest())
        if key not in self.loaded:
            self.loaded[key] = self.real(path)
        return self.loaded[key]
