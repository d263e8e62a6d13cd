"""Save, read, delete and purge stored consultations. One transaction per call: all or nothing."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import cast

import click
from flask import current_app
from sqlalchemy import CursorResult, Table, delete, event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from webui import faults
from webui.errors import StartupError
from webui.extensions import db, migrate
from webui.models import Consultation

TOKEN_BYTES = 18  # 144 random bits: 24 URL-safe characters, not guessable
# ASCII only: str.isalnum() would also pass "é" or "٣", and such junk must not reach the database either.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{24}")


def key_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """A cheap shape check, so junk in a URL never reaches the database."""
    return isinstance(token, str) and TOKEN_SHAPE.fullmatch(token) is not None


def _mac(purpose: str, once: str) -> bytes:
    """HMAC-SHA256 of ``once`` under the app's secret key, for one ``purpose``. Keyed with the server's
    secret so that a copy of the database cannot be searched for guessed (weak, client-chosen) keys, as
    the Idempotency-Key draft's security considerations ask: the lookup key is a composite of the client's
    key and something only the server knows."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else secret
    # hmac.digest: the one-shot C implementation, the same bytes as hmac.new(...).digest() at a fraction of
    # the cost (two of these per stored submission).
    return hmac.digest(secret, f"{purpose}\0{once}".encode(), "sha256")


def submission_of(once: str) -> str:
    """The stored ``submission`` value of the idempotency key ``once`` (already scoped by its caller)."""
    return _mac("submission", once).hex()


def token_of(once: str) -> str:
    """The receipt token a submission gets. Derived, not random, so that a repeat of the submission can
    send the person to the first receipt although the token itself is never stored; unguessable without
    the key and the server's secret. Same shape as a random token (24 URL-safe characters)."""
    return base64.urlsafe_b64encode(_mac("receipt", once)[:TOKEN_BYTES]).decode("ascii")


@dataclass(frozen=True)
class Saved:
    """What a stored consultation's receipt shows, as it was stored: answered from memory after a save, so
    that a read failing after the commit cannot lose an acknowledged result (nor a retry store it twice)."""

    token: str
    created_at: datetime
    request: dict
    result: dict  # without the trace
    trace: dict

    @classmethod
    def of_row(cls, token: str, row: Consultation) -> Saved:
        return cls(token, row.created_at, row.request, row.result, row.trace)


def cutoff(now: datetime | None = None) -> datetime:
    """The oldest creation time a result may have and still be readable: ``RETENTION_DAYS`` before now."""
    days = int(current_app.config["RETENTION_DAYS"])
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc) - timedelta(days=days)


def _expired(row: Consultation) -> bool:
    # Past the retention period a result is gone at read time, whether or not a purge has deleted it yet.
    return row.created_at < cutoff()


def find(once: str) -> tuple[str, Consultation] | None:
    """The receipt token and row already stored for the idempotency key ``once``, or None.

    An expired row is deleted here (its key is free again), so that the same key can store a new result.
    """
    row = db.session.scalar(select(Consultation).where(Consultation.submission == submission_of(once)))
    if row is None:
        return None
    if _expired(row):
        _delete(delete(Consultation).where(Consultation.key == row.key))
        return None
    return token_of(once), row


def save(request: dict, result: dict, *, for_other: bool = False, once: str | None = None) -> str:
    """Store a finished consultation; return its receipt token (the only copy of it). See :func:`record`."""
    return record(request, result, for_other=for_other, once=once).token


def record(request: dict, result: dict, *, for_other: bool = False, once: str | None = None) -> Saved:
    """Store a finished consultation; return its receipt (token, time, request, result, trace) from memory:
    nothing is read back after the commit.

    ``once``: the submission's idempotency key (scoped by the caller, e.g. ``"web:"`` or ``"api:"``). A
    submission is stored once: when another process stored the same one first, the unique ``submission``
    column refuses this row, and the first row's receipt is returned instead (nothing is stored twice).
    """
    token = secrets.token_urlsafe(TOKEN_BYTES) if once is None else token_of(once)
    body = {k: v for k, v in result.items() if k != "trace"}
    created_at = datetime.now(timezone.utc)
    trace = result.get("trace") or {}
    values = {
        "key": key_of(token),
        "created_at": created_at,
        "mode": result["mode"],
        "kb_version": result["kb_version"],
        "lang": result["lang"],
        "for_other": bool(for_other),
        "outcome": result.get("solution") or result.get("diagnosis"),
        "request": request,
        "result": body,
        "trace": trace,
        "submission": None if once is None else submission_of(once),
    }
    try:
        # One Core INSERT on the session's connection, in the session's transaction: the row is written
        # through the table's own types (the same JSON and time encoding as a Consultation object), without
        # the ORM's unit of work, identity map and expiry of an object nobody reads (about half the CPU).
        db.session.connection().execute(_INSERT, values)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # Lost the race to a simultaneous post of the same submission: the winner's row is the result.
        found = find(once) if once is not None else None
        if found is not None:
            return Saved.of_row(*found)
        raise
    except BaseException:
        # Roll back and re-raise: a failed call leaves nothing half done and the session usable.
        db.session.rollback()
        raise
    return Saved(token, created_at, request, body, trace)


# Built once: the statement's compiled form is then cached by SQLAlchemy (keyed by the columns given).
_INSERT = cast(Table, Consultation.__table__).insert()


