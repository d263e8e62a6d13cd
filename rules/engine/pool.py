"""One engine per thread and KB version: Experta engines keep per-run state and must not be shared.

The first consultation on a thread builds the engine (the Rete network); later ones reuse it, and
each consultation starts with ``reset()``. Engines of KB versions no longer served are dropped when a
thread meets a new version, so a republished KB does not leak old networks.
"""

from __future__ import annotations

import threading

from rules.engine.engines import build_engine

_local = threading.local()


def engine_for(kb, mode: str):
    """This thread's engine for ``kb`` and ``mode``."""
    engines = getattr(_local, "engines", None)
    if engines is None:
        engines = _local.engines = {}
    key = (kb.version, mode)
    engine = engines.get(key)
    if engine is None:
        for old in [k for k in engines if k[0] != kb.version]:
            del engines[old]
        engine = engines[key] = build_engine(kb, mode)
    return engine
