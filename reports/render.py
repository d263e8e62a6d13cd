"""Render the report template to HTML or PDF, outside any web request."""

from __future__ import annotations

import os

from jinja2 import Environment, FileSystemLoader, select_autoescape

from reports.errors import ReportError
from reports.filters import FILTERS
from reports.why import GLOBALS

TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")
STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
CSS_PATH = os.path.join(STATIC_DIR, "report.css")


def environment(gettext=None, ngettext=None) -> Environment:
    """A Jinja environment for the report templates, with the shared filters and the given gettext."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    # The i18n extension adds install_gettext_callables to the environment it is loaded into.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext or (lambda s, **kw: s % kw if kw else s),
        ngettext or (lambda s, p, n, **kw: (s if n == 1 else p) % {"num": n, **kw}),
        newstyle=True,
    )
    return env


def render_html(context: dict, *, gettext=None, ngettext=None) -> str:
    """The standalone report page (with its stylesheet inlined) for a result context."""
    with open(CSS_PATH, encoding="utf-8") as fh:
        css = fh.read()
    env = environment(gettext, ngettext)
    return env.get_template("report/standalone.html").render(**context, report_css=css)


def render_pdf(context: dict, *, gettext=None, ngettext=None) -> bytes:
    """The report as a one-page A4 PDF (the print rules of report.css apply: WeasyPrint renders for print).

    Raises :class:`ReportError` when WeasyPrint or the system libraries it loads (Pango, HarfBuzz) are
    missing or fail; the web app then offers the browser's Print instead.
    """
    html = render_html(context, gettext=gettext, ngettext=ngettext)
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz libraries missing
        raise ReportError(f"PDF rendering is unavailable: {exc}") from exc
    try:
        return weasyprint.HTML(string=html, base_url=TEMPLATE_DIR).write_pdf()
    except OSError as exc:  # a system library failing while it renders
        raise ReportError(f"PDF rendering failed: {exc}") from exc
