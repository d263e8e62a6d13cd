"""HTTP errors: JSON under ``/api/``, a plain page elsewhere; never a traceback.

A refused CSRF token (a form left open for hours) must not cost the person their answers: a blueprint
registers, per endpoint, how to show its form again (:func:`form_again_after_csrf`). The same form is shown
again, with a 503 and ``Retry-After``, when the database is unavailable for a moment (:mod:`webui.faults`):
a stopped or unreachable database, or a SQLite write lock held past the busy timeout. Anything else
unexpected is a 500. Either is logged as one line without health data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from webui import faults

# Our own words for the errors a person can meet (werkzeug's are English only).
TITLES = {
    400: (_l("That request could not be used"), _l("Please go back and try again.")),
    404: (_l("Page not found"), _l("The page or result does not exist, or it has been deleted.")),
    405: (_l("Not allowed here"), _l("Please use the buttons on the page.")),
    413: (_l("Too much data"), _l("The form sent far more than a consultation needs.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Nothing was stored. Please try again.")),
}
UNAVAILABLE = (
    _l("Please try again in a moment"),
    _l(
        "The service cannot reach its database right now, so your answers could not be saved yet. "
        "Please send them again in a few seconds."
    ),
)

# endpoint → the view that shows that endpoint's form again, filled in, with a message (or None).
_FORM_AGAIN: dict[str, Callable] = {}


def form_again_after_csrf(endpoint: str):
    """Register the decorated ``view(message)`` as the way to show ``endpoint``'s form again, filled in
    with what was posted and a fresh token, when its CSRF token is refused; it returns None when there is
    no such form to show (then the plain "form has expired" page is shown)."""

    def register(view):
        _FORM_AGAIN[endpoint] = view
        return view

    return register


def _is_api() -> bool:
    return request.path.startswith("/api/")


def form_again(message: str):
    """The posted form of this request's endpoint shown again, filled in, with ``message``; None when the
    endpoint has no such form (or it is not a post)."""
    again = _FORM_AGAIN.get(request.endpoint or "") if request.method == "POST" else None
    return again(message) if again is not None else None


def _forget_failed_transaction() -> None:
    """After a database fault, the session's transaction is unusable until rolled back (the form shown
    again may read the KB's version)."""
    from webui.extensions import db

    # The connection itself may be gone: then the session is simply removed at the end of the request.
    with contextlib.suppress(Exception):
        db.session.rollback()


def unavailable(exc: BaseException):
    """503 with Retry-After: JSON ``unavailable`` under ``/api/``; elsewhere the form again with the answers
    (where the post came from one of our forms), else a short page keeping the emergency number in view."""
    from webui import api, limits

    current_app.logger.warning("database unavailable", exc_info=exc)
    _forget_failed_transaction()
    seconds = int(current_app.config["RETRY_AFTER_UNAVAILABLE"])
    if _is_api():
        response = api.unavailable()
    else:
        title, text = UNAVAILABLE
        try:
            response = form_again(str(text)) or limits.try_later(str(title), str(text), 503)
        except Exception:  # showing the form needs something that is down too: the plain page
            response = current_app.make_response(render_template("error.html", code=503, title=title, message=text))
        response.status_code = 503
    response.headers["Retry-After"] = str(seconds)
    return response


def init_app(app) -> None:
    from webui import api

    faults.init_app(app)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        again = _FORM_AGAIN.get(request.endpoint or "")
        if again is not None:
            response = again(
                _(
                    "For your safety this form could not be accepted (it was open too long). "
                    "Your answers are kept: please check them and send the form again."
                )
            )
            if response is not None:
                return response
        return render_template(
            "error.html",
            code=400,
            title=_("The form has expired"),
            message=_(
                "For your safety the form could not be accepted (it was open too "
                "long or came from another site). Please go back and send it "
                "again."
            ),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if _is_api():
            return api.http_error(exc)
        if isinstance(exc, SecurityError):
            # A host outside TRUSTED_HOSTS: no URL can be built for it, so no page with links either.
            return current_app.response_class("400 Bad Request: unknown host\n", 400, mimetype="text/plain")
        title, message = TITLES.get(exc.code, (exc.name, exc.description))
        return render_template("error.html", code=exc.code, title=title, message=message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc):
        if faults.is_outage(exc):
            return unavailable(exc)
        app.logger.error("unexpected error", exc_info=exc)
        if _is_api():
            return api.internal_error()
        title, message = TITLES[500]
        return render_template("error.html", code=500, title=title, message=message), 500
