"""Printable consultation reports: one Jinja template, shown inside the web result page, printed by the
browser with a print stylesheet, and rendered to PDF with WeasyPrint.

    from reports import render_html, render_pdf
    html = render_html(context, gettext=...)
    pdf = render_pdf(context, gettext=...)

The context's ``result`` is a typed record (:func:`rules.results.from_json` of a stored result): its numbers
are exact, and only the template filters (:mod:`reports.filters`) format them, in the page's language.
"""

from reports.errors import ReportError
from reports.filters import FILTERS
from reports.render import STATIC_DIR, TEMPLATE_DIR, environment, render_html, render_pdf
from reports.why import GLOBALS

__all__ = [
    "FILTERS",
    "GLOBALS",
    "STATIC_DIR",
    "TEMPLATE_DIR",
    "ReportError",
    "environment",
    "render_html",
    "render_pdf",
]
