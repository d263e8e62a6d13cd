"""Security headers (through Flask-Talisman), a strict Content-Security-Policy among them.

Everything is served by the app itself: no scripts, styles, fonts or images from other sites, no inline
script or style. Result URLs are receipts, so no Referer ever leaves the site.
"""
from __future__ import annotations

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
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()",
                            "interest-cohort": "()"},
    )
