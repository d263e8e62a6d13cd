"""The staff package's errors. Each carries a message code of :mod:`webui.staff.messages`, so the CLI, the
web forms and the API say the same thing in the person's language."""

from __future__ import annotations

from webui.errors import WebError


class StaffError(WebError):
    """A staff action refused: ``code`` names its message, ``values`` fill it in."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


class AccountError(StaffError):
    """Bad account input (a name, a role, a password) or an account that does not exist."""


class AuditError(StaffError):
    """The audit log is append-only: an event cannot be changed or deleted."""
