"""One message catalogue for the whole project, usable without Flask.

The engine, the CLI, the JSON API and the web pages all take their interface texts from the gettext
catalogue in ``rules/translations/`` (English msgids, Indonesian translations). The web app's Flask-Babel
reads the same directory, so one untranslated-string test covers every text a person can see.

Messages use ``%(name)s`` placeholders, as Flask-Babel does, so a msgid means the same in both places::

    from rules.i18n import N_, tr, trn
    tr("id", "Question %(code)s has no answer.", code="Q1")
    trn("en", "%(num)d symptom", "%(num)d symptoms", 3)

``pybabel extract`` finds them with the keywords ``tr:2``, ``trn:2,3`` and ``N_`` (see ``babel.cfg`` and
the Makefile's ``translations`` target).
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.support import NullTranslations, Translations

from kb.languages import DEFAULT_LANGUAGE, LANGUAGES, supported

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
"""Where the catalogue lives (``<lang>/LC_MESSAGES/messages.po`` and its compiled ``.mo``)."""

DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - the conventional name pybabel looks for
    """Mark ``message`` for extraction without translating it (for tables of messages)."""
    return message


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue for ``lang`` (English and unknown languages get the msgids themselves)."""
    if lang == "en" or not supported(lang):
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [lang], DOMAIN)


def language(lang: object) -> str:
    """``lang`` when Pakar speaks it, else the default (Indonesian)."""
    return lang if supported(lang) else DEFAULT_LANGUAGE


def tr(lang: str, message: str, **values: object) -> str:
    """``message`` translated into ``lang``, with ``values`` filled into its ``%(name)s`` placeholders."""
    text = translations(language(lang)).gettext(message)
    return text % values if values else text


def trn(lang: str, singular: str, plural: str, num: int, **values: object) -> str:
    """The singular or plural form for ``num`` in ``lang``; ``%(num)d`` is filled in with ``num``."""
    text = translations(language(lang)).ngettext(singular, plural, num)
    return text % {"num": num, **values}


__all__ = ["DEFAULT_LANGUAGE", "DOMAIN", "LANGUAGES", "N_", "TRANSLATIONS_DIR", "language", "tr", "translations", "trn"]
