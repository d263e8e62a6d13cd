"""Staff pages everyone with an account sees: log in, log out, the dashboard."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from webui import knowledge, limits
from webui.errorpages import form_again_after_csrf
from webui.staff import accounts, bp, dashboard
from webui.staff.auth import end_session, require_role, start_session
from webui.staff.forms import ActionForm, LoginForm

# The kinds of KB items the dashboard lists as awaiting review (webui.staff.dashboard), named for people.
KIND_NAMES = {
    "triage": _l("Triage settings"),
    "level": _l("Triage level"),
    "criterion": _l("Criterion"),
    "definition": _l("Case definition"),
    "triage rule": _l("Triage rule"),
    "constant": _l("Constant"),
    "symptom": _l("Symptom (assumed certainty factor)"),
}


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a staff page of this site only (never another host, never a header)."""
    if (
        target
        and target.startswith("/staff/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and target.isascii()
    ):
        return target
    return url_for("staff.dashboard")


# Login attempts per client address, whatever the names tried (each account also locks itself after
# STAFF_LOGIN_MAX_FAILURES wrong passwords): guessing across many accounts from one address is slowed too.
LOGIN_LIMIT = "10/minute;100/hour"


@bp.route("/login", methods=["GET", "POST"])
@limits.limit(LOGIN_LIMIT, methods=("POST",))
def login():
    """The login form. Every failure gets the same answer, whether the name, the password or a lockout."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.name.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            start_session()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [
            _(
                "The name or password is wrong, or the account is locked after too many attempts. "
                "Wait a few minutes or ask an admin."
            )
        ]
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("staff/login.html", form=form), status


@form_again_after_csrf("staff.login")
def _login_again(notice: str):
    """The login form again, the name kept, with ``notice`` (an expired form, too many attempts)."""
    form = LoginForm(formdata=None, data={"name": request.form.get("name", "")[:80]})
    return make_response(render_template("staff/login.html", form=form, notice=notice), 400)


@bp.post("/logout")
@require_role()
def logout():
    """Log out (a POST with the form's CSRF token: a link from another site cannot log anyone out)."""
    if ActionForm().validate_on_submit():
        end_session()
        flash(_("You are logged out."))
        return redirect(url_for("staff.login"))
    return redirect(url_for("staff.dashboard"))


@bp.get("/", endpoint="dashboard")
@require_role()
def dashboard_page():
    """Counts, the last 30 days' consultations as charts, drafts waiting for review, items to review."""
    return render_template("staff/dashboard.html", board=dashboard.build(knowledge.current()), kind_names=KIND_NAMES)
