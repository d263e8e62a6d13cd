"""The app's Jinja set-up beyond Flask's: the report templates (the result page includes them, so screen,
paper and PDF show the same thing), their number filters and globals, and the symptom groups' names."""

from __future__ import annotations

from webui import knowledge
from webui.i18n import current_lang


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
