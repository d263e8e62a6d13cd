"""Plugs the report templates, their filters and globals into the app, and names the KB's symptom groups."""
from __future__ import annotations

from webui import knowledge
from webui.i18n import current_lang


def category_label(code: str) -> str:
    """The name of the KB's symptom group ``code`` in the page language."""
    return knowledge.current().group_name(code).get(current_lang())


def init_app(app) -> None:
    import reports
    from jinja2 import ChoiceLoader, FileSystemLoader

    # Result pages include the report template, so paper, PDF and screen show the same thing.
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(reports.TEMPLATE_DIR)])
    app.jinja_env.filters.update(reports.FILTERS)
    app.jinja_env.globals.update(reports.GLOBALS)
    app.jinja_env.globals["category_label"] = category_label
