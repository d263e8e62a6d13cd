"""The app's Jinja set-up beyond Flask's: the report templates (the result page includes them, so screen,
paper and PDF show the same thing), their number filters and globals, the symptom groups' names, and
fingerprinted URLs for static files.

Fingerprints: ``url_for("static", filename="pakar.css")`` gives ``/static/pakar.css?v=<hash of the file>``
(Flask's own ``url_for``, through a URL-defaults hook), so a file can be cached for a year
(:mod:`webui.security` sends ``immutable`` when the ``v`` is the file's current hash) and a changed file
gets a new URL. Each file is hashed once per process (an app serves the files it started with).
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, current_app

from webui import knowledge
from webui.i18n import current_lang

FINGERPRINT = "v"  # the query parameter carrying the hash
FINGERPRINT_LENGTH = 12  # hex digits of SHA-256: 48 bits, collisions between versions of a file are no concern


def _asset_path(app: Flask, endpoint: str, values: dict) -> str | None:
    """The file behind a URL to ``endpoint`` with ``values``, when that endpoint serves a static file."""
    import reports

    if endpoint == "static" and app.static_folder and isinstance(values.get("filename"), str):
        return os.path.join(app.static_folder, values["filename"])
    if endpoint == "pages.report_css":  # the report's stylesheet, shared with the PDF renderer
        return os.path.join(reports.STATIC_DIR, "report.css")
    return None


def fingerprint(endpoint: str, values: dict) -> str | None:
    """The current app's fingerprint of the file behind ``endpoint``/``values`` (None: not a static file,
    or no such file). Computed once per file and process, then read from the app's cache."""
    app = current_app
    path = _asset_path(app, endpoint, values)
    if path is None:
        return None
    cache: dict[str, str | None] = app.extensions.setdefault("static_fingerprints", {})
    if path not in cache:
        try:
            with open(path, "rb") as fh:
                cache[path] = hashlib.sha256(fh.read()).hexdigest()[:FINGERPRINT_LENGTH]
        except OSError:
            cache[path] = None  # a URL to a missing file stays as it is, and is answered 404
    return cache[path]


def _add_fingerprint(endpoint: str, values: dict) -> None:
    if FINGERPRINT not in values:
        value = fingerprint(endpoint, values)
        if value is not None:
            values[FINGERPRINT] = value


def category_label(code: str) -> str:
    """The name of the KB's symptom group ``code`` in the page language."""
    return knowledge.current().group_name(code).get(current_lang())


def init_app(app) -> None:
    """Add the report templates, :data:`reports.FILTERS`, :data:`reports.GLOBALS` and ``category_label``."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    import reports

    # Result pages include the report template, so paper, PDF and screen show the same thing.
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(reports.TEMPLATE_DIR)])
    app.jinja_env.filters.update(reports.FILTERS)
    app.jinja_env.globals.update(reports.GLOBALS)
    app.jinja_env.globals["category_label"] = category_label
    app.url_defaults(_add_fingerprint)
