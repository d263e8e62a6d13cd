"""The detailed diagnosis: every symptom on one page, each with how sure the person is."""

from __future__ import annotations

from flask import Blueprint, flash, request

from webui import errorpages, forms, knowledge, results
from webui.i18n import current_lang
from webui.security import render_private

bp = Blueprint("diagnosis", __name__, url_prefix="/diagnosis")


def _page(status: int = 200, *, chosen: dict, errors: dict, for_other: bool):
    kb = knowledge.current()
    return render_private(
        "diagnosis.html",
        status,
        kb=kb,
        groups=knowledge.symptom_groups(kb, current_lang()),
        chosen=chosen,
        errors=errors,
        for_other=for_other,
    )


@bp.route("", methods=["GET", "POST"])
def form():
    """The form; a valid post is answered, stored, and the person sent to its receipt."""
    if request.method == "GET":
        return _page(chosen={}, errors={}, for_other=False)
    read = forms.diagnosis(knowledge.current(), request.form)
    if not read.ok:
        if read.problem:
            flash(read.problem)  # the page has no slot for a form-wide problem: it shows at the top
        return _page(400, chosen=read.chosen, errors=read.errors, for_other=read.for_other)
    return results.keep({"mode": "diagnosis", "symptoms": read.symptoms, "lang": current_lang()}, read.for_other)


@errorpages.form_again_after_csrf("diagnosis.form")
def form_again(message: str):
    """The form whose post was refused, with what the person chose."""
    read = forms.diagnosis(knowledge.current(), request.form)
    flash(message)
    return _page(400, chosen=read.chosen, errors={}, for_other=read.for_other)
