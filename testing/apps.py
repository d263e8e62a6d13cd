"""Web apps configured for tests, on a real database whose schema the real Alembic migrations create."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, inspect, select, text

from webui import create_app
from webui.extensions import db
from webui.models import Consultation

TEST_SECRET_KEY = "test-secret"


def make_app(database_url: str, tmp_path: Path, **overrides) -> Flask:
    """An app for tests (TESTING, CSRF on as in production) on ``database_url``, its instance folder in
    ``tmp_path``; ``overrides`` are further settings (``RETENTION_DAYS=7``)."""
    instance = tmp_path / "instance"
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "AUTO_MIGRATE": True,
        **overrides,
    }
    return create_app(config, instance_path=str(instance))


def clear_app(app: Flask) -> None:
    """Remove the consultations ``app`` stored and close its connections (a shared PostgreSQL database
    starts the next test empty; SQLite files are not left open)."""
    with app.app_context():
        db.session.remove()
        if inspect(db.engine).has_table("consultation"):  # AUTO_MIGRATE=False apps may have none
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM consultation"))
        db.engine.dispose()


def consultation_count(app: Flask) -> int:
    """How many consultations ``app`` has stored right now."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Consultation)) or 0
