"""Staff pages of the KB's versions (/staff/kb/...): the list, a version's page (its check, problems, diff
and impact against the active version, the steps allowed), import and export, diff of any two, the per-file
YAML editor and the form editor of items.

Thin views: :mod:`webui.kbworkflow` does every step (and refuses what is not allowed, whatever the page
showed); :mod:`kb.edit` writes an edited item into its file; :mod:`webui.staff.kbforms` builds an item's
form from the KB schema. A refusal is shown as the workflow's message in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

import kb
from kb import diff as kbdiff
from kb import edit
from rules.errors import ImpactTooLongError
from rules.i18n import tr
from rules.impact import ImpactReport
from rules.messages import message
from webui import kbworkflow
from webui.errors import KBRejectedError, WorkflowError
from webui.i18n import current_lang
from webui.kbimpact import web_budget
from webui.staff import bp, kbforms
from webui.staff.auth import require_role
from webui.staff.forms import ActionForm
from webui.staff.roles import ADMIN, ENGINEER, EXPERT

IMPACT_LISTED = 50  # changed requests listed on a version's page (the counts cover all)

# Input errors of the form editor, for people (kbforms gives these reasons).
INPUT_ERRORS = {
    "not a number": _l("Write a number, such as 0.8."),
    "not a whole number": _l("Write a whole number."),
    "choose yes or no": _l("Choose yes or no."),
    "choose one of the listed values": _l("Choose one of the listed values."),
}


STATE_NAMES = {"draft": _l("draft"), "approved": _l("approved"), "published": _l("published"), "retired": _l("retired")}

SECTION_NAMES = {
    "kb": _l("The KB: title, version, review date, sources, texts"),
    "scale": _l("Certainty scale"),
    "groups": _l("Symptom groups"),
    "symptoms": _l("Symptoms"),
    "findings": _l("Findings"),
    "hypotheses": _l("Hypotheses"),
    "rules": _l("CF rules"),
    "answers": _l("Answers"),
    "questions": _l("Screening questions"),
    "solutions": _l("Solutions"),
    "decisions": _l("Screening decision rules"),
    "emergency": _l("Emergency and danger signs"),
    "cases": _l("Stored test cases"),
    "constants": _l("Constants"),
    "triage": _l("Triage settings"),
    "triage_levels": _l("Triage levels"),
    "criteria": _l("Triage criteria"),
    "definitions": _l("Case definitions"),
    "triage_rules": _l("Triage rules"),
}

IMPACT_KINDS = {
    "invalid": _l("refused by the new version"),
    "emergency": _l("emergency"),
    "screening": _l("screening advice"),
    "diagnosis": _l("leading hypothesis"),
    "triage": _l("triage level"),
    "cf": _l("CF over the threshold"),
}

LANGUAGE_FIELDS = {"id": _l("Bahasa Indonesia (id)"), "en": _l("English (en)")}


def _field_label(node: kbforms.Node) -> str:
    """A field's name for people: the diff's name of the key in the page's language, and the key itself."""
    if node.kind == "string" and node.key in LANGUAGE_FIELDS and len(node.path) > 1:
        return str(LANGUAGE_FIELDS[node.key])
    named = _tr(kbdiff.FIELD_LABELS.get(node.key, node.key.replace("_", " ")))
    return named if named == node.key else f"{named[:1].upper()}{named[1:]} ({node.key})"


def _render(template: str, **context):
    return render_template(
        template,
        state_names=STATE_NAMES,
        section_names=SECTION_NAMES,
        impact_kinds=IMPACT_KINDS,
        field_label=_field_label,
        impact_threshold=lambda report: kbdiff.number(report.threshold),
        **context,
    )


@bp.app_template_filter("impact_kind")
def _impact_kind(kind: str) -> str:
    return str(IMPACT_KINDS.get(kind, kind))


@bp.errorhandler(WorkflowError)
def _refused(exc: WorkflowError):
    """A version that is not stored (404) or a step refused outside the steps' own handling."""
    return _render("staff/kb_refused.html", refusal=_say(exc)), exc.status


class NoteForm(FlaskForm):
    note = StringField(_l("Note (why this change)"), validators=[Length(max=kbworkflow.NOTE_MAX)])


class FileForm(NoteForm):
    text = TextAreaField(_l("YAML text"))


class ImportForm(NoteForm):
    files = MultipleFileField(_l("YAML files or one zip"))


