"""The three staff roles and how a user's roles are stored (one comma list in ``User.roles``)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from webui.staff.errors import AccountError

ADMIN = "admin"  # accounts and settings; may publish and roll back
ENGINEER = "engineer"  # edits drafts, publishes approved versions
EXPERT = "expert"  # reviews and approves drafts
ROLES = (ADMIN, ENGINEER, EXPERT)
"""Every role, in the order they are listed and stored."""
LABELS = {ADMIN: _l("Admin"), ENGINEER: _l("Knowledge engineer"), EXPERT: _l("Medical expert")}
"""How pages name each role."""


def label(role: str) -> str:
    """A role's name in the page's language (the code itself for an unknown one)."""
    return str(LABELS.get(role, role))


def allowed() -> str:
    """The roles as a message lists them."""
    return ", ".join(ROLES)


def parse(values: Iterable[str]) -> tuple[str, ...]:
    """Roles from input (repeated options, form checkboxes): checked, each once, in :data:`ROLES` order.

    Raises :class:`AccountError` for an unknown role or none at all."""
    chosen = set()
    for value in values:
        role = value.strip().lower()
        if role not in ROLES:
            raise AccountError("bad_role", value=value, allowed=allowed())
        chosen.add(role)
    if not chosen:
        raise AccountError("no_role", allowed=allowed())
    return tuple(role for role in ROLES if role in chosen)


def split(stored: str) -> tuple[str, ...]:
    """The roles of a stored comma list (unknown entries are ignored: they grant nothing)."""
    names = {part.strip() for part in (stored or "").split(",")}
    return tuple(role for role in ROLES if role in names)


def join(roles: Iterable[str]) -> str:
    """The stored form of ``roles``."""
    return ",".join(roles)
