"""Texts of the staff CLI and the staff API, one table (as :mod:`rules.messages` is for the public API).

Web templates translate their own texts with ``_()``; forms show these messages for the same errors.
"""

from __future__ import annotations

from rules.i18n import N_, tr

MESSAGES = {
    # Accounts (the CLI, the admin pages)
    "bad_name": N_("A name is 2 to 80 characters: lower-case letters, digits, '.', '_' or '-' (got '%(value)s')."),
    "name_taken": N_("There is already an account named '%(value)s'."),
    "no_such_user": N_("There is no account named '%(value)s'."),
    "bad_role": N_("Unknown role '%(value)s'; use %(allowed)s."),
    "no_role": N_("Give at least one role: %(allowed)s."),
    "short_password": N_("The password must have at least %(min)s characters."),
    "long_password": N_("The password must have at most %(max)s characters."),
    "password_mismatch": N_("The two passwords differ."),
    "no_password": N_("No password on standard input."),
    "last_admin": N_("'%(value)s' is the last active admin; make another admin first."),
    # The staff API
    "unauthorized": N_("This needs a staff API token: send the header 'Authorization: Bearer <token>'."),
    "bad_token": N_("This API token is not valid: unknown, revoked, or its account is disabled."),
    "forbidden": N_("Your account's roles do not allow this; it needs: %(needed)s."),
    # The audit log is append-only
    "audit_append_only": N_("The audit log is append-only: its events cannot be changed or deleted."),
}
"""Every code, one message each."""


def message(code: str, lang: str = "id", **values: object) -> str:
    """The message ``code`` in ``lang`` with ``values`` filled in."""
    return tr(lang, MESSAGES[code], **values)
