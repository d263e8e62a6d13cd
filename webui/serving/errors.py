"""The production launcher's errors."""

from __future__ import annotations

from webui.errors import WebError


class ServeError(WebError):
    """The server cannot start or has stopped working; the message is one line for the terminal."""