def _delete(statement) -> int:
    """Run one DELETE in its own transaction; return how many rows went."""
    try:
        # A DELETE is answered with a CursorResult (Session.execute is typed with the general Result).
        done = cast(CursorResult, db.session.execute(statement)).rowcount
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return done


def _utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime, whatever the backend gives: SQLite returns it naive (it was
    written in UTC), PostgreSQL in the connection's time zone (which need not be UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@event.listens_for(Consultation, "load")
def _created_at_in_utc(row, _context) -> None:
    # set_committed_value: the normalised value is what the database holds, so the row is not made dirty.
    set_committed_value(row, "created_at", _utc(row.__dict__.get("created_at")))


@event.listens_for(Consultation, "refresh")
def _created_at_in_utc_again(row, _context, attrs) -> None:
    if attrs is None or "created_at" in attrs:
        set_committed_value(row, "created_at", _utc(row.__dict__.get("created_at")))


def get(token: str) -> Consultation | None:
    """The stored consultation of a receipt token; None when there is none or it is past the retention
    period (``RETENTION_DAYS``), whatever the purge schedule."""
    if not looks_like_token(token):
        return None
    row = db.session.get(Consultation, key_of(token))
    return None if row is None or _expired(row) else row


def remove(token: str) -> bool:
    """Delete a stored consultation; False when there was none (an expired one is left to the purge)."""
    if not looks_like_token(token):
        return False
    statement = delete(Consultation).where(Consultation.key == key_of(token), Consultation.created_at >= cutoff())
    return bool(_delete(statement))


def purge(older_than_days: int, *, now: datetime | None = None) -> int:
    """Delete every consultation created more than ``older_than_days`` ago; return how many.

    ``now`` (tests) must be timezone-aware. It is turned into UTC first: SQLite compares the stored UTC
    text with the parameter's wall-clock digits, so 12:00+07:00 must be sent as 05:00.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("purge(now=...) needs a timezone-aware datetime")
    cutoff = (now or datetime.now(timezone.utc)).astimezone(timezone.utc) - timedelta(days=older_than_days)
    return _delete(delete(Consultation).where(Consultation.created_at < cutoff))


def _tune_sqlite(busy_timeout: float):
    """A connect hook setting what SQLite needs for several processes writing at once (see init_app)."""
    millis = max(0, int(busy_timeout * 1000))

    def tune(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # First, so that switching to WAL waits for another process's lock too.
            cursor.execute(f"PRAGMA busy_timeout = {millis}")
            # WAL: readers never wait for the writer; the mode is kept in the file, so it is switched once
            # (an in-memory database answers "memory" and stays so).
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() not in ("wal", "memory"):
                cursor.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable in WAL mode except for the last commits on a power loss (not a process crash).
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    return tune


def init_app(app) -> None:
    """Configure SQLite connections; create the schema on first start (empty database) when AUTO_MIGRATE is on.

    SQLite (only): WAL journal, a busy timeout of ``SQLITE_BUSY_TIMEOUT`` seconds (a write lock held longer
    is answered 503 by :mod:`webui.errorpages`), synchronous=NORMAL, foreign keys enforced; on each new
    connection.
    """
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _tune_sqlite(float(app.config["SQLITE_BUSY_TIMEOUT"])))
    if not app.config.get("AUTO_MIGRATE"):
        return
    with app.app_context():
        try:
            empty = not inspect(db.engine).has_table(Consultation.__tablename__)
        except Exception as exc:  # any driver error means the same thing here
            where = db.engine.url.render_as_string(hide_password=True)
            message = f"cannot reach the database {where}: {faults.reason(exc)}"
            if click.get_current_context(silent=True) is not None:
                # Loading the app for a `flask ...` command (db upgrade, purge): click prints "Error: ..." and
                # exits 1, instead of a traceback.
                raise click.ClickException(message) from exc
            raise StartupError(message) from exc
        if empty:
            with _migration_lock(app):
                # Several gunicorn workers start at once on a new database: one migrates, the others
                # find the tables made when they get the lock.
                if not inspect(db.engine).has_table(Consultation.__tablename__):
                    upgrade(app)
        elif serving() and _behind(app):
            # A database made by an earlier Pakar (`make run` last month): the new tables (KB versions, staff)
            # come with this start. Only when serving: under `flask db downgrade` it would undo the command.
            with _migration_lock(app):
                if _behind(app):
                    upgrade(app)


def serving() -> bool:
    """Whether this app is made to serve requests: by a server or a test (no ``flask`` command runs), or by
    ``flask run``; not by the other ``flask`` commands, which load the app for its settings and database."""
    command = click.get_current_context(silent=True)
    return command is None or command.command.name == "run"


def _behind(app) -> bool:
    """Whether the database records an Alembic revision older than the newest one of the migrations (tables
    without a recorded revision were made some other way: left alone)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(migrate.get_config()).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return bool(current) and current != heads


@contextmanager
def _migration_lock(app):
    """An exclusive lock shared by every process of this instance (a lock file in the instance folder)."""
    path = os.path.join(app.instance_path, "migrate.lock")
    with open(path, "a", encoding="ascii") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade(app) -> None:
    """Run the Alembic migrations up to the newest one."""
    from flask_migrate import upgrade as alembic_upgrade

    with app.app_context():
        alembic_upgrade(directory=migrate.directory)
