"""The staff API of KB versions (bearer tokens): a KB kept in git and published from a pipeline.

    GET  /api/v1/kb/versions                        list (any staff role)
    POST /api/v1/kb/versions                        {"files": {...}, "note": "..."} or a zip -> 201 draft (engineer)
    GET  /api/v1/kb/versions/<hash>                 one version with its files; ?format=zip for a zip
    GET  /api/v1/kb/versions/<hash>/diff?against=   item by item and as text (default: against the active one)
    GET  /api/v1/kb/versions/<hash>/impact?against= stored consultations whose outcome would change
    POST /api/v1/kb/versions/<hash>/check           run the verifier and the stored cases again
    POST /api/v1/kb/versions/<hash>/approve         expert, not an editor of the draft
    POST /api/v1/kb/versions/<hash>/publish         engineer or admin (an earlier published one: admin, rollback)
    POST /api/v1/kb/versions/<hash>/retire          engineer or admin

Thin views: parse, call :mod:`webui.kbworkflow`, answer. A refusal is ``{"error": {"code", "message"}}`` in
the ``?lang=`` asked for (Indonesian by default) with the workflow's status (403, 404, 409, 422); a KB that
does not load adds ``"problems"`` (its ``file:line:col`` lines) to the error.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from kb.languages import DEFAULT_LANGUAGE, supported
from rules import jsonbody
from rules.errors import ImpactTooLongError, JSONError
from rules.i18n import tr
from rules.messages import message
from webui import kbworkflow
from webui.api import error
from webui.errors import KBRejectedError, WorkflowError
from webui.extensions import csrf
from webui.kbimpact import parse_threshold, web_budget
from webui.staff.api import check_query, whole_number
from webui.staff.auth import api_user, private, require_token_role
from webui.staff.roles import ADMIN, ENGINEER, EXPERT

bp = Blueprint("kb_api", __name__, url_prefix="/api/v1/kb/versions")
# A token in a header, not a cookie, authenticates these requests: no cross-site form can send one.
csrf.exempt(bp)

ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
IMPACT_LISTED = 100  # changed requests listed by default (the counts cover all); ?limit= up to IMPACT_LISTED_MAX
IMPACT_LISTED_MAX = 10_000
# ?threshold= as the document's pattern has it: a plain decimal from 0 to 1 (Fraction alone would also take
# '1/2', '5e-2', other scripts' digits and spaces).
THRESHOLD = re.compile(r"0(\.[0-9]*)?|1(\.0*)?|\.[0-9]+")


@bp.before_request
def _bigger_bodies() -> None:
    # A whole KB is some hundred kilobytes of YAML: more than a consultation's MAX_CONTENT_LENGTH allows.
    request.max_content_length = int(current_app.config.get("KB_UPLOAD_MAX_BYTES", 4 * 1024 * 1024))


bp.before_request(check_query)


@bp.after_request
def _private(response):
    return private(response)


def _lang() -> str:
    asked = request.args.get("lang")
    return asked if supported(asked) else DEFAULT_LANGUAGE


def _refused(exc: WorkflowError) -> Response:
    response = error(exc.status, exc.code, message(exc.code, _lang(), **exc.values))
    if isinstance(exc, KBRejectedError) and exc.problems:
        body = response.get_json()
        body["error"]["problems"] = list(exc.problems)
        response = jsonify(body)
        response.status_code = exc.status
    return response


@bp.errorhandler(WorkflowError)
def _workflow_error(exc: WorkflowError):
    return _refused(exc)


def _gettext(lang: str):
    return lambda text: tr(lang, text)


# --- reading --------------------------------------------------------------------------------------------------


@bp.get("")
@require_token_role()
def list_versions():
    """Every stored version, newest first (hash, state, author, created, published, check)."""
    return jsonify({"versions": [v.to_json() for v in kbworkflow.versions()]})


@bp.get("/<version>")
@require_token_role()
def show(version: str):
    """One version and its files (JSON), or ``?format=zip``: its files as a zip in the format of ``kb/``."""
    info = kbworkflow.get(version)
    if request.args.get("format") == "zip":
        response = Response(kbworkflow.export_zip(info.hash), mimetype="application/zip")
        response.headers["Content-Disposition"] = f'attachment; filename="pakar-kb-{info.short}.zip"'
        return response
    return jsonify({**info.to_json(), "files": kbworkflow.files(info.hash)})


@bp.get("/<version>/diff")
@require_token_role()
def diff(version: str):
    """What changed from ``?against=`` (default: the active version) to this one; ``?format=patch`` gives
    the text diff alone (text/x-diff)."""
    compared = kbworkflow.compare(version, request.args.get("against"))
    if request.args.get("format") == "patch":
        return Response("".join(f.diff for f in compared.files), mimetype="text/x-diff")
    items = compared.items.to_json(_gettext(_lang()))
    return jsonify(
        {
            "old": compared.old.to_json(),
            "new": compared.new.to_json(),
            "changes": items["changes"],
            "counts": items["counts"],
            "files": [f.to_json() for f in compared.files],
        }
    )


@bp.get("/<version>/impact")
@require_token_role()
def impact(version: str):
    """Replay the stored consultations under this version and ``?against=`` (default: the active one):
    counts per kind of change and the changed requests (``?limit=``, default 100); ``?threshold=`` for CF
    changes (default: the IMPACT_CF_THRESHOLD setting). Within IMPACT_WEB_SECONDS, else 409 ``impact_too_long``."""
    raw = request.args.get("threshold")
    if raw is not None and not THRESHOLD.fullmatch(raw):
        raise WorkflowError("bad_threshold")
    threshold = parse_threshold(raw) if raw is not None else None
    listed = whole_number("limit", IMPACT_LISTED, least=0, most=IMPACT_LISTED_MAX)
    budget = web_budget()
    try:
        report = kbworkflow.impact(version, request.args.get("against"), threshold=threshold, budget_s=budget)
    except ImpactTooLongError as exc:
        # 409, not 503: asking again will not make it faster; the command without a time limit will answer.
        values = {"done": exc.done, "total": exc.total, "seconds": f"{budget:g}", "version": version}
        return error(409, exc.code, message(exc.code, _lang(), **values))
    return jsonify(report.to_json(listed))


# --- changing -------------------------------------------------------------------------------------------------


def _json_body(raw) -> dict:
    """The body (a parsed JSON value) as ``files`` ({name: text}) and an optional ``note``."""
    files = raw.get("files") if isinstance(raw, dict) else None
    if not isinstance(files, dict) or not files or not all(isinstance(t, str) for t in files.values()):
        raise KBRejectedError("bad_files")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise KBRejectedError("bad_note", max=kbworkflow.NOTE_MAX)
    return {"files": {str(name): text for name, text in files.items()}, "note": note}


@bp.post("")
@require_token_role(ENGINEER)
def create():
    """A whole KB as a new draft: JSON ``{"files": {"<name>.yaml": text}, "note": ...}``, or a zip of its YAML
    files (``Content-Type: application/zip``, ``?note=``). 201 with the draft and its check; 200 when a
    version with this content exists already (nothing stored); 422 with the problems when it does not load."""
    if request.mimetype in ZIP_TYPES:
        saved = kbworkflow.import_zip(request.get_data(cache=False), api_user(), request.args.get("note", ""))
    elif request.is_json:
        try:
            # The same strict reader as the consultations' API (duplicate keys, NaN refused).
            body = _json_body(jsonbody.loads(request.get_data(cache=False), _lang()))
        except JSONError as exc:
            return error(400, exc.code, exc.message)
        saved = kbworkflow.import_files(body["files"], api_user(), body["note"])
    else:
        return error(415, "not_json", message("not_json", _lang()))
    response = jsonify({**saved.version.to_json(), "check": saved.check.summary(), "new": saved.created})
    response.status_code = 201 if saved.created else 200
    return response


@bp.post("/<version>/check")
@require_token_role()
def check(version: str):
    """Run the verifier and the stored test cases on a version again (the summary is kept with it)."""
    result = kbworkflow.check(version, api_user())
    return jsonify({"version": result.version, "clean": result.clean, "check": result.summary()})


@bp.post("/<version>/approve")
@require_token_role(EXPERT)
def approve(version: str):
    """An expert approves a draft: 403 for its own editors, 409 when it has errors or failing cases."""
    return jsonify(kbworkflow.approve(version, api_user()).to_json())


@bp.post("/<version>/publish")
@require_token_role(ENGINEER, ADMIN)
def publish(version: str):
    """Make an approved version active for every worker (or, admin only, an earlier published one: the
    rollback); 409 when it is not approved."""
    done = kbworkflow.publish(version, api_user())
    return jsonify(
        {**done.version.to_json(), "previous": done.previous, "rollback": done.rollback, "switched": done.switched}
    )


@bp.post("/<version>/retire")
@require_token_role(ENGINEER, ADMIN)
def retire(version: str):
    """Withdraw a version that is not the active one."""
    return jsonify(kbworkflow.retire(version, api_user()).to_json())


def init_app(app) -> None:
    """Register the KB versions' staff API."""
    app.register_blueprint(bp)
