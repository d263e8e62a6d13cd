"""Turn submitted form fields into a ``pakar batch`` request, or into messages for the fields at fault.

Only the shape of the form is checked here (a field present, a value among the offered choices); the
request is then validated once more by :mod:`rules` like any other request.
"""
from __future__ import annotations

from flask_babel import gettext as _


def screening_answer(question, form) -> tuple[str | None, str | None]:
    """The answer to one screening question, or an error message."""
    value = form.get("answer")
    if value is None or value == "":
        return None, _("Please choose an answer.")
    if value not in question.answers:
        return None, _("That answer is not one of the choices. Please choose again.")
    return value, None


def for_other(form) -> tuple[bool | None, str | None]:
    value = form.get("for_other")
    if value not in ("0", "1"):
        return None, _("Please say who the consultation is for.")
    return value == "1", None


def diagnosis(knowledge, form) -> tuple[dict, dict, dict]:
    """``(chosen, symptoms, errors)``: every symptom's level code, the non-zero ones, per-field errors."""
    levels = {lv.code: lv for lv in knowledge.scale}
    chosen, symptoms, errors = {}, {}, {}
    for symptom in knowledge.symptoms:
        value = form.get(symptom.code)
        if value is None or value == "":
            errors[symptom.code] = _("Please choose how sure you are.")
            continue
        if value not in levels:
            errors[symptom.code] = _("That certainty is not on the scale. Please choose again.")
            continue
        chosen[symptom.code] = value
        if levels[value].cf != 0:
            symptoms[symptom.code] = value
    return chosen, symptoms, errors
