"""Public pages: home (emergency signs first), information pages, and the language switch."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)

import reports
from kb.languages import supported
from webui import content, knowledge
from webui.i18n import current_lang

bp = Blueprint("pages", __name__)
UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f]")  # control characters: never part of a path we made


@bp.route("/")
def home():
    return render_template("home.html", kb=knowledge.current())


@bp.route("/info/<page>")
def info(page: str):
    doc = content.load(page, current_lang())
    if doc is None:
        abort(404)
    return render_template("info.html", kb=knowledge.current(), doc=doc, page=page)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect, never a header a control character could break."""
    if not target or UNSAFE_IN_NEXT.search(target):
        # CR/LF would be refused in the Location header (a 500); browsers drop tabs and newlines inside URLs.
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@bp.route("/lang/<code>")
def set_lang(code: str):
    if not supported(code):
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/report.css")
def report_css():
    """The report's stylesheet, shared with the PDF renderer (served from the reports package)."""
    return send_from_directory(reports.STATIC_DIR, "report.css", max_age=3600)
