"""The web app's errors."""

from __future__ import annotations


class WebError(Exception):
    """Base class for errors raised by the web app."""


class StartupError(WebError):
    """The app cannot start: the KB does not load or the database cannot be reached."""


class KBUnavailableError(WebError):
    """No knowledge base version can be served (or the one asked for is not stored or does not load)."""
