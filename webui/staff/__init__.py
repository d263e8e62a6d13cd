"""Staff: accounts and roles, login, the dashboard, the audit log, the ``flask users`` commands and the staff
API's authentication. Pages live under ``/staff/`` (blueprint ``staff``); staff API routes under ``/api/v1``
(blueprint ``staff_api`` in :mod:`webui.staff.api`). Every route is guarded by :mod:`webui.staff.auth`.

The public never needs an account: nothing outside these blueprints reads the login.
"""

from __future__ import annotations

import importlib

from flask import Blueprint

from webui.staff.auth import end_idle_session, private

bp = Blueprint("staff", __name__, url_prefix="/staff")

# The modules that add routes to ``bp`` or to the staff API blueprint; imported before the blueprints are
# registered. Add a module of staff pages or staff API routes here.
ROUTE_MODULES = ("webui.staff.views", "webui.staff.admin", "webui.staff.api", "webui.staff.kbviews")


@bp.before_request
def _idle() -> None:
    end_idle_session()


@bp.after_request
def _private(response):
    return private(response)


def init_app(app) -> None:
    """Bind Flask-Login, register the staff blueprints and the ``flask users`` commands."""
    from webui.staff import auth, cli

    for name in ROUTE_MODULES:
        importlib.import_module(name)
    from webui.staff import roles
    from webui.staff.api import bp as api_bp

    auth.init_app(app)
    cli.init_app(app)
    app.add_template_filter(roles.label, "role_name")
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
