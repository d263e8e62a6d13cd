"""The staff API (``/api/v1``, bearer tokens): the audit log here; the KB versions' routes are added to
this blueprint by the KB workflow's API module. Every route is guarded by ``require_token_role``."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from webui.extensions import csrf
from webui.staff import audit
from webui.staff.auth import private, require_token_role
from webui.staff.roles import ADMIN

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1")
# A token in a header, not a cookie, authenticates these requests: no cross-site form can send one.
csrf.exempt(bp)

MAX_PER_PAGE = 500


@bp.after_request
def _private(response):
    return private(response)


def _int_arg(name: str, default: int, most: int) -> int:
    value = request.args.get(name, "")
    return min(int(value), most) if value.isdigit() and int(value) > 0 else default


@bp.get("/audit")
@require_token_role(ADMIN)
def audit_log():
    """The audit log, newest first, a page at a time (``?page=``, ``?per_page=`` up to 500)."""
    shown = audit.page(_int_arg("page", 1, 10**9), _int_arg("per_page", audit.PER_PAGE, MAX_PER_PAGE))
    return jsonify(
        {
            "events": [item.as_json() for item in shown.events],
            "page": shown.number,
            "pages": shown.pages,
            "total": shown.total,
        }
    )
