"""Rate limits per client address (Flask-Limiter): stored consultations, PDFs, and every other request.

The client is ``request.remote_addr``: behind nginx the serving launcher sets ``PROXY_COUNT=1``, and
ProxyFix puts the real client's address there. The limits are settings (``RATELIMIT_*`` in
:mod:`webui.config`):

- ``RATELIMIT_CONSULTATIONS``: the posts that may store a result (the API's and the web forms' that end a
  consultation) share one count per client. Only a post that stored a result counts; once the count is
  used up, every such post is refused.
- ``RATELIMIT_PDF``: result PDFs (the view in :mod:`webui.results`).
- ``RATELIMIT_DEFAULT`` (Flask-Limiter's own setting): every other request, except ``/healthz`` and the
  static files.

The counts live in ``RATELIMIT_STORAGE_URI``. ``memory://`` keeps them in each process, so N workers allow
up to N times each limit; a shared store (``redis://``, ``memcached://``) makes a limit hold for the server.

A refused request gets 429 with ``Retry-After`` and a message in its language: under ``/api/`` the JSON error
``rate_limited``; on the web the form again, filled in, with the message (where the post came from one of
our forms), else a short page that keeps the emergency number in view.

Other views take a limit with :func:`limit`; several windows go in one string::

    @bp.post("/login")
    @limits.limit("5/minute;20/hour", key=lambda: request.form.get("name", ""))
    def login(): ...
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from babel.dates import format_timedelta
from flask import Flask, current_app, request, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from werkzeug.exceptions import HTTPException

from kb.languages import DEFAULT_LANGUAGE, supported
from rules.i18n import language
from rules.messages import message
from webui.errors import StartupError
from webui.i18n import current_lang

EXT_KEY = "pakar.limits"
CONSULTATIONS = "consultations"  # the shared scope of every post that may store a result
ATTR = "pakar_limit"  # on a view decorated with limit(): (the undecorated view, its Rule)
FALLBACK_WAIT = 60  # seconds, when the refused limit's window cannot be read

client = get_remote_address
"""The key of every limit unless a view names another: the client's address (after ProxyFix)."""


@dataclass(frozen=True)
class Rule:
    """One view's limit: the limit string (or a callable giving it), what it counts per (default: the
    client's address), a scope shared with other views, the methods it applies to, and which responses
    count (default: every request)."""

    value: str | Callable[[], str]
    key: Callable[[], str] | None = None
    scope: str | None = None
    methods: tuple[str, ...] | None = None
    counts: Callable | None = None


def setting(name: str) -> Callable[[], str]:
    """A limit read from the app's setting ``name`` at each request (so instance config and env apply)."""
    return lambda: current_app.config[name]


