"""Save, read, delete and purge stored consultations. One transaction per call: all or nothing."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, inspect

from webui.errors import StartupError
from webui.extensions import db, migrate
from webui.models import Consultation

TOKEN_BYTES = 18       # 144 random bits: 24 URL-safe characters, not guessable


def key_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """A cheap shape check, so junk in a URL never reaches the database."""
    return (isinstance(token, str) and len(token) == 24
            and all(c.isalnum() or c in "-_" for c in token))


def save(request: dict, result: dict, *, for_other: bool = False) -> str:
    """Store a finished consultation; return its receipt token (the only copy of it)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    body = {k: v for k, v in result.items() if k != "trace"}
    row = Consultation(
        key=key_of(token), created_at=datetime.now(timezone.utc), mode=result["mode"],
        kb_version=result["kb_version"], lang=result["lang"], for_other=bool(for_other),
        outcome=result.get("solution") or result.get("diagnosis"),
        request=request, result=body, trace=result.get("trace") or {},
    )
    db.session.add(row)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return token


def get(token: str) -> Consultation | None:
    if not looks_like_token(token):
        return None
    return db.session.get(Consultation, key_of(token))


def remove(token: str) -> bool:
    """Delete a stored consultation; False when there was none."""
    if not looks_like_token(token):
        return False
    done = db.session.execute(delete(Consultation).where(Consultation.key == key_of(token))).rowcount
    db.session.commit()
    return bool(done)


def purge(older_than_days: int, *, now: datetime | None = None) -> int:
    """Delete every consultation created more than ``older_than_days`` ago; return how many."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=older_than_days)
    done = db.session.execute(delete(Consultation).where(Consultation.created_at < cutoff)).rowcount
    db.session.commit()
    return done


def init_app(app) -> None:
    """Create the schema on first start (empty database) when AUTO_MIGRATE is on."""
    if not app.config.get("AUTO_MIGRATE"):
        return
    with app.app_context():
        try:
            empty = not inspect(db.engine).has_table(Consultation.__tablename__)
        except Exception as exc:  # noqa: BLE001 - any driver error means the same thing here
            raise StartupError(f"cannot reach the database {db.engine.url!r}: {exc}") from exc
        if empty:
            upgrade(app)


def upgrade(app) -> None:
    """Run the Alembic migrations up to the newest one."""
    from flask_migrate import upgrade as alembic_upgrade

    with app.app_context():
        alembic_upgrade(directory=migrate.directory)
