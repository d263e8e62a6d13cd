"""The app gunicorn's workers serve: ``create_app()``, or a 503 until it can be built.

gunicorn's master stops altogether (taking the healthy workers with it) when a new worker fails to boot. A
worker starts at every respawn (a crash, a timeout, ``max_requests``, SIGHUP), and building the app can fail
for reasons that pass (the database restarting, a KB that cannot be read): such a worker answers 503 with
``Retry-After`` and tries again, at most every few seconds, until the app builds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from webui.serving.settings import INSTANCE_ENV

# gunicorn configures this logger in its workers (stderr, which the launcher writes to the log file).
log = logging.getLogger("gunicorn.error")

RETRY_SECONDS = 5
# Both languages at once: without the app there is no request language, translation catalogue or template.
UNAVAILABLE = (
    b"Pakar sedang tidak tersedia. Silakan coba lagi dalam beberapa detik.\n"
    b"Pakar is unavailable. Please try again in a few seconds.\n"
)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class Starting:
    """A WSGI app that builds the real one on first use, answering 503 for as long as that fails."""

    def __init__(self, build: Callable[[], WSGIApp]) -> None:
        self._build = build
        self._app: WSGIApp | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()

    def ready(self) -> WSGIApp | None:
        """The real app, built now if it is time to try; None while it cannot be built."""
        if self._app is not None:
            return self._app
        with self._lock:
            if self._app is None and time.monotonic() >= self._next_try:
                try:
                    self._app = self._build()
                except Exception as exc:
                    self._next_try = time.monotonic() + RETRY_SECONDS
                    first = (str(exc).strip().splitlines() or [""])[0]
                    log.error("the app cannot start (%s: %s); answering 503", type(exc).__name__, first[:300])
        return self._app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        app = self.ready()
        if app is not None:
            return app(environ, start_response)
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(UNAVAILABLE))),
                ("Retry-After", str(RETRY_SECONDS)),
                ("Cache-Control", "no-store"),
            ],
        )
        return [UNAVAILABLE]


def create() -> Starting:
    """gunicorn's app (``webui.serving.wsgi:create()``): the app on the launcher's instance folder."""

    def build() -> WSGIApp:
        from webui import create_app

        return create_app(instance_path=os.environ.get(INSTANCE_ENV) or None)

    starting = Starting(build)
    starting.ready()  # build at boot, as gunicorn would, so the first request does not wait for it
    return starting
