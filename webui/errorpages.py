"""HTTP errors: JSON under ``/api/``, a plain page elsewhere; never a traceback.

A refused CSRF token (a form left open for hours) must not cost the person their answers: a blueprint
registers, per endpoint, how to show its form again (:func:`form_again_after_csrf`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

# Our own words for the errors a person can meet (werkzeug's are English only).
TITLES = {
    400: (_l("That request could not be used"), _l("Please go back and try again.")),
    404: (_l("Page not found"), _l("The page or result does not exist, or it has been deleted.")),
    405: (_l("Not allowed here"), _l("Please use the buttons on the page.")),
    413: (_l("Too much data"), _l("The form sent far more than a consultation needs.")),
}

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


def init_app(app) -> None:
    from webui import api

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
        title, message = TITLES.get(exc.code, (exc.name, exc.description))
        return render_template("error.html", code=exc.code, title=title, message=message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unexpected error")
        if _is_api():
            return api.internal_error()
        return render_template(
            "error.html",
            code=500,
            title=InternalServerError.name,
            message=_("Something went wrong on our side. Nothing was stored. Please try again."),
        ), 500
