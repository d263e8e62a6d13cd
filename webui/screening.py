"""The quick screening: the emergency gate, who it is for, then one question per page.

The answers so far live only in the signed session cookie; nothing is written to the database until the
last answer is in and the engine has answered (then :func:`webui.results.keep` stores it). The gate
(:mod:`webui.gate`) starts every screening empty: an abandoned one's answers are never shown again.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from webui import errorpages, forms, gate, knowledge, results
from webui.i18n import current_lang
from webui.security import render_private

bp = Blueprint("screening", __name__, url_prefix="/screening")

WIZARD = "screening"  # the session key of the answers so far (and the KB version the screening started on)


def _knowledge(wizard: dict | None):
    """The KB version this screening started on: a screening half answered when a new version is published
    finishes on its own. When that version is not stored (any more), the active one, with a note."""
    ref = (wizard or {}).get("kb")
    if ref:
        own = knowledge.version(ref)
        if own is not None:
            return own
        flash(_("The knowledge base has been updated while you answered; the rest uses the new version."))
    active = knowledge.current()
    if wizard is not None:
        session[WIZARD] = {**wizard, "kb": active.version}
    return active


@bp.route("", methods=["GET", "POST"])
def start():
    """The emergency gate, the screening's first page (Start lands here): yes ends it, no goes on."""

    def go_on():
        session[WIZARD] = {"answers": {}, "kb": knowledge.current().version}  # a new screening, empty
        return redirect(url_for("screening.who"))

    return gate.handle("screening", _("Quick screening"), WIZARD, go_on)


@bp.route("/who", methods=["GET", "POST"])
def who():
    """Who the screening is for; coming back here keeps the answers already given."""
    wizard = session.get(WIZARD)
    if wizard is None:  # the gate first
        return redirect(url_for("screening.start"))
    kb = _knowledge(wizard)
    wizard = session[WIZARD]
    if request.method == "POST":
        chosen, error = forms.for_other(request.form)
        if error:
            return render_private("screening_start.html", 400, kb=kb, error=error, for_other=None)
        session[WIZARD] = {**wizard, "for_other": chosen}
        return redirect(url_for("screening.step", step=1))
    return render_private("screening_start.html", kb=kb, error=None, for_other=wizard.get("for_other"))


@bp.route("/<int:step>", methods=["GET", "POST"])
def step(step: int):
    """One question; after the last one the result is stored and the person sent to its receipt."""
    wizard = session.get(WIZARD)
    kb = _knowledge(wizard)
    questions = kb.questions
    if not 1 <= step <= len(questions):
        abort(404)
    if wizard is None:
        flash(_("Your earlier answers have expired. Please start again."))
        return redirect(url_for("screening.start"))
    wizard = session[WIZARD]
    if "for_other" not in wizard:  # past the gate, but who it is for is not said yet
        return redirect(url_for("screening.who"))
    answers = dict(wizard.get("answers", {}))
    first_open = next((i for i, q in enumerate(questions, 1) if q.code not in answers), len(questions) + 1)
    if step > first_open:
        return redirect(url_for("screening.step", step=first_open))
    question = questions[step - 1]
    context = {
        "kb": kb,
        "question": question,
        "step": step,
        "total": len(questions),
        "for_other": wizard.get("for_other"),
    }
    if request.method == "GET":
        return render_private("screening_step.html", chosen=answers.get(question.code), error=None, **context)

    going_back = request.form.get("action") == "back"
    value, error = forms.screening_answer(question, request.form)
    if going_back:
        if value is not None:
            answers[question.code] = value
            session[WIZARD] = {**wizard, "answers": answers}
        return redirect(url_for("screening.step", step=step - 1) if step > 1 else url_for("screening.who"))
    if error:
        return render_private("screening_step.html", 400, chosen=None, error=error, **context)
    answers[question.code] = value
    session[WIZARD] = {**wizard, "answers": answers}
    if step < len(questions):
        return redirect(url_for("screening.step", step=step + 1))
    return results.keep(
        {
            "mode": "screening",
            "emergency": False,  # the gate was answered no
            "answers": {q.code: answers[q.code] for q in questions},
            "lang": current_lang(),
        },
        wizard.get("for_other"),
        clear=WIZARD,
        version=kb.version,
    )


@errorpages.form_again_after_csrf("screening.step")
def step_again(message: str):
    """The question whose post was refused, with the answer just chosen (or the one kept before)."""
    wizard = session.get(WIZARD)
    kb = _knowledge(wizard) if wizard is not None else knowledge.current()
    step = (request.view_args or {}).get("step")
    if wizard is None or step is None or not 1 <= step <= len(kb.questions):
        return None
    question = kb.questions[step - 1]
    value, _error = forms.screening_answer(question, request.form)
    flash(message)
    return render_private(
        "screening_step.html",
        400,
        kb=kb,
        question=question,
        step=step,
        total=len(kb.questions),
        for_other=wizard.get("for_other"),
        chosen=value or wizard.get("answers", {}).get(question.code),
        error=None,
    )