@bp.url_value_preprocessor
def _bigger_bodies(endpoint, _values) -> None:
    # A KB file edited as text or a KB uploaded is larger than a consultation's MAX_CONTENT_LENGTH. URL
    # preprocessors run before the CSRF check reads the form.
    if endpoint and endpoint.startswith("staff.kb_"):
        request.max_content_length = int(current_app.config.get("KB_UPLOAD_MAX_BYTES", 4 * 1024 * 1024))


def _say(exc: WorkflowError) -> str:
    return message(exc.code, current_lang(), **exc.values)


def _tr(text: str) -> str:
    return tr(current_lang(), text)


# --- the list, a version, diff, export ------------------------------------------------------------------------


@bp.get("/kb/", endpoint="kb_versions")
@require_role()
def versions_page():
    """Every stored version, newest first, with the import and diff forms."""
    listed = kbworkflow.versions()
    return _render(
        "staff/kb_versions.html", versions=listed, form=ImportForm(formdata=None), action=ActionForm(formdata=None)
    )


@dataclass(frozen=True)
class Allowed:
    """Which steps the current account may take on a version now (the workflow checks again)."""

    edit: bool
    approve: bool
    approve_reason: str
    publish: bool
    rollback: bool
    retire: bool


def _allowed(info: kbworkflow.VersionInfo) -> Allowed:
    roles = set(current_user.roles)
    draft = info.state == kbworkflow.DRAFT
    check = info.check or {}
    clean = not check.get("errors") and not (check.get("cases") or {}).get("failed")
    reason = ""
    if EXPERT not in roles:
        reason = _("Only a medical expert may approve a draft.")
    elif not draft:
        reason = _("Only a draft can be approved.")
    elif not clean:
        reason = _("Fix the verifier's errors and the failing cases first.")
    elif not kbworkflow.may_approve(current_user, info.hash):
        reason = _("You edited this draft: another expert must approve it.")
    publisher = bool(roles & {ENGINEER, ADMIN})
    return Allowed(
        edit=ENGINEER in roles,
        approve=not reason,
        approve_reason=reason,
        publish=publisher and info.state == kbworkflow.APPROVED,
        rollback=ADMIN in roles and info.state == kbworkflow.PUBLISHED and not info.active,
        retire=publisher and not info.active and info.state != kbworkflow.RETIRED,
    )


@dataclass(frozen=True)
class ImpactCut:
    """An impact the page stopped at ``IMPACT_WEB_SECONDS``: ``done`` of ``total`` requests replayed."""

    done: int
    total: int
    seconds: float


def _impact(info: kbworkflow.VersionInfo) -> ImpactReport | ImpactCut | None:
    """The impact against the active version of a draft or an approved version (what review and publishing
    decide on), or None (another state, or it does not load). It replays every stored consultation within
    ``IMPACT_WEB_SECONDS`` (else :class:`ImpactCut`: the page names the command that has no limit); the
    staff API and ``flask kb impact`` give it for any version."""
    if info.active or info.state not in (kbworkflow.DRAFT, kbworkflow.APPROVED):
        return None
    budget = web_budget()
    try:
        return kbworkflow.impact(info.hash, budget_s=budget)
    except ImpactTooLongError as exc:
        return ImpactCut(exc.done, exc.total, budget)
    except WorkflowError:
        return None


def _problems(info: kbworkflow.VersionInfo) -> list[tuple[str, str, edit.ProblemAt | None]]:
    """The version's kept check as (level, located line) pairs: errors, failing cases, warnings."""
    check = info.check or {}
    out = []
    for level, key in (("error", "errors"), ("failure", "failures"), ("warning", "warnings")):
        for line in check.get(key) or ():
            out.append((level, line, edit.parse_problem(line)))
    return out


@bp.get("/kb/<version>", endpoint="kb_version")
@require_role()
def version_page(version: str):
    """A version: who and when, its check and problems (file:line), its diff and impact against the active
    version, and the steps this account may take."""
    info = kbworkflow.get(version)
    compared = None if info.active else kbworkflow.compare(info.hash)
    impact = _impact(info)
    cut = impact if isinstance(impact, ImpactCut) else None
    return _render(
        "staff/kb_version.html",
        info=info,
        allowed=_allowed(info),
        problems=_problems(info),
        compared=compared,
        impact=None if cut else impact,
        impact_cut=cut,
        impact_listed=IMPACT_LISTED,
        items=compared.items.lines(_tr) if compared else [],
        action=ActionForm(formdata=None),
        note=NoteForm(formdata=None),
    )


