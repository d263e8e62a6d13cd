"""``PUBLIC_URL``: the address people reach this server by, so that receipt links never follow a ``Host`` header.

A receipt URL (the result page's link and QR text, the PDF, the API's ``url`` and ``Location``) is made with
``url_for(..., _external=True)``, from the request's scheme and host. Without a proxy (``PROXY_COUNT=0``)
that host is whatever the client's ``Host`` header says. With ``PUBLIC_URL`` set
(``https://pakar.example.id``, optionally with a path prefix), every request is seen with that scheme,
host and prefix, so every absolute URL the app makes is built on it, whatever ``Host`` or
``X-Forwarded-*`` said. Production sets it; without it (development) URLs follow the request as before.

``TRUSTED_HOSTS`` (Flask's own setting) is the other guard: a request whose host is not listed is refused
with 400. It applies to the host as the app sees it, so it only matters while ``PUBLIC_URL`` is unset.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from webui.errors import StartupError


class PublicURL:
    """WSGI middleware: the request's scheme, host and script prefix taken from one configured URL."""

    def __init__(self, app, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise StartupError(f"PUBLIC_URL must be an http(s) address such as https://pakar.example.id (got {url!r})")
        self.app = app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host  # Werkzeug reads the host from it before SERVER_NAME
        if self.prefix:
            path = environ.get("PATH_INFO", "")
            if path.startswith(self.prefix + "/") or path == self.prefix:
                environ["PATH_INFO"] = path[len(self.prefix) :]
            environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


def init_app(app) -> None:
    """Wrap the app when ``PUBLIC_URL`` is set (before ProxyFix wraps it, so the configured URL has the last word)."""
    url = app.config.get("PUBLIC_URL")
    if url:
        app.wsgi_app = PublicURL(app.wsgi_app, str(url))
