"""Interface words that are not in the KB: the names of the symptom groups."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "respiratory": _l("Breathing and airways"),
    "general": _l("General"),
    "digestive": _l("Digestion"),
    "senses": _l("Smell and taste"),
    "skin": _l("Skin"),
    "comorbidity": _l("Other illnesses (comorbidities)"),
    "exposure": _l("Contact and travel"),
    "severity": _l("Severity"),
}


def category_label(code: str) -> str:
    """The group's name in the page language (the code itself for a group this app does not know)."""
    label = CATEGORIES.get(code)
    return str(label) if label is not None else code


def init_app(app) -> None:
    import reports
    from jinja2 import ChoiceLoader, FileSystemLoader

    # Result pages include the report template, so paper, PDF and screen show the same thing.
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(reports.TEMPLATE_DIR)])
    app.jinja_env.filters.update(reports.FILTERS)
    app.jinja_env.globals.update(reports.GLOBALS)
    app.jinja_env.globals["category_label"] = category_label