@bp.get("/kb/diff", endpoint="kb_diff")
@require_role()
def diff_page():
    """Any two versions compared (``?old=&new=``): item by item and as text."""
    listed = kbworkflow.versions()
    old, new = request.args.get("old", ""), request.args.get("new", "")
    compared, refusal = None, None
    if old and new:
        try:
            compared = kbworkflow.compare(new, old)
        except WorkflowError as exc:
            refusal = _say(exc)
    return _render(
        "staff/kb_diff.html",
        versions=listed,
        old=old,
        new=new,
        compared=compared,
        items=compared.items.lines(_tr) if compared else [],
        refusal=refusal,
    ), (404 if refusal else 200)


@bp.get("/kb/<version>/export", endpoint="kb_export")
@require_role()
def export(version: str):
    """A version's files as a zip in the format of ``kb/``."""
    info = kbworkflow.get(version)
    response = Response(kbworkflow.export_zip(info.hash), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="pakar-kb-{info.short}.zip"'
    return response


# --- steps --------------------------------------------------------------------------------------------------------


def _step(version: str, run, done: str):
    """Run a step of the workflow on ``version`` after the form's CSRF check; flash what happened; back to
    the version's page (303)."""
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was not complete. Try again."))
        return redirect(url_for("staff.kb_version", version=version), 303)
    try:
        target = run(form.note.data or "")
    except WorkflowError as exc:
        flash(_say(exc))
        return redirect(url_for("staff.kb_version", version=version), 303)
    flash(done)
    return redirect(url_for("staff.kb_version", version=target), 303)


@bp.post("/kb/<version>/check", endpoint="kb_check")
@require_role()
def check(version: str):
    """Run the verifier and the stored cases on the version again."""
    return _step(version, lambda _note: kbworkflow.check(version, current_user).version, _("Check done."))


@bp.post("/kb/<version>/approve", endpoint="kb_approve")
@require_role(EXPERT)
def approve(version: str):
    return _step(version, lambda _note: kbworkflow.approve(version, current_user).hash, _("Approved."))


@bp.post("/kb/<version>/publish", endpoint="kb_publish")
@require_role(ENGINEER, ADMIN)
def publish(version: str):
    """Publish an approved version; an admin may make an earlier published one active again (rollback)."""

    def run(_note):
        done = kbworkflow.publish(version, current_user)
        return done.version.hash

    return _step(version, run, _("This version is now active. Every server answers from it within seconds."))


@bp.post("/kb/<version>/retire", endpoint="kb_retire")
@require_role(ENGINEER, ADMIN)
def retire(version: str):
    return _step(version, lambda note: kbworkflow.retire(version, current_user, note).hash, _("Retired."))


@bp.post("/kb/import", endpoint="kb_import")
@require_role(ENGINEER)
def import_kb():
    """Upload a KB (its .yaml files, or one .zip) as a draft; a KB that does not load is refused whole, with
    its file:line problems."""
    form = ImportForm()
    problems: list[str] = []
    status = 400
    if form.validate_on_submit():
        uploads = [(f.filename or "", f) for f in request.files.getlist(form.files.name) if f and f.filename]
        try:
            if len(uploads) == 1 and uploads[0][0].lower().endswith(".zip"):
                saved = kbworkflow.import_zip(uploads[0][1].read(), current_user, form.note.data or "")
            elif uploads:
                texts = {}
                for filename, upload in uploads:
                    try:
                        texts[filename.rsplit("/", 1)[-1]] = upload.read().decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise KBRejectedError("bad_zip", reason=f"{filename}: not UTF-8 text") from exc
                saved = kbworkflow.import_files(texts, current_user, form.note.data or "")
            else:
                form.files.errors = [_("Choose the KB's .yaml files, or one .zip of them.")]
                saved = None
        except KBRejectedError as exc:
            form.files.errors = [_say(exc)]
            problems = list(exc.problems)
            status = 422
            saved = None
        if saved is not None:
            flash(
                _("Imported as draft %(v)s.", v=saved.version.short)
                if saved.created
                else _("This KB is stored already.")
            )
            return redirect(url_for("staff.kb_version", version=saved.version.hash), 303)
    listed = kbworkflow.versions()
    page = _render(
        "staff/kb_versions.html", versions=listed, form=form, problems=problems, action=ActionForm(formdata=None)
    )
    return page, status


# --- editors ----------------------------------------------------------------------------------------------------


def _save(version: str, changes: dict[str, str], note: str):
    """Save edits: into the draft itself, or (any other version) into a new draft made from it."""
    info = kbworkflow.get(version)
    if info.state == kbworkflow.DRAFT:
        return kbworkflow.save_draft(info.hash, changes, current_user, note or None)
    return kbworkflow.draft_from(info.hash, changes, current_user, note)


def _saved_flash(saved) -> None:
    if not saved.created:
        flash(_("Nothing changed: this content is version %(v)s.", v=saved.version.short))
        return
    check = saved.check
    flash(
        _(
            "Saved as draft %(v)s. Check: %(errors)s errors, %(warnings)s warnings, %(passed)s cases passed, "
            "%(failed)s failed.",
            v=saved.version.short,
            errors=len(check.errors),
            warnings=len(check.warnings),
            passed=check.passed,
            failed=check.failed,
        )
    )


def _in_file(line: str, name: str) -> bool:
    located = edit.parse_problem(line)
    return located is not None and located.file == name


def _located(lines, name: str) -> list[tuple[str, edit.ProblemAt | None]]:
    """The problem lines of file ``name``, each with its parsed place."""
    return [(line, edit.parse_problem(line)) for line in lines if _in_file(line, name)]


@bp.get("/kb/<version>/edit", endpoint="kb_items")
@require_role(ENGINEER)
def items_page(version: str):
    """What can be edited: each file (the YAML editor) and each item (the form editor)."""
    info = kbworkflow.get(version)
    files = kbworkflow.files(info.hash)
    return _render("staff/kb_items.html", info=info, files=files, items=edit.items(files), problems=_problems(info))


def _file_page(info, name: str, form: FileForm, problems: list[str], status: int = 200):
    kept = [line for _level, line, _loc in _problems(info)]
    return (
        _render(
            "staff/kb_file.html",
            info=info,
            name=name,
            form=form,
            refused=_located(problems, name),
            others=[p for p in problems if not _in_file(p, name)],
            checked=_located(kept, name),
        ),
        status,
    )


@bp.route("/kb/<version>/files/<name>", methods=["GET", "POST"], endpoint="kb_file")
@require_role(ENGINEER)
def file_editor(version: str, name: str):
    """One file's YAML in a text area; saving runs the loader, the verifier and the stored cases."""
    info = kbworkflow.get(version)
    files = kbworkflow.files(info.hash)
    if name not in files:
        return render_template("staff/missing.html"), 404
    if request.method == "GET":
        return _file_page(info, name, FileForm(formdata=None, data={"text": files[name]}), [])
    form = FileForm()
    if not form.validate_on_submit():
        return _file_page(info, name, form, [], 400)
    text = (form.text.data or "").replace("\r\n", "\n")
    try:
        saved = _save(info.hash, {name: text}, form.note.data or "")
    except KBRejectedError as exc:
        flash(_say(exc))
        return _file_page(info, name, form, list(exc.problems), 422)
    except WorkflowError as exc:
        flash(_say(exc))
        return _file_page(info, name, form, [], 409)
    _saved_flash(saved)
    return redirect(url_for("staff.kb_file", version=saved.version.hash, name=name), 303)


def _item_page(info, ref: edit.ItemRef, node, text: str, extra: list[str], status: int = 200, new: bool = False):
    """The item's form with every problem of the item next to its field (by line) or above the form."""
    try:
        span, lines = edit.field_lines(text, ref.file, ref.section, ref.index)
    except (kb.KBError, IndexError):  # a new item the text does not hold yet
        span, lines = (0, -1), {}
    kept = [line for _level, line, _loc in _problems(info)]
    general: list[str] = []
    by_path = {n.path: n for n in node.walk()}
    for line in list(extra) + kept:
        located = edit.parse_problem(line)
        if located is None or located.file != ref.file:
            continue
        path = edit.problem_field(located, span, lines)
        if path is None:
            continue
        target = next((by_path[path[:n]] for n in range(len(path), 0, -1) if path[:n] in by_path), None)
        if target is None or not path:
            general.append(line)
        else:
            target.errors.append(f"{_('line')} {located.line}: {located.text}")
    others = [p for p in extra if not _in_file(p, ref.file)]
    return (
        _render(
            "staff/kb_item.html",
            info=info,
            ref=ref,
            new=new,
            node=node,
            general=general,
            others=others,
            action=ActionForm(formdata=None),
            note=NoteForm(formdata=None),
        ),
        status,
    )


@bp.route("/kb/<version>/items/<name>/<section>", methods=["GET", "POST"], endpoint="kb_section")
@bp.route("/kb/<version>/items/<name>/<section>/<int:index>", methods=["GET", "POST"], endpoint="kb_item")
@require_role(ENGINEER)
def item_editor(version: str, name: str, section: str, index: int | None = None):
    """One item in a form built from the KB schema; saving writes the changed keys into its file and runs
    the loader, the verifier and the stored cases; each problem is shown next to the field on its line."""
    info = kbworkflow.get(version)
    files = kbworkflow.files(info.hash)
    ref = edit.find(files, name, section, index) if name in files else None
    if ref is None:
        return render_template("staff/missing.html"), 404
    text = files[name]
    old = edit.value(text, name, section, index)
    node = kbforms.form_for(section, old)
    if request.method == "GET" or not isinstance(old, dict):
        return _item_page(info, ref, kbforms.fill(node, old), text, [])
    form = NoteForm()
    if not form.validate_on_submit():
        return _item_page(info, ref, kbforms.fill(node, old), text, [], 400)
    value = kbforms.read(node, request.form, {k: str(v) for k, v in INPUT_ERRORS.items()})
    if kbforms.has_errors(node):
        return _item_page(info, ref, node, text, [], 400)
    new = kbforms.merged(old, value if isinstance(value, dict) else {}, node)
    new_text = edit.replace(text, name, section, index, new)
    try:
        saved = _save(info.hash, {name: new_text}, form.note.data or "")
    except KBRejectedError as exc:
        flash(_say(exc))
        return _item_page(info, ref, node, new_text, list(exc.problems), 422)
    except WorkflowError as exc:
        flash(_say(exc))
        return _item_page(info, ref, node, new_text, [], 409)
    _saved_flash(saved)
    target = dict(version=saved.version.hash, name=name, section=section)
    if index is None:
        return redirect(url_for("staff.kb_section", **target), 303)
    return redirect(url_for("staff.kb_item", index=index, **target), 303)


@bp.route("/kb/<version>/items/<name>/<section>/new", methods=["GET", "POST"], endpoint="kb_item_new")
@require_role(ENGINEER)
def item_new(version: str, name: str, section: str):
    """A new item at the end of a list section of a file: the same form, empty; saving runs the checks."""
    info = kbworkflow.get(version)
    files = kbworkflow.files(info.hash)
    refs = [r for r in edit.items(files) if (r.file, r.section) == (name, section)] if name in files else []
    if not refs or refs[0].index is None:
        return _render("staff/missing.html"), 404
    text = files[name]
    ref = edit.ItemRef(name, section, len(refs), "", refs[-1].line)
    node = kbforms.form_for(section)
    if request.method == "GET":
        return _item_page(info, ref, node, text, [], new=True)
    form = NoteForm()
    value = kbforms.read(node, request.form, {k: str(v) for k, v in INPUT_ERRORS.items()})
    if not form.validate_on_submit() or kbforms.has_errors(node) or not isinstance(value, dict):
        return _item_page(info, ref, node, text, [], 400, new=True)
    new_text = edit.append(text, name, section, value)
    try:
        saved = _save(info.hash, {name: new_text}, form.note.data or "")
    except KBRejectedError as exc:
        flash(_say(exc))
        return _item_page(info, ref, node, new_text, list(exc.problems), 422, new=True)
    _saved_flash(saved)
    return redirect(
        url_for("staff.kb_item", version=saved.version.hash, name=name, section=section, index=ref.index), 303
    )


@bp.post("/kb/<version>/items/<name>/<section>/<int:index>/remove", endpoint="kb_item_remove")
@require_role(ENGINEER)
def item_remove(version: str, name: str, section: str, index: int):
    """Remove an item from its list; refused (nothing stored) when the KB no longer loads without it."""
    info = kbworkflow.get(version)
    files = kbworkflow.files(info.hash)
    ref = edit.find(files, name, section, index) if name in files else None
    if ref is None:
        return _render("staff/missing.html"), 404
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was not complete. Try again."))
        return redirect(url_for("staff.kb_item", version=info.hash, name=name, section=section, index=index), 303)
    try:
        saved = _save(info.hash, {name: edit.remove(files[name], name, section, index)}, form.note.data or "")
    except KBRejectedError as exc:
        return _render("staff/kb_refused.html", refusal=_say(exc), problems=exc.problems), 422
    _saved_flash(saved)
    return redirect(url_for("staff.kb_items", version=saved.version.hash), 303)
