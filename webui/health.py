"""``GET /healthz``: can this process serve consultations? For a container's HEALTHCHECK and a load balancer.

It answers 200 ``{"status": "ok", "database": "ok", "kb": "<version>"}`` when a trivial query reaches the
database and a KB is loaded, and 503 with the part that failed otherwise. The body never carries the
database's error text (it may name hosts or users); the server log gets the exception's class only.
It sets no cookie, is never cached and needs no CSRF token (a probe has no session).
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webui import knowledge
from webui.errors import KBUnavailableError
from webui.extensions import csrf, db
from webui.security import no_store

bp = Blueprint("health", __name__)
csrf.exempt(bp)

log = logging.getLogger(__name__)

OK, FAILED = "ok", "unavailable"


def _database() -> str:
    """``"ok"`` when ``SELECT 1`` answers; the session is left clean either way."""
    try:
        db.session.execute(text("SELECT 1"))
        return OK
    except (SQLAlchemyError, OSError) as exc:
        log.warning("healthz: the database does not answer (%s)", type(exc).__name__)
        return FAILED
    finally:
        db.session.remove()


def _kb() -> str:
    """The active KB's short version (the pointer re-read as a consultation would, so a probe after a reload
    sees the new version), or the failure marker when the app has none."""
    loaded = current_app.extensions.get(knowledge.EXT_KEY)
    if loaded is None:
        return FAILED
    try:
        return knowledge.current().short_version
    except KBUnavailableError:  # the pointer cannot be followed now: what this process serves is still served
        return loaded.short_version


@bp.get("/healthz")
def healthz():
    """200 when the database and the KB are both usable, else 503; each part says which."""
    parts = {"database": _database(), "kb": _kb()}
    healthy = all(value != FAILED for value in parts.values())
    response = jsonify({"status": OK if healthy else FAILED, **parts})
    response.status_code = 200 if healthy else 503
    return no_store(response)
