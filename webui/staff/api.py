"""The staff API (``/api/v1``, bearer tokens): the audit log here; the KB versions' routes are added to
this blueprint by the KB workflow's API module. Every route is guarded by ``require_token_role``.

Query parameters are read as strictly as the OpenAPI document (webui/openapi.staff.json) describes them: a
parameter the operation does not declare, a ``?lang=`` we do not speak, or a count that is not a whole number
is refused with 400 JSON before anything else, as the public API refuses a ``?lang=``."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, jsonify, request

from kb.languages import DEFAULT_LANGUAGE, supported
from rules import jsonbody
from rules.messages import message
from webui import openapi
from webui.api import error
from webui.extensions import csrf
from webui.staff import audit
from webui.staff.auth import private, require_token_role
from webui.staff.roles import ADMIN

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1")
# A token in a header, not a cookie, authenticates these requests: no cross-site form can send one.
csrf.exempt(bp)

MAX_PER_PAGE = 500
MAX_PAGE = 10**9  # past the last page gives the last page; this only keeps the database's OFFSET small
DIGITS = re.compile(r"[0-9]+")  # ASCII only, as the document's patterns (str.isdigit would take '²')
FLASK_PARAMETER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")  # /<version> in a route, /{version} in the document
BIG = 18  # digits: more than any count here, read without int()'s limit on long texts


def query_lang() -> str:
    """The ``?lang=`` asked for when it is one we speak, else the default (Indonesian)."""
    lang = request.args.get("lang")
    return lang if supported(lang) else DEFAULT_LANGUAGE


def _declared_query() -> frozenset[str] | None:
    """The query parameters the document declares for this request's operation (None: not documented)."""
    if request.url_rule is None:
        return None
    document = openapi.document()
    path = FLASK_PARAMETER.sub(r"{\1}", request.url_rule.rule)
    operation = document["paths"].get(path, {}).get(request.method.lower())
    if operation is None:
        return None
    parameters = document["components"]["parameters"]
    declared = (parameters[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in operation.get("parameters", ()))
    return frozenset(p["name"] for p in declared if p["in"] == "query")


def check_query() -> Response | None:
    """A staff API blueprint's ``before_request``: a query parameter the operation's document does not declare
    is 400 ``unknown_parameter``; a ``?lang=`` we do not speak is 400 ``bad_lang``."""
    declared = _declared_query()
    unknown = sorted(set(request.args) - declared) if declared is not None else []
    if unknown:
        allowed = ", ".join(sorted(declared or ()))
        text = message("unknown_parameter", query_lang(), value=jsonbody.short(unknown[0]), allowed=allowed)
        return error(400, "unknown_parameter", text)
    lang = request.args.get("lang")
    if lang is None or supported(lang):
        return None
    return error(400, "bad_lang", message("bad_lang", DEFAULT_LANGUAGE, value=jsonbody.short(lang)))


def whole_number(name: str, default: int, least: int = 1, most: int | None = None) -> int:
    """The query parameter ``name`` as a whole number of at least ``least`` (``default`` when absent; at most
    ``most``, larger asks get ``most``); anything else ends the request with 400 ``bad_number``."""
    raw = request.args.get(name)
    if raw is None:
        return default
    digits = raw.lstrip("0") or "0"
    if not DIGITS.fullmatch(raw) or (len(digits) <= BIG and int(digits) < least):
        text = message("bad_number", query_lang(), name=name, least=least, value=jsonbody.short(raw))
        abort(error(400, "bad_number", text))
    number = int(digits) if len(digits) <= BIG else 10**BIG
    return number if most is None else min(number, most)


bp.before_request(check_query)


@bp.after_request
def _private(response):
    return private(response)


@bp.get("/audit")
@require_token_role(ADMIN)
def audit_log():
    """The audit log, newest first, a page at a time (``?page=``, ``?per_page=`` up to 500)."""
    shown = audit.page(
        whole_number("page", 1, most=MAX_PAGE), whole_number("per_page", audit.PER_PAGE, most=MAX_PER_PAGE)
    )
    return jsonify(
        {
            "events": [item.as_json() for item in shown.events],
            "page": shown.number,
            "pages": shown.pages,
            "total": shown.total,
        }
    )
