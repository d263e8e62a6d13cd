"""Security headers (through Flask-Talisman), a strict Content-Security-Policy among them, and the
no-store header that keeps answers and results out of caches.

Everything is served by the app itself: no scripts, styles, fonts or images from other sites, no inline
script or style. Result URLs are receipts, so no Referer ever leaves the site.
"""

from __future__ import annotations

from flask import make_response, render_template
from flask_talisman import Talisman

talisman = Talisman()

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


def no_store(response):
    """Mark ``response`` as never to be cached: answers and results must not stay in a shared phone's or a
    proxy's cache. The one place this header is written (pages, PDF and API alike)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def render_private(template: str, status: int = 200, **context):
    """``render_template`` for a page that shows someone's answers or result: sent with :func:`no_store`."""
    return no_store(make_response(render_template(template, **context), status))
