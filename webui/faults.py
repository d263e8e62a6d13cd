"""Faults on our side: which ones mean "the database is unavailable for now", and how a fault is logged.

An outage (the database stopped, unreachable, or a SQLite write lock held past the busy timeout) is answered
503 with ``Retry-After`` (see :mod:`webui.errorpages`); anything else unexpected stays a 500.

Logs never hold health data: a fault is logged as ONE line, the exception's class and the first line of
its reason (the driver's own message, without SQLAlchemy's statement and parameters), plus the view it
happened in (never the URL: a result's URL is its receipt). The same line is written at most once every
``interval`` seconds per process, with how many were held back, so an outage of many requests writes a
bounded number of lines.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import has_request_context, request
from sqlalchemy import exc as sa

# The DB-API and pool errors that say "not now" rather than "this request is wrong" (PEP 249: OperationalError
# is "related to the database's operation and not necessarily under the control of the programmer", such as
# a lost connection or a lock; InterfaceError is the driver's own connection trouble).
OUTAGES = (sa.OperationalError, sa.InterfaceError, sa.DisconnectionError, sa.TimeoutError)
MAX_REASON = 160  # characters of an exception's reason in a log line
MAX_REMEMBERED = 1000  # distinct lines a process remembers for the rate limit
MARK = "pakar_one_line"  # set on a record once filtered


def is_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it was raised from) is the database being unavailable for now."""
    seen = 0
    while exc is not None and seen < 10:  # a short chain: `raise ... from exc` a few times at most
        if isinstance(exc, OUTAGES) or "database is locked" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def reason(exc: BaseException) -> str:
    """``Class: first line of the reason``: a SQLAlchemy error's driver message without the statement."""
    origin = getattr(exc, "orig", None) if isinstance(exc, sa.StatementError) else None
    text = str(origin if origin is not None else exc).strip()
    first = text.splitlines()[0].strip() if text else ""
    if len(first) > MAX_REASON:
        first = first[: MAX_REASON - 1] + "…"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class OneLine(logging.Filter):
    """Turns a record with a traceback into one line (see the module's doc) and rate-limits identical lines
    of level WARNING and above: at most one per ``interval`` seconds, the next one says how many were
    held back."""

    def __init__(self, interval: float = 10.0, clock=time.monotonic):
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, int]] = {}  # line -> (when last written, held back since)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, MARK, False):  # already let through by this filter on the way (logger, handler)
            return True
        setattr(record, MARK, True)
        if record.exc_info and record.exc_info[1] is not None:
            where = f" in {request.method} {request.endpoint or '-'}" if has_request_context() else ""
            record.msg = f"{record.getMessage()}{where}: {reason(record.exc_info[1])}"
            record.args = None
            record.exc_info = record.exc_text = record.stack_info = None
        if record.levelno < logging.WARNING:
            return True
        line = record.getMessage()
        now = self.clock()
        with self._lock:
            last, held = self._seen.get(line, (None, 0))
            if last is not None and now - last < self.interval:
                self._seen[line] = (last, held + 1)
                return False
            if len(self._seen) >= MAX_REMEMBERED:
                self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.interval}
            self._seen[line] = (now, 0)
        if held:
            record.msg, record.args = f"{line} ({held} more like it in the {self.interval:g} s before)", None
        return True


def init_app(app) -> None:
    """Log the app's faults as rate-limited single lines: on the app's logger, and on its handlers for the
    records of its child loggers (``webui.kbstate`` ...), which skip the parent logger's filters."""
    one_line = OneLine(float(app.config["LOG_REPEAT_SECONDS"]))
    # The logger (named after the app) and Flask's default handler are per process, not per app: the newest
    # app's filter replaces an earlier one (tests build many apps).
    for filtered in (app.logger, *app.logger.handlers):
        for old in [f for f in filtered.filters if isinstance(f, OneLine)]:
            filtered.removeFilter(old)
        filtered.addFilter(one_line)
