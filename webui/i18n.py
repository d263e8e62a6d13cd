"""Languages: Indonesian by default, English by a visible switch (kept in the session cookie)."""
from __future__ import annotations

from flask import current_app, request, session
from flask_babel import Babel

babel = Babel()


def current_lang() -> str:
    """The page language: an explicit ``?lang=``, else the person's choice, else Indonesian."""
    langs = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in langs:
        return asked
    chosen = session.get("lang")
    return chosen if chosen in langs else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=current_lang)

    @app.context_processor
    def _lang():
        return {"lang": current_lang(), "languages": app.config["LANGUAGES"]}
