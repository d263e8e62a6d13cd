"""Who may see what: staff log in with a password (pages, Flask-Login) or send an API token (staff API).

- :func:`require_role` guards a staff page: anonymous -> the login page, the wrong role -> 403.
- :func:`require_token_role` guards a staff API route: no or a bad ``Authorization: Bearer`` token -> 401
  JSON, the wrong role -> 403 JSON.

Both mark the view (``staff_roles`` / ``staff_api_roles``); tests/webui/staff/test_access.py walks the
app's route map and fails for any route under /staff/ or the staff API that carries no mark, so a new
route cannot be forgotten. :data:`PUBLIC_ENDPOINTS` are the only staff pages open to anyone (the login).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, logout_user

from kb.languages import DEFAULT_LANGUAGE, supported
from webui.api import error  # the one JSON error shape of the API
from webui.security import no_store
from webui.staff import accounts, audit, roles
from webui.staff.accounts import StaffUser
from webui.staff.messages import message

login_manager = LoginManager()
login_manager.login_view = "staff.login"
# "strong": a session cookie replayed from another address or browser loses its login.
login_manager.session_protection = "strong"

PUBLIC_ENDPOINTS = frozenset({"staff.login"})
"""Staff endpoints open to anonymous visitors (the login form and its POST)."""

SEEN_KEY = "staff_seen"  # the session's last staff request (Unix time): idle sessions end
PAGE_MARK = "staff_roles"
API_MARK = "staff_api_roles"


@login_manager.user_loader
def _load(session_id: str) -> StaffUser | None:
    return accounts.load_session(session_id)


@login_manager.unauthorized_handler
def _to_login():
    return redirect(url_for("staff.login", next=request.path))


def require_role(*wanted: str) -> Callable:
    """A staff page: logged in, and holding one of ``wanted`` (none given: any staff account)."""
    _known(wanted)

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if wanted and not current_user.has_any(wanted):
                return render_template("staff/forbidden.html", needed=wanted), 403
            return view(*args, **kwargs)

        setattr(guarded, PAGE_MARK, frozenset(wanted))
        return guarded

    return decorate


def _api_lang() -> str:
    asked = request.args.get("lang")
    return asked if supported(asked) else DEFAULT_LANGUAGE


def _api_refusal(status: int, code: str, **values):
    response = error(status, code, message(code, _api_lang(), **values))
    if status == 401:
        # RFC 6750 section 3: the scheme to use, and why the token sent was refused.
        challenge = 'Bearer realm="pakar-staff"'
        if code == "bad_token":
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def bearer_token() -> str | None:
    """The token of the request's ``Authorization: Bearer`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def require_token_role(*wanted: str) -> Callable:
    """A staff API route: a live token of an active account holding one of ``wanted`` (none: any)."""
    _known(wanted)

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            token = bearer_token()
            if token is None:
                return _api_refusal(401, "unauthorized")
            user = accounts.user_for_token(token)
            if user is None:
                return _api_refusal(401, "bad_token")
            if wanted and not user.has_any(wanted):
                return _api_refusal(403, "forbidden", needed=", ".join(wanted))
            g.staff_api_user = user
            return view(*args, **kwargs)

        setattr(guarded, API_MARK, frozenset(wanted))
        return guarded

    return decorate


def _known(wanted) -> None:
    unknown = [role for role in wanted if role not in roles.ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}: roles are {roles.ROLES}")


def api_user() -> StaffUser:
    """The account of the current staff API request (set by :func:`require_token_role`)."""
    return g.staff_api_user


def acting_user() -> StaffUser | None:
    """The staff member behind this request: the API token's account, else the logged-in one."""
    user = g.get("staff_api_user")
    if user is not None:
        return user
    return current_user if current_user.is_authenticated else None


def can_approve(user: StaffUser, version) -> bool:
    """Whether ``user`` may approve ``version`` (a KBVersion row, or anything with ``hash`` and
    ``created_by``): an expert who neither created nor edited it (its editors are the actors of the
    version's edit events in the audit log)."""
    if roles.EXPERT not in user.roles:
        return False
    if getattr(version, "created_by", None) == user.name:
        return False
    return user.name not in audit.editors(version.hash)


def end_idle_session() -> None:
    """Log out a staff session idle for longer than STAFF_IDLE_MINUTES; otherwise note this request's time
    (the expiry slides). Runs before every staff page."""
    if not current_user.is_authenticated:
        return
    moment = time.time()
    seen = session.get(SEEN_KEY)
    limit = 60 * float(current_app.config["STAFF_IDLE_MINUTES"])
    if not isinstance(seen, (int, float)) or moment - seen > limit:
        logout_user()
        session.pop(SEEN_KEY, None)
        flash(_l("Your session ended after a period of inactivity. Please log in again."))
        return
    session[SEEN_KEY] = moment


def start_session() -> None:
    """Mark a fresh login's session (idle timing starts now)."""
    session.permanent = True
    session[SEEN_KEY] = time.time()


def end_session() -> None:
    logout_user()
    session.pop(SEEN_KEY, None)


def private(response):
    """Staff pages and staff API answers: never cached, never indexed."""
    response = no_store(response)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_message = _l("Please log in to see this page.")
