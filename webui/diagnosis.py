"""The detailed diagnosis: the emergency gate, then every symptom on one page, each with how sure the person
is. The form is never filled in from an earlier consultation: each one starts at the gate, empty."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webui import errorpages, forms, gate, knowledge, results
from webui.i18n import current_lang
from webui.security import render_private

bp = Blueprint("diagnosis", __name__, url_prefix="/diagnosis")

PASSED = "diagnosis"  # the session key: the gate was answered no in this consultation
KB_FIELD = "kb"  # the form's hidden field: the KB version the form was made from


def _posted():
    """The KB version the posted form was made from, and the form's other fields. A version that is not
    stored (any more) gives the active one, with a note; a post without the field (a page from before
    versions) the active one. A field sent twice is left in the fields: the form check refuses it."""
    if len(request.form.getlist(KB_FIELD)) != 1:
        return knowledge.current(), request.form
    fields = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != KB_FIELD])
    own = knowledge.version(request.form[KB_FIELD])
    if own is None:
        flash(_("The knowledge base has been updated while you answered; your answers were read with the new version."))
        return knowledge.current(), fields
    return own, fields


def _page(status: int = 200, *, chosen: dict, errors: dict, for_other: bool, kb=None):
    kb = kb or knowledge.current()
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
def start():
    """The emergency gate, the diagnosis's first page (Start lands here): yes ends it, no opens the form."""

    def go_on():
        session[PASSED] = True
        return redirect(url_for("diagnosis.form"))

    return gate.handle("diagnosis", _("Detailed diagnosis"), PASSED, go_on)


@bp.route("/symptoms", methods=["GET", "POST"])
def form():
    """The form (after the gate); a valid post is answered, stored, and the person sent to its receipt."""
    if request.method == "GET":
        # The gate first, every time: the flag is used up here, so neither a reload nor the next person on
        # a shared phone gets the form without the gate's question.
        if not session.pop(PASSED, False):
            return redirect(url_for("diagnosis.start"))
        return _page(chosen={}, errors={}, for_other=False)
    kb, fields = _posted()
    read = forms.diagnosis(kb, fields)
    if not read.ok:
        if read.problem:
            flash(read.problem)  # the page has no slot for a form-wide problem: it shows at the top
        return _page(400, chosen=read.chosen, errors=read.errors, for_other=read.for_other, kb=kb)
    # Only our form page, shown after the gate's No, sends these fields.
    request_body = {"mode": "diagnosis", "emergency": False, "symptoms": read.symptoms, "lang": current_lang()}
    return results.keep(request_body, read.for_other, clear=PASSED, version=kb.version)


@errorpages.form_again_after_csrf("diagnosis.form")
def form_again(message: str):
    """The form whose post was refused, with what the person chose."""
    kb, fields = _posted()
    read = forms.diagnosis(kb, fields)
    flash(message)
    return _page(400, chosen=read.chosen, errors={}, for_other=read.for_other, kb=kb)
