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

import functools
import json
import math
import os
from decimal import Decimal

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from webui import knowledge, retention, store
from webui.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

OPENAPI = os.path.join(os.path.dirname(__file__), "openapi.json")

# The API's own messages (the engine's input errors come with theirs). Several texts share one code: a
# client branches on the code, a person reads the message.
MESSAGES = {
    "bad_json": ("Isi permintaan bukan JSON yang sah (baris {line}, kolom {column}).",
                 "The request body is not valid JSON (line {line}, column {column})."),
    "bad_json_encoding": ("Isi permintaan harus JSON dalam UTF-8.", "The request body must be JSON in UTF-8."),
    "bad_json_depth": ("JSON dalam permintaan bersarang terlalu dalam.",
                       "The request's JSON is nested too deeply."),
    "bad_json_constant": ("{value} bukan angka JSON; kirim angka yang terhingga.",
                          "{value} is not a JSON number; send a finite number."),
    "bad_json_range": ("Angka {value} di luar jangkauan angka JSON yang dapat dipertukarkan.",
                       "The number {value} is outside the range of interoperable JSON numbers."),
    "bad_json_duplicate": ("Kunci '{value}' muncul lebih dari sekali dalam satu objek.",
                           "The key '{value}' appears more than once in one object."),
    "not_json": ("Kirim permintaan sebagai application/json.", "Send the request as application/json."),
    "too_large": ("Isi permintaan lebih dari {limit} byte; satu konsultasi jauh lebih kecil.",
                  "The request body is over {limit} bytes; a consultation is far smaller."),
    "not_found": ("Tidak ada hasil tersimpan dengan id itu (mungkin sudah dihapus).",
                  "There is no stored result with that id (it may have been deleted)."),
    "unknown_path": ("Alamat API ini tidak ada; lihat /api/v1/openapi.json.",
                     "There is no such API address; see /api/v1/openapi.json."),
    "method_not_allowed": ("Metode {method} tidak berlaku di sini; yang boleh: {allowed}.",
                           "Method {method} is not allowed here; allowed: {allowed}."),
    "bad_lang": ("Bahasa '{value}' tidak tersedia; gunakan \"id\" atau \"en\".",
                 "Language '{value}' is not available; use \"id\" or \"en\"."),
    "internal": ("Terjadi kesalahan di sistem; tidak ada yang disimpan. Silakan coba lagi.",
                 "Something went wrong on our side; nothing was stored. Please try again."),
}

# The errors Flask raises before or instead of a view, by status: (code, message key).
HTTP_ERRORS = {
    404: ("unknown_path", "unknown_path"),
    405: ("method_not_allowed", "method_not_allowed"),
    413: ("too_large", "too_large"),
}


class BadBody(Exception):
    """A request body that is not the JSON we accept; ``key`` names its message in :data:`MESSAGES`."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key = key
        self.values = values


def message(key: str, lang: str, **values) -> str:
    """The API message ``key`` in ``lang`` (Indonesian unless ``lang`` is "en")."""
    ind, eng = MESSAGES[key]
    return (eng if lang == "en" else ind).format(**values)


def error(status: int, code: str, text: str, rid=None) -> Response:
    """The JSON error response every API failure uses."""
    body = {"error": {"code": code, "message": text}}
    if rid is not None:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    return response


def _fail(status: int, code: str, lang: str, key: str | None = None, **values) -> Response:
    return error(status, code, message(key or code, lang, **values))


def _short(text: str, limit: int = 40) -> str:
    """A value quoted back in a message, cut so that a 64 KiB key cannot make a 64 KiB message."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _query_lang() -> str:
    """The ``?lang=`` asked for when it is one we speak, else Indonesian (for errors we cannot refuse)."""
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else "id"


@bp.before_request
def _refuse_unknown_query_lang() -> Response | None:
    """Every operation refuses a ``?lang=`` we do not speak (400 ``bad_lang``) before doing anything."""
    lang = request.args.get("lang")
    if lang is None or lang in current_app.config["LANGUAGES"]:
        return None
    return _fail(400, "bad_lang", "id", value=_short(lang))


