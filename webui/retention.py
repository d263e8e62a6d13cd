"""Keep the retention promise without relying on a cron job: old results are purged as the app runs.

After a consultation is stored, a process purges results older than ``RETENTION_DAYS`` when it has not done
so for ``PURGE_INTERVAL`` seconds. ``flask --app webui purge`` does the same on demand. A failed purge is
logged and retried later; it never costs the person their result.
"""

from __future__ import annotations

import threading
import time

from flask import current_app

from webui import store

_lock = threading.Lock()
_last: dict[str, float] = {}  # per database URL: when this process last purged (monotonic seconds)


def purge_if_due(now: float | None = None) -> int | None:
    """Purge when due; return how many rows went, or None when it was not due (or failed)."""
    cfg = current_app.config
    interval = cfg.get("PURGE_INTERVAL")
    if not interval or interval < 0:
        return None
    now = time.monotonic() if now is None else now
    key = str(cfg["SQLALCHEMY_DATABASE_URI"])
    with _lock:
        last = _last.get(key)
        if last is not None and now - last < interval:
            return None
        _last[key] = now
    try:
        return store.purge(int(cfg["RETENTION_DAYS"]))
    except Exception:  # the consultation is stored; the purge retries at the next interval
        current_app.logger.exception("automatic purge failed")
        return None
