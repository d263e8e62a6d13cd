"""Import Experta without its side effects on the application's logging.

Experta calls ``logging.basicConfig()`` at import, which installs a root handler; with a root logger at
INFO its watchers would format every match and firing, doubling a consultation's cost. We import it
once here, take that handler back out, and pin Experta's own loggers at WARNING unless tracing is asked
for with :func:`watch`.
"""
from __future__ import annotations

import logging

_root = logging.getLogger()
_before = list(_root.handlers)
import experta  # noqa: E402  (must come after the snapshot above)
from experta import watchers  # noqa: E402

for _handler in list(_root.handlers):
    if _handler not in _before:
        _root.removeHandler(_handler)
logging.getLogger("experta").setLevel(logging.WARNING)
for _name in watchers.ALL:
    getattr(watchers, _name).setLevel(logging.WARNING)


def watch(level=logging.DEBUG):
    """Turn Experta's own watchers on (for debugging a KB); they log through the 'experta' logger."""
    logging.getLogger("experta").setLevel(level)
    watchers.watch(level=level)


__all__ = ["experta", "watch"]