def limit(
    value: str | Callable[[], str],
    *,
    key: Callable[[], str] | None = None,
    scope: str | None = None,
    methods: tuple[str, ...] | None = None,
    counts: Callable | None = None,
):
    """Decorate a view with a rate limit (see :class:`Rule`); one per view, several windows in ``value``.

    The limit is bound to each app by :func:`init_app`, whatever the order in which blueprints are
    registered; in an app without it the view is not limited.
    """
    rule = Rule(value, key, scope, tuple(methods) if methods else None, counts)

    def decorate(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            bound = current_app.extensions.get(EXT_KEY)
            if bound is None:
                return view(*args, **kwargs)
            return bound.wrapped(view, rule)(*args, **kwargs)

        setattr(limited, ATTR, (view, rule))
        return limited

    return decorate


def stored_a_result(response) -> bool:
    """Whether ``response`` ends a consultation that was stored: the API's 201, or the web's redirect to a
    receipt (which is what counts against ``RATELIMIT_CONSULTATIONS``)."""
    if response.status_code == 201:
        return True
    if response.status_code not in (302, 303) or not response.location:
        return False
    receipts = url_for("results.show", token="x")[: -len("x")]  # "/r/" (under the app's prefix, if any)
    return urlsplit(response.location).path.startswith(receipts)


# The views of other modules that may store a result, limited together (see the module docstring).
STORING = ("api.create", "screening.start", "screening.step", "diagnosis.start", "diagnosis.form")
CONSULTATION_RULE = Rule(
    setting("RATELIMIT_CONSULTATIONS"), scope=CONSULTATIONS, methods=("POST",), counts=stored_a_result
)
# Never limited: the load balancer's probe, and the report's stylesheet (a static file in all but name).
EXEMPT = ("health.healthz", "pages.report_css")


class _Bound:
    """One app's Flask-Limiter and the views it limits. A Limiter holds one app's storage and settings,
    so each app gets its own (the tests make many apps in one process)."""

    def __init__(self, limiter: Limiter):
        self.limiter = limiter
        self._views: dict = {}
        self._lock = threading.Lock()

    def wrapped(self, view, rule: Rule):
        """``view`` wrapped by this app's limiter with ``rule`` (made once: Flask-Limiter registers a
        limit per wrapping, and a second registration would count each request twice)."""
        with self._lock:
            found = self._views.get(view)
            if found is None:
                key = rule.key or client
                methods = list(rule.methods) if rule.methods else None
                if rule.scope:
                    route_limit = self.limiter.shared_limit(
                        rule.value, rule.scope, key_func=key, methods=methods, deduct_when=rule.counts
                    )
                else:
                    route_limit = self.limiter.limit(rule.value, key_func=key, methods=methods, deduct_when=rule.counts)
                found = self._views[view] = route_limit(view)
        return found

    def retry_after(self) -> int:
        """Seconds until the limit this request broke lets the client in again."""
        current = self.limiter.current_limit
        if current is None:
            return FALLBACK_WAIT
        reset = current.window[0]  # when the broken limit's window ends (epoch seconds)
        return max(1, math.ceil(reset - time.time()))


class ProcessStorage(MemoryStorage):
    """``memory://`` without a thread per request. limits' MemoryStorage starts a timer thread to drop
    expired counts after almost every hit (measured: 0.7 ms of CPU a request, half a stored consultation's
    budget); a count is checked for expiry whenever it is read anyway, so here the expired ones are dropped
    inline, at most once a second."""

    STORAGE_SCHEME = ["pakar-memory"]  # noqa: RUF012 - the type limits declares (its registry reads it)
    SWEEP_SECONDS = 1.0
    _next_sweep = 0.0

    # limits calls its private self.__schedule_expiry() before each hit; this replaces it (limits is pinned).
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the name-mangled method replaced
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Bind the limits to ``app``: the table above and every view decorated with :func:`limit`. Called
    after the blueprints are registered (the table names their endpoints)."""
    in_process = app.config.get("RATELIMIT_STORAGE_URI") == "memory://"
    # Settings: RATELIMIT_* of the app's config; memory:// is served by ProcessStorage.
    limiter = Limiter(key_func=client, storage_uri="pakar-memory://" if in_process else None)
    limiter.init_app(app)
    bound = _Bound(limiter)
    app.extensions[EXT_KEY] = bound
    for endpoint in STORING:
        view = app.view_functions.get(endpoint)
        if view is None:  # renamed elsewhere: refuse to start rather than leave a post unlimited
            raise StartupError(f"webui.limits: no view {endpoint!r} to limit")
        app.view_functions[endpoint] = bound.wrapped(view, CONSULTATION_RULE)
    for endpoint in EXEMPT:
        limiter.exempt(app.view_functions[endpoint])
    for view in app.view_functions.values():
        marked = getattr(view, ATTR, None)
        if marked is not None:  # registered now, so that the first request already sees its own limit
            bound.wrapped(*marked)
    app.register_error_handler(RateLimitExceeded, _refused)


def wait_text(seconds: int, lang: str) -> str:
    """How long to wait, in words of ``lang`` ("45 detik", "2 minutes")."""
    return format_timedelta(timedelta(seconds=seconds), locale=language(lang))


def _api_lang() -> str:
    """The language of an API error: the JSON body's ``lang``, else the ``lang`` query parameter."""
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except HTTPException:  # a body over MAX_CONTENT_LENGTH: the query parameter decides
        body = None
    for lang in ((body or {}).get("lang") if isinstance(body, dict) else None, request.args.get("lang")):
        if isinstance(lang, str) and supported(lang):
            return lang
    return DEFAULT_LANGUAGE


def _refused(exc: RateLimitExceeded):
    """The 429: JSON under ``/api/``, the form again or a short page elsewhere; always with Retry-After."""
    from webui import api, errorpages

    seconds = current_app.extensions[EXT_KEY].retry_after()
    if request.path.startswith("/api/"):
        lang = _api_lang()
        response = api.error(429, "rate_limited", message("rate_limited", lang, wait=wait_text(seconds, lang)))
    else:
        text = message("rate_limited", current_lang(), wait=wait_text(seconds, current_lang()))
        # The form the post came from, filled in with what was sent (the same as after a refused CSRF token).
        again = errorpages._FORM_AGAIN.get(request.endpoint or "") if request.method == "POST" else None
        shown = again(text) if again is not None else None
        response = shown if shown is not None else try_later(_("Too many requests"), text, 429)
        response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def try_later(title: str, text: str, status: int, back: str | None = None):
    """A short page asking to try again later (a refused request, a busy server), emergency number kept."""
    from webui import knowledge
    from webui.security import render_private

    return render_private("try_later.html", status, kb=knowledge.current(), title=title, message=text, back=back)