def http_error(exc) -> Response:
    """An error Flask raised under ``/api/`` (unknown path, wrong method, body too large) as JSON."""
    lang = _query_lang()
    if exc.code in HTTP_ERRORS:
        code, key = HTTP_ERRORS[exc.code]
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or ()))
        text = message(key, lang, method=request.method, allowed=allowed,
                       limit=current_app.config.get("MAX_CONTENT_LENGTH"))
    else:
        # Not one the API produces; keep Werkzeug's words rather than inventing a translation.
        code, text = exc.name.lower().replace(" ", "_"), exc.description
    response = error(exc.code, code, text)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":   # e.g. 405's Allow
            response.headers[name] = value
    return response


def internal_error() -> Response:
    """A fault on our side under ``/api/``: 500 ``internal``, no traceback."""
    return _fail(500, "internal", _query_lang())


# --- the request body ----------------------------------------------------------------------------------

def _number(text: str, exact):
    """A JSON number as ``exact`` (int or Decimal) if it fits a double (RFC 8259 section 6). ``pakar batch``
    checks the exact decimal against the scale, and an exponent of a billion would cost a billion digits."""
    value = Decimal(text)
    as_float = float(value)   # inf or 0.0 when out of range; never raises
    if not math.isfinite(as_float) or (as_float == 0 and value != 0):
        raise BadBody("bad_json_range", value=_short(text))
    return value if exact is Decimal else exact(text)


def _constant(name: str):
    raise BadBody("bad_json_constant", value=name)   # NaN, Infinity, -Infinity: Python's json accepts them


def _object(pairs: list) -> dict:
    # Duplicate keys are legal JSON syntax, but parsers disagree about which value wins; refuse to guess.
    out = {}
    for key, value in pairs:
        if key in out:
            raise BadBody("bad_json_duplicate", value=_short(key))
        out[key] = value
    return out


def parse_body(data: bytes):
    """The request body as Python (decimals exact, as ``pakar batch`` reads them); raises :class:`BadBody`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("bad_json_encoding") from None
    try:
        return json.loads(text, parse_float=lambda s: _number(s, Decimal), parse_int=lambda s: _number(s, int),
                          parse_constant=_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise BadBody("bad_json", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise BadBody("bad_json_depth") from None


def _request_id(raw):
    """The request's own ``id`` as echoed (text or a finite number), or None when it has no usable one."""
    rid = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, (str, int, Decimal)):
        return None
    if isinstance(rid, Decimal):   # already finite (see _number); as rules.consultation echoes it
        return int(rid) if rid == rid.to_integral_value() else float(rid)
    return rid


def _as_stored(raw: dict) -> dict:
    """The request as stored: exact decimals become JSON numbers again."""
    return json.loads(json.dumps(raw, default=float))


# --- views ---------------------------------------------------------------------------------------------

def _public(row, token: str) -> dict:
    """A stored consultation as the API shows it: the batch result, its trace, and where it lives."""
    body = {**row.result, "trace": row.trace}
    body["request_id"] = body.pop("id", None)
    body["id"] = token
    body["url"] = url_for("consult.result", token=token, _external=True)
    body["created_at"] = row.created_at.isoformat()   # aware UTC on every backend (see webui.store)
    return body


def _private(response: Response) -> Response:
    """Results must not stay in a shared phone's or proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/consultations")
def create():
    """Answer a ``pakar batch`` request, store it, and answer 201 with the result and its receipt id."""
    lang = _query_lang()   # for messages about a body that cannot be read
    if not request.is_json:
        return _fail(415, "not_json", lang)
    try:
        raw = parse_body(request.get_data(cache=False))
    except BadBody as exc:
        return _fail(400, "bad_json", lang, exc.key, **exc.values)
    try:
        result = knowledge.consult(raw)
    except knowledge.InputError as exc:
        return error(400, exc.code, exc.message, _request_id(raw))
    token = store.save(_as_stored(raw), result, for_other=False)
    retention.purge_if_due()
    body = _public(store.get(token), token)
    response = _private(jsonify(body))
    response.status_code = 201
    response.headers["Location"] = body["url"]
    return response


@bp.get("/consultations/<consultation_id>")
def read(consultation_id: str):
    """A stored consultation: the same body the POST answered."""
    row = store.get(consultation_id)
    if row is None:
        return _fail(404, "not_found", _query_lang())
    return _private(jsonify(_public(row, consultation_id)))


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


@functools.cache
def _openapi_text() -> str:
    with open(OPENAPI, encoding="utf-8") as fh:
        return fh.read()


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document describing this API."""
    return Response(_openapi_text(), mimetype="application/json")
