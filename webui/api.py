"""JSON API v1: the ``pakar batch`` contract over HTTP, stored results, and the KB's forms.

Every error is JSON ``{"error": {"code", "message"}}`` with a 4xx status (see :mod:`webui.errorpages`).
The API uses no cookies, so it needs no CSRF token.
"""
from __future__ import annotations

import json
import os
from decimal import Decimal

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from webui import knowledge, store
from webui.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

OPENAPI = os.path.join(os.path.dirname(__file__), "openapi.json")


def error(status: int, code: str, message: str, rid=None):
    body = {"error": {"code": code, "message": message}}
    if rid is not None:
        body["request_id"] = rid
    return jsonify(body), status


def _lang(raw=None) -> str:
    lang = raw.get("lang") if isinstance(raw, dict) else None
    return lang if lang in current_app.config["LANGUAGES"] else "id"


MESSAGES = {
    "bad_json": {"id": "Isi permintaan bukan JSON yang sah.", "en": "The request body is not valid JSON."},
    "not_json": {"id": "Kirim permintaan sebagai application/json.",
                 "en": "Send the request as application/json."},
    "not_found": {"id": "Tidak ada hasil tersimpan dengan id itu.", "en": "There is no stored result with that id."},
    "bad_lang": {"id": "Bahasa harus 'id' atau 'en'.", "en": "The language must be 'id' or 'en'."},
}


def _message(code, lang):
    return MESSAGES[code][lang]


def _public(row, token, result=None) -> dict:
    body = dict(result if result is not None else row.result)
    body["request_id"] = body.pop("id", None)
    body["id"] = token
    body["url"] = url_for("consult.result", token=token, _external=True)
    body["created_at"] = row.created_at.isoformat() if row is not None else None
    return body


@bp.post("/consultations")
def create():
    if not request.is_json:
        return error(415, "not_json", _message("not_json", _lang()))
    try:
        raw = json.loads(request.get_data(as_text=True), parse_float=Decimal)
    except ValueError:
        return error(400, "bad_json", _message("bad_json", _lang()))
    try:
        result = knowledge.consult(raw)
    except knowledge.InputError as exc:
        rid = raw.get("id") if isinstance(raw, dict) else None
        return error(400, exc.code, exc.message, rid if isinstance(rid, (str, int)) else None)
    token = store.save(_jsonable(raw), result, for_other=False)
    row = store.get(token)
    body = _public(row, token, {**result, "trace": result.get("trace")})
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = body["url"]
    return response


def _jsonable(raw: dict) -> dict:
    """The request as stored: exact decimals become JSON numbers again."""
    return json.loads(json.dumps(raw, default=lambda d: float(d) if isinstance(d, Decimal) else str(d)))


@bp.get("/consultations/<token>")
def read(token: str):
    row = store.get(token)
    if row is None:
        return error(404, "not_found", _message("not_found", _lang(request.args)))
    return jsonify(_public(row, token, {**row.result, "trace": row.trace}))


@bp.delete("/consultations/<token>")
def remove(token: str):
    if not store.remove(token):
        return error(404, "not_found", _message("not_found", _lang(request.args)))
    return Response(status=204)


@bp.get("/kb")
def describe():
    lang = request.args.get("lang", "id")
    if lang not in current_app.config["LANGUAGES"]:
        return error(400, "bad_lang", _message("bad_lang", "id"))
    return jsonify(knowledge.describe(knowledge.current(), lang))


@bp.get("/openapi.json")
def openapi():
    with open(OPENAPI, encoding="utf-8") as fh:
        return Response(fh.read(), mimetype="application/json")
