"""Admin pages: accounts (create, set roles, disable or enable, reset a password) and the audit log (paged,
and as CSV). Thin views: :mod:`webui.staff.accounts` and :mod:`webui.staff.audit` do the work."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webui.i18n import current_lang
from webui.staff import accounts, audit, bp, roles
from webui.staff.auth import require_role
from webui.staff.errors import AccountError
from webui.staff.forms import ActiveForm, NewAccountForm, PasswordForm, RolesForm
from webui.staff.messages import message
from webui.staff.roles import ADMIN


def _lang() -> str:
    return current_lang()


def _accounts_page(new: NewAccountForm, status: int = 200):
    users = accounts.all_users()
    forms = {
        user.name: {
            "roles": RolesForm(prefix=f"r-{user.id}", formdata=None, data={"roles": list(user.roles)}),
            "active": ActiveForm(prefix=f"a-{user.id}", formdata=None),
            "password": PasswordForm(prefix=f"p-{user.id}", formdata=None),
        }
        for user in users
    }
    page = render_template("staff/accounts.html", users=users, forms=forms, new=new, now=datetime.now(timezone.utc))
    return page, status


@bp.get("/accounts")
@require_role(ADMIN)
def accounts_list():
    """Every account, with its roles and state, and the form for a new one."""
    return _accounts_page(NewAccountForm(formdata=None))


@bp.post("/accounts")
@require_role(ADMIN)
def accounts_create():
    new = NewAccountForm()
    if new.validate_on_submit():
        if new.password.data != new.confirm.data:
            new.confirm.errors = [message("password_mismatch", _lang())]
        else:
            try:
                user = accounts.create(new.name.data, new.roles.data or [], new.password.data, actor=current_user)
            except AccountError as exc:
                field = {"bad_role": new.roles, "no_role": new.roles, "short_password": new.password}.get(
                    exc.code, new.name
                )
                field.errors = [message(exc.code, _lang(), **exc.values)]
            else:
                flash(_("Account %(name)s created.", name=user.name))
                return redirect(url_for("staff.accounts_list"))
    return _accounts_page(new, 400)


def _user_action(action):
    """Run a change of the accounts page; an :class:`AccountError` is flashed. Back to the page (303)."""
    try:
        action()
    except AccountError as exc:
        flash(message(exc.code, _lang(), **exc.values))
    return redirect(url_for("staff.accounts_list"), 303)


@bp.post("/accounts/<name>/roles")
@require_role(ADMIN)
def account_roles(name: str):
    user = accounts.find(name)
    if user is None:
        return render_template("staff/missing.html"), 404
    form = RolesForm(prefix=f"r-{user.id}")
    if not form.validate_on_submit():
        flash(message("no_role", _lang(), allowed=roles.allowed()))
        return redirect(url_for("staff.accounts_list"), 303)

    def change():
        accounts.set_roles(name, form.roles.data or [], actor=current_user)
        flash(_("Roles of %(name)s saved.", name=user.name))

    return _user_action(change)


@bp.post("/accounts/<name>/active")
@require_role(ADMIN)
def account_active(name: str):
    user = accounts.find(name)
    if user is None:
        return render_template("staff/missing.html"), 404
    form = ActiveForm(prefix=f"a-{user.id}")
    if not form.validate_on_submit():
        return redirect(url_for("staff.accounts_list"), 303)
    wanted = bool(form.active.data)

    def change():
        accounts.set_active(name, wanted, actor=current_user)
        flash(_("%(name)s enabled.", name=user.name) if wanted else _("%(name)s disabled.", name=user.name))

    return _user_action(change)


@bp.post("/accounts/<name>/password")
@require_role(ADMIN)
def account_password(name: str):
    user = accounts.find(name)
    if user is None:
        return render_template("staff/missing.html"), 404
    form = PasswordForm(prefix=f"p-{user.id}")
    if not form.validate_on_submit() or form.password.data != form.confirm.data:
        flash(message("password_mismatch", _lang()))
        return redirect(url_for("staff.accounts_list"), 303)

    def change():
        accounts.reset_password(name, form.password.data, actor=current_user)
        flash(_("New password set for %(name)s.", name=user.name))

    return _user_action(change)


@bp.get("/audit")
@require_role(ADMIN)
def audit_page():
    """The audit log, newest first, 50 events a page."""
    number = request.args.get("page", "1")
    shown = audit.page(int(number) if number.isdigit() else 1)
    return render_template("staff/audit.html", log=shown)


@bp.get("/audit.csv")
@require_role(ADMIN)
def audit_csv():
    """The whole audit log as CSV, oldest first (streamed: the log only grows)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        stream_with_context(audit.csv_lines(audit.every_event())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="pakar-audit-{stamp}.csv"'},
    )
