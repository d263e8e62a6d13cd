"""Security headers (through Flask-Talisman), a strict Content-Security-Policy among them, and the
no-store header that keeps answers and results out of caches.

Everything is served by the app itself: no scripts, styles, fonts or images from other sites, no inline
script or style. Result URLs are receipts, so no Referer ever leaves the site.
"""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_talisman import Talisman

from webui.templating import FINGERPRINT, fingerprint

talisman = Talisman()

# A fingerprinted static file never changes at its URL (a new version gets a new URL): cache it for a year
# (RFC 9111's longest usual max-age) and tell browsers not to revalidate it (RFC 8246, immutable).
IMMUTABLE = "public, max-age=31536000, immutable"
# Any other request of a static file: the browser may keep it, but asks each time whether it changed.
REVALIDATE = "no-cache"

CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def init_app(app) -> None:
    talisman.init_app(
        app,
        force_https=app.config["HSTS"],
        strict_transport_security=app.config["HSTS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CSP,
        referrer_policy="no-referrer",
        frame_options="DENY",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()", "interest-cohort": "()"},
    )
    app.after_request(static_cache)


def static_cache(response):
    """The cache header of a static file: :data:`IMMUTABLE` when requested by its current fingerprint,
    :data:`REVALIDATE` otherwise (no fingerprint, or an old one: the file at that URL has changed)."""
    if request.endpoint is None or response.status_code not in (200, 304):
        return response
    current = fingerprint(request.endpoint, {**(request.view_args or {})})
    if current is None:
        return response
    asked = request.args.get(FINGERPRINT)
    response.headers["Cache-Control"] = IMMUTABLE if asked == current else REVALIDATE
    return response


def no_store(response):
    """Mark ``response`` as never to be cached: answers and results must not stay in a shared phone's or a
    proxy's cache. The one place this header is written (pages, PDF and API alike)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def render_private(template: str, status: int = 200, **context):
    """``render_template`` for a page that shows someone's answers or result: sent with :func:`no_store`."""
    return no_store(make_response(render_template(template, **context), status))
