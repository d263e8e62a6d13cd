"""The stored tables: a consultation (its answers, result, trace and KB version); the KB versions and the
active one (webui.kbstate).

The receipt token in the result's URL is never stored: the key is its SHA-256, so a copy of the database
does not hand out working result links. Nothing here identifies a person.

``submission`` makes one submission store one result (a double click, a retried API call): an HMAC of the
form's or the ``Idempotency-Key`` header's key under the app's secret (see :mod:`webui.store`), unique, and
deleted with its row when the retention period ends. Rows stored without a key leave it empty.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webui.extensions import db


class Consultation(db.Model):  # type: ignore[name-defined]  # db.Model is made at run time by Flask-SQLAlchemy
    __tablename__ = "consultation"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    mode: Mapped[str] = mapped_column(String(16))  # screening | diagnosis
    kb_version: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    for_other: Mapped[bool] = mapped_column(Boolean, default=False)  # checking someone else
    outcome: Mapped[str | None] = mapped_column(String(16))  # S1..S3, PC01, PC02 or None
    request: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)  # the result, without its trace
    trace: Mapped[dict] = mapped_column(JSON)
    submission: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)  # HMAC, hex


class KBVersion(db.Model):  # type: ignore[name-defined]
    """One version of the KB: its whole set of YAML files (the format of ``kb/``), keyed by its content hash
    (``KnowledgeBase.version``, the ``kb_version`` stored results name), with its life-cycle state."""

    __tablename__ = "kb_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # sha256 of the content, hex
    label: Mapped[str] = mapped_column(String(80))  # the KB's own `version:` text
    files: Mapped[dict] = mapped_column(JSON)  # {"<name>.yaml": text}
    state: Mapped[str] = mapped_column(String(16))  # draft | approved | published | retired
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(80))  # None: the system or the CLI
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # first time it was active
    check: Mapped[dict | None] = mapped_column(JSON)  # the last check's summary (rules.KBCheck.summary())


class ActiveKB(db.Model):  # type: ignore[name-defined]
    """The one row (id 1) naming the version every worker serves; ``serial`` grows by one at each switch, so
    a process sees a switch by comparing one integer."""

    __tablename__ = "active_kb"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_hash: Mapped[str] = mapped_column(String(64), ForeignKey("kb_version.hash"))
    serial: Mapped[int] = mapped_column(Integer)
    switched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    switched_by: Mapped[str | None] = mapped_column(String(80))  # None: the system or the CLI


# --- Staff (issue 10): accounts, API tokens and the append-only audit log (migration 0004_staff) ---


class User(db.Model):  # type: ignore[name-defined]  # db.Model is made at run time by Flask-SQLAlchemy
    """A staff account. ``roles`` is a comma list of admin, engineer, expert (see :mod:`webui.staff.roles`)."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    roles: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # since the last good login
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token of the staff API; only its SHA-256 is stored (the token is shown once)."""

    __tablename__ = "staff_api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # sha256(token), hex
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One line of the audit log: who did what to which KB version. Rows are only ever added."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(80))  # a user's name, or 'cli' / 'system'
    action: Mapped[str] = mapped_column(String(40), index=True)
    version_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    other_hash: Mapped[str | None] = mapped_column(String(64))  # e.g. the version a publish replaced
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
