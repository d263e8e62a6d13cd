"""JSON API v1: the ``pakar batch`` contract over HTTP, stored results, and the KB's forms.

    POST   /api/v1/consultations                    a batch request in, 201 + the stored result out
    GET    /api/v1/consultations/<consultation_id>  the stored result, with its trace
    DELETE /api/v1/consultations/<consultation_id>  204
    GET    /api/v1/kb?lang=id|en                    what a client needs to render both forms
    GET    /api/v1/openapi.json                     the OpenAPI 3.1 document of all this

Every error is JSON ``{"error": {"code", "message"}}`` (plus ``request_id`` when the request carried a
usable ``id``) with a 4xx status, or 500 ``internal`` for a fault on our side; :mod:`webui.errorpages`
sends the errors Flask raises itself (unknown path, wrong method, body too large) through
:func:`http_error`. Messages follow the body's ``lang`` when the body is a JSON object, else the ``lang``
query parameter, else Indonesian. The API uses no cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from kb.languages import DEFAULT_LANGUAGE, supported
from rules import jsonbody
from rules.errors import JSONError
from rules.messages import message
from rules.requests import request_id
from webui import knowledge, retention, store, submissions
from webui.extensions import csrf
from webui.openapi import document as openapi_document
from webui.security import no_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# The errors Flask raises before or instead of a view, by status: their codes in rules.messages.HTTP_ERRORS.
FLASK_ERRORS = {404: "unknown_path", 405: "method_not_allowed", 413: "too_large"}
LANG_KEY = "pakar_api_lang"  # on flask.g: the language a POST's body asked for (for a fault after reading it)


def error(status: int, code: str, text: str, rid=None) -> Response:
    """The JSON error response every API failure uses."""
    body = {"error": {"code": code, "message": text}}
    if rid is not None:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    return response


def _fail(status: int, code: str, lang: str, **values) -> Response:
    return error(status, code, message(code, lang, **values))


def _query_lang() -> str:
    """The ``?lang=`` asked for when it is one we speak, else the default (for errors we cannot refuse)."""
    lang = request.args.get("lang")
    return lang if supported(lang) else DEFAULT_LANGUAGE


@bp.before_request
def _refuse_unknown_query_lang() -> Response | None:
    """Every operation refuses a ``?lang=`` we do not speak (400 ``bad_lang``) before doing anything."""
    lang = request.args.get("lang")
    if lang is None or supported(lang):
        return None
    return _fail(400, "bad_lang", DEFAULT_LANGUAGE, value=jsonbody.short(lang))


def http_error(exc) -> Response:
    """An error Flask raised under ``/api/`` (unknown path, wrong method, body too large) as JSON."""
    lang = _query_lang()
    if exc.code in FLASK_ERRORS:
        code = FLASK_ERRORS[exc.code]
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or ()))
        text = message(
            code, lang, method=request.method, allowed=allowed, limit=current_app.config.get("MAX_CONTENT_LENGTH")
        )
    else:
        # Not one the API produces; keep Werkzeug's words rather than inventing a translation.
        code, text = exc.name.lower().replace(" ", "_"), exc.description
    response = error(exc.code, code, text)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":  # e.g. 405's Allow
            response.headers[name] = value
    return response


def internal_error() -> Response:
    """A fault on our side under ``/api/``: 500 ``internal``, no traceback."""
    return _fail(500, "internal", _request_lang())


def unavailable() -> Response:
    """The database is unavailable for a moment: 503 ``unavailable`` (the caller adds ``Retry-After``)."""
    return _fail(503, "unavailable", _request_lang())


def _request_lang() -> str:
    """The language of a failed request's error: its JSON body's ``lang`` once read, else ``?lang=``."""
    return g.get(LANG_KEY) or _query_lang()


# --- the request body ----------------------------------------------------------------------------------


def _as_stored(raw: dict) -> dict:
    """The request as stored: exact decimals become JSON numbers again."""
    return json.loads(json.dumps(raw, default=float))


def _body() -> bytes:
    """The request's body. A body without a Content-Length (chunked) is cut at ``MAX_CONTENT_LENGTH`` by
    Werkzeug without a word; when more follows, it is refused 413 like a declared one (not read as bad JSON)."""
    data = request.get_data(cache=False)
    limit = request.max_content_length
    past_limit = request.content_length is None and limit is not None and len(data) >= limit
    # One more byte from the client's own stream (Werkzeug's limited view of it stops at the limit).
    if past_limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return data


# --- views ---------------------------------------------------------------------------------------------


def _public(row, token: str) -> dict:
    """A stored consultation as the API shows it: the batch result, its trace, and where it lives."""
    # created_at is aware UTC on every backend (see webui.store)
    return public_body({**row.result, "trace": row.trace}, token, row.created_at)


def public_body(result: dict, token: str, created_at: datetime) -> dict:
    """A batch result (with its trace) as the API shows it once stored under ``token`` (also the OpenAPI
    document's examples)."""
    body = dict(result)
    # A result stored before triage existed has neither key. The KB that answered it had no triage section,
    # so null, as for any KB without one, is true of it (the web page says the same: no triage block).
    body.setdefault("triage", None)
    body.setdefault("case_definition", None)
    body["request_id"] = body.pop("id", None)
    body["id"] = token
    body["url"] = url_for("results.show", token=token, _external=True)
    body["created_at"] = created_at.isoformat()
    return body


@bp.post("/consultations")
def create():
    """Answer a ``pakar batch`` request, store it, and answer 201 with the result and its receipt id."""
    lang = _query_lang()  # for messages about a body that cannot be read
    if not request.is_json:
        return _fail(415, "not_json", lang)
    try:
        # The same strict reader as `pakar batch` (duplicate keys, NaN and far-out numbers refused).
        raw = jsonbody.loads(_body(), lang)
    except JSONError as exc:
        return error(400, exc.code, exc.message)
    body_lang = raw.get("lang") if isinstance(raw, dict) else None
    answer_lang = body_lang if isinstance(body_lang, str) and supported(body_lang) else lang
    setattr(g, LANG_KEY, answer_lang)
    try:
        once = submissions.from_header(request.headers.getlist(submissions.HEADER))
    except submissions.BadKeyError:
        return _fail(400, "bad_idempotency_key", answer_lang)
    stored_request = _as_stored(raw)
    # draft-ietf-httpapi-idempotency-key-header-07, sections 2.6-2.7: a retry of a completed request gets "the
    # result of the previously completed operation" (the same 201 body and Location); the same key with
    # a different payload is refused with 422.
    found = store.find(once) if once else None
    if found is None:
        try:
            result = knowledge.answer(raw)
        except knowledge.InputError as exc:
            return error(400, exc.code, exc.message, request_id(raw))
        # The answer comes from memory: once the commit is done, nothing can fail this request's receipt.
        saved = store.record(stored_request, result, for_other=False, once=once)
        retention.purge_if_due()
    else:
        saved = store.Saved.of_row(*found)
    if saved.request != stored_request:  # also when a simultaneous post with this key won (webui.store)
        return _fail(422, "idempotency_key_reused", answer_lang)
    body = public_body({**saved.result, "trace": saved.trace}, saved.token, saved.created_at)
    response = no_store(jsonify(body))
    response.status_code = 201
    response.headers["Location"] = body["url"]
    return response


@bp.get("/consultations/<consultation_id>")
def read(consultation_id: str):
    """A stored consultation: the same body the POST answered."""
    row = store.get(consultation_id)
    if row is None:
        return _fail(404, "not_found", _query_lang())
    return no_store(jsonify(_public(row, consultation_id)))


@bp.delete("/consultations/<consultation_id>")
def remove(consultation_id: str):
    """Delete a stored consultation (204), or 404 when there is none."""
    if not store.remove(consultation_id):
        return _fail(404, "not_found", _query_lang())
    return Response(status=204)


@bp.get("/kb")
def describe():
    """The KB's questions, answers, symptoms, scale, hypotheses and texts in one language."""
    return jsonify(knowledge.describe(knowledge.current(), _query_lang()))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document describing this API, made from the KB this server runs."""
    return jsonify(openapi_document())
