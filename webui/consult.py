"""The two consultations (quick screening, one question per page; detailed diagnosis, one page), and
the stored results: view, print, PDF, delete.

The screening's answers so far live only in the signed session cookie; nothing is written to the
database until the last answer is in and the engine has answered.
"""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext, ngettext
from flask_babel import gettext as _

import reports

from webui import forms, knowledge, retention, store
from webui.i18n import current_lang

bp = Blueprint("consult", __name__)

WIZARD = "screening"


def _no_store(response):
    """Results and answers must not stay in a shared phone's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(template, status=200, **context):
    return _no_store(make_response(render_template(template, **context), status))


# --- quick screening ------------------------------------------------------------------------------

@bp.route("/screening", methods=["GET", "POST"])
def screening_start():
    kb = knowledge.current()
    wizard = session.get(WIZARD) or {}
    if request.method == "POST":
        who, error = forms.for_other(request.form)
        if error:
            return _render("screening_start.html", 400, kb=kb, error=error, for_other=None)
        session[WIZARD] = {"for_other": who, "answers": wizard.get("answers", {})}
        return redirect(url_for("consult.screening_step", step=1))
    return _render("screening_start.html", kb=kb, error=None, for_other=wizard.get("for_other"))


@bp.route("/screening/<int:step>", methods=["GET", "POST"])
def screening_step(step: int):
    kb = knowledge.current()
    questions = kb.questions
    if not 1 <= step <= len(questions):
        abort(404)
    wizard = session.get(WIZARD)
    if wizard is None:
        flash(_("Your earlier answers have expired. Please start again."))
        return redirect(url_for("consult.screening_start"))
    answers = dict(wizard.get("answers", {}))
    first_open = next((i for i, q in enumerate(questions, 1) if q.code not in answers), len(questions) + 1)
    if step > first_open:
        return redirect(url_for("consult.screening_step", step=first_open))
    question = questions[step - 1]
    context = {"kb": kb, "question": question, "step": step, "total": len(questions),
               "for_other": wizard.get("for_other")}
    if request.method == "GET":
        return _render("screening_step.html", chosen=answers.get(question.code), error=None, **context)

    going_back = request.form.get("action") == "back"
    value, error = forms.screening_answer(question, request.form)
    if going_back:
        if value is not None:
            answers[question.code] = value
            session[WIZARD] = {**wizard, "answers": answers}
        return redirect(url_for("consult.screening_step", step=step - 1) if step > 1
                        else url_for("consult.screening_start"))
    if error:
        return _render("screening_step.html", 400, chosen=None, error=error, **context)
    answers[question.code] = value
    session[WIZARD] = {**wizard, "answers": answers}
    if step < len(questions):
        return redirect(url_for("consult.screening_step", step=step + 1))
    return _finish({"mode": "screening", "answers": {q.code: answers[q.code] for q in questions},
                    "lang": current_lang()}, wizard.get("for_other"), clear=WIZARD)


# --- detailed diagnosis ---------------------------------------------------------------------------

@bp.route("/diagnosis", methods=["GET", "POST"])
def diagnosis():
    kb = knowledge.current()
    lang = current_lang()
    groups = knowledge.symptom_groups(kb, lang)
    if request.method == "GET":
        return _render("diagnosis.html", kb=kb, groups=groups, chosen={}, errors={}, for_other=False)
    read = forms.diagnosis(kb, request.form)
    if not read.ok:
        if read.problem:
            flash(read.problem)     # the page has no slot for a form-wide problem: it shows at the top
        return _render("diagnosis.html", 400, kb=kb, groups=groups, chosen=read.chosen, errors=read.errors,
                       for_other=read.for_other)
    return _finish({"mode": "diagnosis", "symptoms": read.symptoms, "lang": lang}, read.for_other)


def form_again_after_csrf():
    """A refused CSRF token (a form left open for hours) must not cost the person their answers: show the
    same form again with what they chose and a fresh token. None when there is no such form to show."""
    kb = knowledge.current()
    message = _("For your safety this form could not be accepted (it was open too long). Your answers are "
                "kept: please check them and send the form again.")
    if request.endpoint == "consult.diagnosis":
        read = forms.diagnosis(kb, request.form)
        flash(message)
        return _render("diagnosis.html", 400, kb=kb, groups=knowledge.symptom_groups(kb, current_lang()),
                       chosen=read.chosen, errors={}, for_other=read.for_other)
    step = (request.view_args or {}).get("step")
    wizard = session.get(WIZARD)
    if request.endpoint == "consult.screening_step" and wizard is not None and 1 <= step <= len(kb.questions):
        question = kb.questions[step - 1]
        value, _error = forms.screening_answer(question, request.form)
        flash(message)
        return _render("screening_step.html", 400, kb=kb, question=question, step=step,
                       total=len(kb.questions), for_other=wizard.get("for_other"),
                       chosen=value or wizard.get("answers", {}).get(question.code), error=None)
    return None


def _finish(req: dict, for_other: bool, clear: str | None = None):
    """Run the engine, store the consultation, and send the person to its receipt URL."""
    try:
        result = knowledge.consult(req)
    except knowledge.InputError as exc:
        # Not reachable from our own forms; a forged request gets its message, and nothing is stored.
        flash(exc.message)
        return redirect(url_for("pages.home"))
    token = store.save(req, result, for_other=for_other)
    retention.purge_if_due()
    if clear:
        session.pop(clear, None)
    return redirect(url_for("consult.result", token=token))


# --- stored results --------------------------------------------------------------------------------

def _stored(token):
    row = store.get(token)
    if row is None:
        abort(404)
    return row


def result_context(row, token):
    """The template context of a stored result, in the page language when the KB version still matches."""
    kb = knowledge.current()
    lang = current_lang()
    result = dict(row.result)
    if lang != row.lang and row.kb_version == kb.short_version:
        # Same KB, other language: re-run the stored request (deterministic) for the texts only.
        result = {k: v for k, v in knowledge.consult({**row.request, "lang": lang}).items() if k != "trace"}
    hotline = knowledge.hotline(result.get("hotline")) if row.mode == "screening" else None
    url = url_for("consult.result", token=token, _external=True)
    return {"kb": kb, "row": row, "result": result, "token": token, "url": url, "hotline": hotline,
            "stale": row.kb_version != kb.short_version}


@bp.route("/r/<token>")
def result(token: str):
    row = _stored(token)
    return _render("result.html", **result_context(row, token))


@bp.route("/r/<token>/report.pdf")
def report_pdf(token: str):
    row = _stored(token)
    context = {**result_context(row, token), "lang": current_lang()}
    try:
        pdf = reports.render_pdf(context, gettext=gettext, ngettext=ngettext)
    except reports.ReportError:
        current_app.logger.exception("PDF rendering failed")
        flash(_("The PDF could not be made on this server. Please use “Print result” instead."))
        return redirect(url_for("consult.result", token=token))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="pakar-{row.mode}.pdf"'
    return _no_store(response)


@bp.route("/r/<token>/delete", methods=["POST"])
def delete(token: str):
    if store.remove(token):
        flash(_("The result has been deleted. Its link no longer works."))
    else:
        flash(_("There was no stored result at that link (it may already be deleted)."))
    current_app.logger.info("consultation deleted by its holder")
    return redirect(url_for("pages.home"))
