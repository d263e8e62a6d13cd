"""A bounded per-process memo of consultation results: the same request, KB version and engine give the
same result (the engine is deterministic: :mod:`rules.engine.strategy`), so a repeated request need not run
the engine again.

Keyed by (KB content hash and path, whether the trace is asked for, the request as sent: every value with
its exact type, key order kept, so that ``1``, ``1.0`` and ``"1"`` differ). A result is kept as a private copy, and each
hit returns a fresh copy of that (dicts, lists and tuples copied, their immutable leaves shared), which the
caller may mutate (``webui.knowledge.answer`` rewrites the hotline). Requests that fail are not kept.

The engine's code is part of what makes a result; it is fixed for the life of a process, and the memo
lives no longer than the process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from kb.model import KnowledgeBase

DEFAULT_SIZE = 1024  # results kept per process (a diagnosis with its trace holds some 30 kB)


_LEAVES = (str, int, bool, type(None))
_BY_TEXT = (float, Decimal, Fraction)  # kept by their text: 0.0 and -0.0, or 0.8 and 0.80, may echo differently


def _canonical(value):
    """``value`` as a hashable tuple that keeps each leaf's exact type (so ``1``, ``1.0``, ``True``, ``"1"``
    and ``Decimal("1")`` all differ) and each mapping's key order; TypeError for anything else."""
    kind = type(value)
    if kind is dict:
        return (dict, tuple((_canonical(key), _canonical(item)) for key, item in value.items()))
    if kind is list:
        return (list, tuple(_canonical(item) for item in value))
    if kind in _LEAVES:
        return (kind, value)
    if kind in _BY_TEXT:
        return (kind, repr(value) if kind is float else str(value))
    raise TypeError(kind.__name__)


def request_key(raw) -> tuple | None:
    """The request's memo key, or None when it holds something else than JSON's values and exact numbers
    (then it is not memoised)."""
    try:
        return _canonical(raw)
    except TypeError:
        return None


def copy_result(value):
    """A copy of a JSON-ready result that shares nothing mutable with it (4x faster than copy.deepcopy)."""
    kind = type(value)
    if kind is dict:
        return {key: copy_result(item) for key, item in value.items()}
    if kind is list:
        return [copy_result(item) for item in value]
    if kind is tuple:
        return tuple(copy_result(item) for item in value)
    return value  # str, int, float, bool, None: immutable


class ResultMemo:
    """A thread-safe LRU of results; counts hits and misses."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._results: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def answer(self, kb: KnowledgeBase, trace: bool, raw, compute: Callable[[], dict]) -> dict:
        """The result for ``raw``: a fresh copy of a kept one, else ``compute()`` (and a copy of it is kept)."""
        if self.size <= 0:
            return compute()
        request = request_key(raw)
        if request is None:
            return compute()
        # The KB's path too: the trace cites file:line, and the same content may be loaded from two places.
        key = (kb.version, kb.path, trace, request)
        with self._lock:
            kept = self._results.get(key)
            if kept is not None:
                self._results.move_to_end(key)
                self.hits += 1
        if kept is not None:
            return copy_result(kept)
        result = compute()
        kept = copy_result(result)  # the caller may change what it gets
        with self._lock:
            self.misses += 1
            self._results[key] = kept
            self._results.move_to_end(key)
            while len(self._results) > self.size:
                self._results.popitem(last=False)
        return result

    def clear(self) -> None:
        """Forget every result and reset the counters."""
        with self._lock:
            self._results.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._results)


memo = ResultMemo()
"""The process's memo, used by :func:`rules.consult`."""
