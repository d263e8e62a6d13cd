"""Import Experta without its side effects on the application's logging, or say in one line how to install it.

Experta calls ``logging.basicConfig()`` at import, which installs a root handler; with a root logger at
INFO its watchers would format every match and firing, doubling a consultation's cost. We import it
once here, take that handler back out, and pin Experta's own loggers at WARNING unless tracing is asked
for with :func:`watch`.

Experta cannot be a declared dependency of the package: 1.9.4 pins ``frozendict==1.2``, which does not
import on Python >= 3.10. When it is missing (or installed with that pin), importing this module raises
:class:`ExpertaMissingError`, whose message is the two-step recipe, and a program that does not catch it
(``pakar``, ``python -m rules``, a script calling ``create_app``) prints that one line and exits with 2
instead of a traceback.
"""

from __future__ import annotations

import logging
import os
import sys

INSTALL = (
    "Experta is not installed (or not usable): install it in two steps, because its own pin"
    " frozendict==1.2 breaks on Python >= 3.10: pip install 'frozendict>=2.3' 'schema>=0.7'"
    " && pip install --no-deps experta==1.9.4"
)
EXIT_UNUSABLE = 2  # the CLI's "could not run" status (rules.cli)


class ExpertaMissingError(ImportError):
    """Experta cannot be imported; the message says how to install it."""


def _one_line_then_exit(previous):
    """An excepthook that turns an uncaught :class:`ExpertaMissingError` into one line and exit status 2.

    The import fails while ``rules`` itself is being imported, before any ``main()`` could catch it, so
    the process-wide hook is the one place left; every other exception goes to the previous hook.
    """

    def hook(exc_type, exc, tb):
        if not issubclass(exc_type, ExpertaMissingError):
            previous(exc_type, exc, tb)
            return
        print(f"pakar: {exc}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        # sys.exit() inside an excepthook is reported as an error in the hook; nothing has run yet that an
        # atexit handler would need to finish, so leaving at once is safe.
        os._exit(EXIT_UNUSABLE)

    return hook


_root = logging.getLogger()
_before = list(_root.handlers)
try:
    import experta
    from experta import watchers
except ImportError as exc:
    # Also frozendict 1.2's own ImportError on Python >= 3.10 (experta installed with its dependencies).
    sys.excepthook = _one_line_then_exit(sys.excepthook)
    raise ExpertaMissingError(INSTALL) from exc

for _handler in list(_root.handlers):
    if _handler not in _before:
        _root.removeHandler(_handler)
logging.getLogger("experta").setLevel(logging.WARNING)
for _name in watchers.ALL:
    getattr(watchers, _name).setLevel(logging.WARNING)


watching = False
"""Whether :func:`watch` was called: Pakar's matcher nodes format their debug lines only then."""


def watch(level=logging.DEBUG):
    """Turn Experta's own watchers on (for debugging a KB); they log through the 'experta' logger."""
    global watching
    watching = True
    logging.getLogger("experta").setLevel(level)
    watchers.watch(level=level)


__all__ = ["INSTALL", "ExpertaMissingError", "experta", "watch"]
