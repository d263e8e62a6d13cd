"""Staff accounts and API tokens: create, change roles, disable, reset passwords, log in (with lockout),
issue and check tokens. One transaction per call; each change writes its audit event in the same one.

Views and commands get :class:`StaffUser` records, never ORM rows.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select, update

from webui.extensions import db
from webui.models import ApiToken, User
from webui.staff import audit, passwords, roles
from webui.staff.errors import AccountError

NAME_SHAPE = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}")
TOKEN_PREFIX = "pakar_"  # tells a leaked token apart in a log or a secret scanner
TOKEN_BYTES = 32
MAX_PASSWORD = 1024  # Argon2 takes any length; a cap keeps a login POST cheap


@dataclass(frozen=True)
class StaffUser:
    """A staff account as Flask-Login and the views see it.

    ``session_id`` changes when the password changes (it carries a digest of the hash), so a reset ends
    every session of the old password."""

    id: int
    name: str
    roles: tuple[str, ...]
    active: bool
    session_id: str
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime | None = None

    # Flask-Login's user interface.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_id

    def has_any(self, wanted) -> bool:
        """Whether the user holds at least one of the ``wanted`` roles."""
        return any(role in self.roles for role in wanted)


def now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(value: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite gives it back naive)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _session_id(row: User) -> str:
    digest = hashlib.sha256(row.password_hash.encode("utf-8")).hexdigest()[:16]
    return f"{row.id}.{digest}"


def record_of(row: User) -> StaffUser:
    return StaffUser(
        id=row.id,
        name=row.name,
        roles=roles.split(row.roles),
        active=bool(row.active),
        session_id=_session_id(row),
        locked_until=_utc(row.locked_until),
        last_login_at=_utc(row.last_login_at),
        created_at=_utc(row.created_at),
    )


def check_name(name: str) -> str:
    """A name as stored (trimmed, lower case); :class:`AccountError` when it has the wrong shape."""
    clean = (name or "").strip().lower()
    if not NAME_SHAPE.fullmatch(clean):
        raise AccountError("bad_name", value=name)
    return clean


def check_password(password: str) -> str:
    """``password`` when long enough (STAFF_PASSWORD_MIN_LENGTH) and not absurdly long."""
    least = int(current_app.config["STAFF_PASSWORD_MIN_LENGTH"])
    if len(password or "") < least:
        raise AccountError("short_password", min=least)
    if len(password) > MAX_PASSWORD:
        raise AccountError("long_password", max=MAX_PASSWORD)
    return password


def _row(name: str) -> User:
    row = db.session.scalar(select(User).where(User.name == (name or "").strip().lower()))
    if row is None:
        raise AccountError("no_such_user", value=name)
    return row


def _commit() -> None:
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def get(name: str) -> StaffUser:
    """The account named ``name``; :class:`AccountError` when there is none."""
    return record_of(_row(name))


def find(name: str) -> StaffUser | None:
    """The account named ``name``, or None."""
    row = db.session.scalar(select(User).where(User.name == (name or "").strip().lower()))
    return None if row is None else record_of(row)


def all_users() -> list[StaffUser]:
    """Every account, by name."""
    return [record_of(row) for row in db.session.scalars(select(User).order_by(User.name))]


def count_active() -> int:
    """How many accounts may log in (the dashboard's staff count)."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0


def create(name: str, role_names, password: str, *, actor: str) -> StaffUser:
    """Make an account; :class:`AccountError` for a bad or taken name, bad roles or a short password."""
    clean = check_name(name)
    chosen = roles.parse(role_names)
    check_password(password)
    if db.session.scalar(select(User.id).where(User.name == clean)) is not None:
        raise AccountError("name_taken", value=clean)
    row = User(
        name=clean,
        password_hash=passwords.hash_password(password),
        roles=roles.join(chosen),
        active=True,
        failed_logins=0,
        created_at=now(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "user.create", user=clean, roles=list(chosen))
    _commit()
    return record_of(row)


def _other_active_admins(row: User) -> int:
    rows = db.session.scalars(select(User).where(User.active.is_(True), User.id != row.id))
    return sum(1 for other in rows if roles.ADMIN in roles.split(other.roles))


def set_roles(name: str, role_names, *, actor: str) -> StaffUser:
    """Replace an account's roles (the last active admin keeps admin, so nobody is locked out of accounts)."""
    row = _row(name)
    chosen = roles.parse(role_names)
    if roles.ADMIN in roles.split(row.roles) and roles.ADMIN not in chosen and not _other_active_admins(row):
        raise AccountError("last_admin", value=row.name)
    row.roles = roles.join(chosen)
    audit.record(actor, "user.roles", user=row.name, roles=list(chosen))
    _commit()
    return record_of(row)


def set_active(name: str, active: bool, *, actor: str) -> StaffUser:
    """Disable (no login, no token works) or enable an account."""
    row = _row(name)
    if not active and roles.ADMIN in roles.split(row.roles) and row.active and not _other_active_admins(row):
        raise AccountError("last_admin", value=row.name)
    row.active = active
    audit.record(actor, "user.enable" if active else "user.disable", user=row.name)
    _commit()
    return record_of(row)


def reset_password(name: str, password: str, *, actor: str) -> StaffUser:
    """Set a new password and lift a lockout; the account's open sessions end (see StaffUser.session_id)."""
    row = _row(name)
    check_password(password)
    row.password_hash = passwords.hash_password(password)
    row.failed_logins = 0
    row.locked_until = None
    audit.record(actor, "user.password", user=row.name)
    _commit()
    return record_of(row)


def authenticate(name: str, password: str) -> StaffUser | None:
    """The account when ``name`` and ``password`` match an active, unlocked account; else None.

    After STAFF_LOGIN_MAX_FAILURES wrong passwords in a row the account is locked for
    STAFF_LOCKOUT_MINUTES, during which even the right password is refused. The answer never says which
    of these it was (a name that does not exist costs as long as a real one)."""
    config = current_app.config
    row = db.session.scalar(select(User).where(User.name == (name or "").strip().lower()))
    if row is None or len(password or "") > MAX_PASSWORD:
        passwords.spend_time()
        # Not the name typed: people type a password into the name field by mistake.
        audit.record("system", "login.failed", reason="unknown account")
        _commit()
        return None
    moment = now()
    locked = _utc(row.locked_until)
    if locked is not None and locked > moment:
        passwords.spend_time()
        audit.record(row.name, "login.refused", reason="locked")
        _commit()
        return None
    if not passwords.verify(row.password_hash, password) or not row.active:
        # Counted in the database (not per process), so every worker sees the same count.
        failures = (row.failed_logins or 0) + 1
        row.failed_logins = failures
        if failures >= int(config["STAFF_LOGIN_MAX_FAILURES"]):
            row.locked_until = moment + timedelta(minutes=int(config["STAFF_LOCKOUT_MINUTES"]))
            row.failed_logins = 0
            audit.record(row.name, "login.locked", minutes=int(config["STAFF_LOCKOUT_MINUTES"]))
        else:
            audit.record(row.name, "login.failed", reason="disabled" if not row.active else "password")
        _commit()
        return None
    if passwords.needs_rehash(row.password_hash):
        row.password_hash = passwords.hash_password(password)
    row.failed_logins = 0
    row.locked_until = None
    row.last_login_at = moment
    audit.record(row.name, "login")
    _commit()
    return record_of(row)


def check_or_none(name: str) -> str | None:
    """``name`` as stored when it has an account's shape, else None (junk is not written to the log)."""
    try:
        return check_name(name)
    except AccountError:
        return None


def load_session(session_id: str) -> StaffUser | None:
    """The account of a login session (Flask-Login's user loader): None when it is gone, disabled or its
    password changed since."""
    number, _, _digest = (session_id or "").partition(".")
    if not number.isdigit():
        return None
    row = db.session.get(User, int(number))
    if row is None or not row.active or not secrets.compare_digest(_session_id(row), session_id):
        return None
    return record_of(row)


# --- API tokens ---


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(name: str, *, actor: str) -> str:
    """A new API token for the account (returned once: only its SHA-256 is stored)."""
    row = _row(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(ApiToken(user_id=row.id, token_hash=token_hash(token), created_at=now()))
    audit.record(actor, "token.create", user=row.name)
    _commit()
    return token


def revoke_tokens(name: str, *, actor: str) -> int:
    """Revoke every live token of the account; how many were revoked."""
    row = _row(name)
    moment = now()
    done = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == row.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=moment)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(done, "rowcount", 0) or 0)
    audit.record(actor, "token.revoke", user=row.name, count=count)
    _commit()
    return count


def user_for_token(token: str) -> StaffUser | None:
    """The active account a live token belongs to, or None (unknown, revoked, disabled account)."""
    if not token or len(token) > 200:
        return None
    found = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    token_row, row = found
    if not row.active:
        return None
    token_row.last_used_at = now()
    _commit()
    return record_of(row)


def live_tokens(name: str) -> int:
    """How many unrevoked tokens the account has."""
    row = _row(name)
    return (
        db.session.scalar(
            select(func.count()).select_from(ApiToken).where(ApiToken.user_id == row.id, ApiToken.revoked_at.is_(None))
        )
        or 0
    )
