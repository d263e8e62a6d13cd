"""Languages: Indonesian by default, English by a visible switch (kept in the session cookie)."""

from __future__ import annotations

from flask import request, session
from flask_babel import Babel

from kb.languages import DEFAULT_LANGUAGE, LANGUAGES, supported

babel = Babel()


def current_lang() -> str:
    """The page language: an explicit ``?lang=``, else the person's choice, else Indonesian."""
    asked = request.args.get("lang")
    if supported(asked):
        return asked
    chosen = session.get("lang")
    return chosen if supported(chosen) else DEFAULT_LANGUAGE


def init_app(app) -> None:
    babel.init_app(app, locale_selector=current_lang)

    @app.context_processor
    def _lang():
        return {"lang": current_lang(), "languages": LANGUAGES}
