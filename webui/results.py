"""Stored results at their receipt URL ``/r/<token>``: the page, its PDF, and deleting it.

:func:`keep` is how both consultations end: run the engine, store the result, redirect to its receipt.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_babel import gettext as _

import reports
from webui import knowledge, limits, pdfcache, retention, store, submissions
from webui.i18n import current_lang
from webui.security import no_store, render_private

bp = Blueprint("results", __name__, url_prefix="/r")
# One submission, one result: a form posted again goes to its first receipt; a form gets a fresh key, which
# it keeps while it is shown again after its own post (webui.submissions.form_key).
bp.before_app_request(submissions.repeat_goes_to_first_receipt)
bp.add_app_template_global(submissions.form_key, "submission_key")


def keep(req: dict, for_other: bool, clear: str | None = None, version: str | None = None):
    """Run the engine on ``req``, store the consultation, and send the person to its receipt URL
    (``clear``: a session key to drop once stored, e.g. the screening's answers so far; ``version``: the KB
    version the consultation started on, None for the active one)."""
    try:
        result = knowledge.answer(req, version)
    except knowledge.InputError as exc:
        # Not reachable from our own forms; a forged request gets its message, and nothing is stored.
        flash(exc.message)
        return redirect(url_for("pages.home"))
    # The form's idempotency key: a simultaneous second post of it gets this same receipt (webui.store).
    token = store.save(req, result, for_other=for_other, once=submissions.from_form(request.form))
    retention.purge_if_due()
    if clear:
        session.pop(clear, None)
    return redirect(url_for("results.show", token=token))


def _stored(token):
    row = store.get(token)
    if row is None:
        # An expired or deleted result: say how long results are kept (a plain 404 page otherwise).
        days = current_app.config["RETENTION_DAYS"]
        abort(make_response(render_template("result_missing.html", retention_days=days), 404))
    return row


def result_context(row, token):
    """The template context of a stored result, in the page language, shown against the KB version that
    answered it (when that version is still stored); ``stale`` only when it is not."""
    own = knowledge.version(row.kb_version)
    kb = own or knowledge.current()
    lang = current_lang()
    stored = row.result
    trace = row.trace
    if own is not None and (lang != row.lang or "triage" not in stored):
        # Other language, or a result stored before results carried triage and the case definitions:
        # re-run the stored request on its own version (deterministic) for the texts and those outcomes.
        # A version no longer stored cannot be re-run: the page then says that the triage advice cannot
        # be added.
        stored = knowledge.answer({**row.request, "lang": lang}, own.version)
        if "assessment" not in (trace or {}):
            trace = stored.get("trace")
    # A deployment's regional line (HOTLINE_*) belongs to the screening's own advice (S1); a result that ended
    # at the emergency gate shows the emergency number only (the report's call button).
    screening_advice = row.mode == "screening" and not stored.get("emergency")
    hotline = knowledge.hotline(stored.get("hotline")) if screening_advice else None
    url = url_for("results.show", token=token, _external=True)
    # The templates get the typed record: exact numbers, the ranking reason and the CF steps of the trace.
    return {
        "kb": kb,
        "row": row,
        "result": knowledge.read_result(stored, trace),
        "token": token,
        "url": url,
        "hotline": hotline,
        "stale": own is None,
        "timezone": current_app.config.get("TIMEZONE") or "Asia/Jakarta",
        "retention_days": current_app.config["RETENTION_DAYS"],
    }


@bp.route("/<token>")
def show(token: str):
    """The result page (printable as it is)."""
    row = _stored(token)
    return render_private("result.html", **result_context(row, token))


@bp.route("/<token>/report.pdf")
@limits.limit(limits.setting("RATELIMIT_PDF"))
def pdf(token: str):
    """The result as a PDF, made once per language and KB version (webui.pdfcache); when this server cannot
    make one, back to the page with a message; when it is busy making others, 503 with Retry-After."""
    row = _stored(token)
    lang = current_lang()
    url = url_for("results.show", token=token, _external=True)
    # What the PDF depends on besides the row (its key names the file) and the installation (webui.pdfcache).
    settings = ("TIMEZONE", "RETENTION_DAYS", "HOTLINE_NAME", "HOTLINE_NUMBER")
    variant = repr((lang, knowledge.current().version, url, *(current_app.config[name] for name in settings)))

    def make() -> bytes:
        context = {**result_context(row, token), "lang": lang}
        return reports.render_pdf(context, gettext=gettext, ngettext=ngettext)

    try:
        document = pdfcache.pdf(store.key_of(token), variant, make)
    except pdfcache.BusyError:
        seconds = int(current_app.config["PDF_RETRY_AFTER"])
        text = _("Many PDFs are being made right now. Please try again in a moment, or use “Print result” instead.")
        response = limits.try_later(_("Please try again shortly"), text, 503, back=url_for("results.show", token=token))
        response.headers["Retry-After"] = str(seconds)
        return response
    except reports.ReportError:
        current_app.logger.exception("PDF rendering failed")
        flash(_("The PDF could not be made on this server. Please use “Print result” instead."))
        return redirect(url_for("results.show", token=token))
    response = make_response(document)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="pakar-{row.mode}.pdf"'
    return no_store(response)


@bp.route("/<token>/delete", methods=["POST"])
def delete(token: str):
    """Delete the result by its holder: the link stops working."""
    if store.remove(token):
        flash(_("The result has been deleted. Its link no longer works."))
    else:
        flash(_("There was no stored result at that link (it may already be deleted)."))
    current_app.logger.info("consultation deleted by its holder")
    return redirect(url_for("pages.home"))
