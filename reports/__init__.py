"""Printable consultation reports: one Jinja template, shown inside the web result page, printed by the
browser with a print stylesheet, and rendered to PDF with WeasyPrint.

    from reports import render_html, render_pdf
    html = render_html(context, gettext=...)
    pdf = render_pdf(context, gettext=...)
"""
from reports.render import STATIC_DIR, TEMPLATE_DIR, environment, render_html, render_pdf
from reports.errors import ReportError
from reports.filters import FILTERS
from reports.why import GLOBALS, ranking_reason, steps as why_steps

__all__ = ["FILTERS", "GLOBALS", "ranking_reason", "why_steps", "ReportError", "STATIC_DIR", "TEMPLATE_DIR", "environment", "render_html", "render_pdf"]
