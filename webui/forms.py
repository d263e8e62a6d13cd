"""Turn submitted form fields into a ``pakar batch`` request, or into messages for the fields at fault.

Only the shape of the form is checked here (the fields our page sends, each at most once, with a value
among the offered choices); the request is then validated once more by :mod:`rules` like any other.
A post our pages could not have sent (a field they do not have, a field twice, a value no control offers)
is refused whole: nothing in it is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from webui import submissions

GATE_FIELDS = frozenset({"emergency"})  # the button pressed: yes / no
START_FIELDS = frozenset({"for_other"})
STEP_FIELDS = frozenset({"answer", "action"})  # action: the button pressed (next / back)


def not_ours() -> str:
    """The message for a post our form did not send."""
    return _(
        "This form carries fields our page does not send, so nothing in it was used. "
        "Please fill in the form on this page."
    )


def unexpected(form, allowed) -> str | None:
    """:func:`not_ours` when the post carries a field outside ``allowed`` (and the CSRF token and the
    submission key), or one twice."""
    allowed = set(allowed) | {current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), submissions.FIELD}
    for name in form:
        if name not in allowed or len(form.getlist(name)) > 1:
            return not_ours()
    return None


def gate(form) -> tuple[bool | None, str | None]:
    """The answer to the emergency gate (True: a danger sign now), or an error message."""
    forged = unexpected(form, GATE_FIELDS)
    if forged:
        return None, forged
    value = form.get("emergency")
    if value not in ("yes", "no"):
        return None, _("Please answer yes or no.")
    return value == "yes", None


def for_other(form) -> tuple[bool | None, str | None]:
    """Who the screening is for (True: someone else), or an error message."""
    forged = unexpected(form, START_FIELDS)
    if forged:
        return None, forged
    value = form.get("for_other")
    if value not in ("0", "1"):
        return None, _("Please say who the consultation is for.")
    return value == "1", None


def screening_answer(question, form) -> tuple[str | None, str | None]:
    """The answer to one screening question, or an error message."""
    forged = unexpected(form, STEP_FIELDS)
    if forged:
        return None, forged
    value = form.get("answer")
    if value is None or value == "":
        return None, _("Please choose an answer.")
    if value not in question.answers:
        return None, _("That answer is not one of the choices. Please choose again.")
    return value, None


@dataclass
class Diagnosis:
    """A read diagnosis form. ``problem``: a message for the whole form (a post our page did not send)."""

    chosen: dict = field(default_factory=dict)  # every symptom's level code, as chosen
    symptoms: dict = field(default_factory=dict)  # the non-zero ones: the request's ``symptoms``
    for_other: bool = False
    errors: dict = field(default_factory=dict)  # symptom code -> message
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.problem is None


def diagnosis(knowledge, form) -> Diagnosis:
    """Every symptom's level, the non-zero ones, who it is for, and what is wrong with the form."""
    levels = {lv.code: lv for lv in knowledge.scale}
    read = Diagnosis(problem=unexpected(form, {"for_other", *(s.code for s in knowledge.symptoms)}))
    # The checkbox sends "1" or nothing; any other value was not sent by our page.
    if form.get("for_other") not in (None, "1"):
        read.problem = not_ours()
    read.for_other = form.get("for_other") == "1"
    for symptom in knowledge.symptoms:
        value = form.get(symptom.code)
        if value is None or value == "":
            read.errors[symptom.code] = _("Please choose how sure you are.")
            continue
        if value not in levels:
            read.errors[symptom.code] = _("That certainty is not on the scale. Please choose again.")
            continue
        read.chosen[symptom.code] = value
        if levels[value].cf != 0:
            read.symptoms[symptom.code] = value
    return read
