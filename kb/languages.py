"""The languages Pakar speaks: every KB text, interface string and API message exists in each of them.

This is the one place the list lives; :mod:`rules.i18n`, the CLI and the web app read it from here.
"""

from __future__ import annotations

from typing import TypeGuard

LANGUAGES: tuple[str, ...] = ("id", "en")
"""Language codes, the default first."""

DEFAULT_LANGUAGE = LANGUAGES[0]
"""Indonesian: the language of anything that does not ask for another."""


def supported(lang: object) -> TypeGuard[str]:
    """Whether ``lang`` is one of :data:`LANGUAGES`."""
    return isinstance(lang, str) and lang in LANGUAGES
