"""The launcher's log: both servers' output, without request paths, in daily files kept ``RETENTION_DAYS``.

Only the launcher writes ``instance/logs/pakar.log`` (nginx and gunicorn write to pipes it reads), so the daily
rotation needs no lock between processes. Result URLs are receipts and health data must not reach the logs:
every line passes :func:`scrub` first, which removes what nginx's error lines quote of the request (request
line, upstream URL, referrer, the client's address) and any receipt-shaped path from whatever else prints it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path

LOG_NAME = "pakar.log"
WITHHELD = "(withheld)"

# nginx's error lines end with `, request: "POST /r/<token>/delete HTTP/1.1", upstream: "http://unix:…:/r/…",
# host: "…", referrer: "…"`; the request line, upstream URL and referrer carry the path (a receipt).
_QUOTED = re.compile(r'\b(request|upstream|referrer): "(?:[^"\\]|\\.)*"')
# nginx's `client: 203.0.113.5,`: the privacy page promises that addresses are not kept.
_CLIENT = re.compile(r"\bclient: [^,\s]+")
# gunicorn: "Error handling request /r/<token>" (the rest of its message is the exception).
_GUNICORN_PATH = re.compile(r"(Error handling request) \S+")
# Anything else shaped like a receipt in a path: /r/<24 URL-safe characters>, /consultations/<same>.
_TOKEN_PATH = re.compile(r"/(r|consultations)/[A-Za-z0-9_-]{24}(?![A-Za-z0-9_-])")


def scrub(line: str) -> str:
    """``line`` without request paths or receipt tokens (one line in, one line out)."""
    line = _QUOTED.sub(lambda m: f'{m.group(1)}: "{WITHHELD}"', line)
    line = _CLIENT.sub(f"client: {WITHHELD}", line)
    line = _GUNICORN_PATH.sub(rf"\1 {WITHHELD}", line)
    return _TOKEN_PATH.sub(rf"/\1/{WITHHELD}", line)


class RetentionFileHandler(TimedRotatingFileHandler):
    """A new file each UTC day (``pakar.log``, then ``pakar.log.YYYY-MM-DD``), at most ``days`` files in all:
    a rotated file whose day is ``days`` or more days ago is deleted, so no line outlives the retention period
    (by more than the day it was written on). ``days`` 0 keeps only the current file."""

    def __init__(self, path: Path, days: int) -> None:
        self.days = days
        super().__init__(path, when="midnight", utc=True, backupCount=0, encoding="utf-8", delay=False)

    def doRollover(self) -> None:  # noqa: N802 (logging's name)
        super().doRollover()
        self.expire()

    def expire(self, now: datetime | None = None) -> list[Path]:
        """Delete rotated files older than the retention period; return them."""
        today = (now or datetime.now(timezone.utc)).date()
        keep_from = today - timedelta(days=max(self.days - 1, 0))
        base = Path(self.baseFilename)
        gone = []
        for path in base.parent.glob(base.name + ".*"):
            try:
                day = datetime.strptime(path.name[len(base.name) + 1 :], "%Y-%m-%d").date()
            except ValueError:
                continue  # not one of ours
            if self.days == 0 or day < keep_from:
                path.unlink(missing_ok=True)
                gone.append(path)
        return gone

    def tick(self) -> None:
        """Rotate at midnight even when nothing is written (the launcher calls this every minute)."""
        if self.shouldRollover(None):  # type: ignore[arg-type]  # a time check; the record is not read
            self.doRollover()


class _UTCFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


def open_log(log_dir: Path, days: int, *, echo: bool = True) -> tuple[logging.Logger, RetentionFileHandler]:
    """The launcher's logger: ``<UTC time> <source>: <line>`` to the file, and to stderr when ``echo``."""
    os.makedirs(log_dir, mode=0o750, exist_ok=True)
    logger = logging.getLogger("pakar.serve")
    logger.handlers.clear()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    formatter = _UTCFormatter("%(asctime)s %(source)s: %(message)s")
    handler = RetentionFileHandler(log_dir / LOG_NAME, days)
    handler.setFormatter(formatter)
    handler.expire()  # files left from an earlier run may already be too old
    logger.addHandler(handler)
    if echo:
        terminal = logging.StreamHandler(sys.stderr)
        terminal.setFormatter(formatter)
        logger.addHandler(terminal)
    return logger, handler


class Limiter:
    """At most ``lines`` lines per source in each ``seconds`` window; the rest are counted, not written, and
    the count is reported with the source's first line after the window (a flood of refused requests must not
    fill the disk)."""

    def __init__(self, lines: int = 200, seconds: float = 10.0, clock=time.monotonic) -> None:
        self.lines, self.seconds, self.clock = lines, seconds, clock
        self._windows: dict[str, tuple[float, int]] = {}  # source -> (window start, lines seen in it)

    def allow(self, source: str) -> tuple[bool, int]:
        """Whether a line from ``source`` may be written now, and how many of its lines the last window
        dropped (to be reported now; 0 when none)."""
        now = self.clock()
        start, seen = self._windows.get(source, (now, 0))
        dropped = 0
        if now - start >= self.seconds:
            dropped = max(seen - self.lines, 0)
            start, seen = now, 0
        self._windows[source] = (start, seen + 1)
        return seen < self.lines, dropped


def write(logger: logging.Logger, source: str, line: str) -> None:
    """One scrubbed line from ``source`` ("nginx", "gunicorn", "serve")."""
    logger.info(scrub(line.rstrip("\r\n")), extra={"source": source})
