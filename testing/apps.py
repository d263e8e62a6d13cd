"""Web apps configured for tests, on a real database whose schema the real Alembic migrations create."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from webui import create_app, kbstate
from webui.extensions import db
from webui.models import Consultation

TEST_SECRET_KEY = "test-secret"


def make_app(database_url: str, tmp_path: Path, **overrides) -> Flask:
    """An app for tests (TESTING, CSRF on as in production) on ``database_url``, its instance folder in
    ``tmp_path``; ``overrides`` are further settings (``RETENTION_DAYS=7``).

    An app given a ``KB_PATH`` serves that KB: on a database whose active version is another KB (another
    app of the same test), the KB is stored and made active, as ``flask kb reload`` would (unchecked)."""
    instance = tmp_path / "instance"
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "AUTO_MIGRATE": True,
        **overrides,
    }
    app = create_app(config, instance_path=str(instance))
    if overrides.get("KB_PATH"):
        serve_disk_kb(app)
    return app


def serve_disk_kb(app: Flask) -> None:
    """Make the app's KB on disk the active version of its database (nothing to do where it already is, or
    where the database has no KB tables: the app serves the KB on disk then)."""
    with app.app_context():
        files, knowledge = kbstate.read_disk(app)
        try:
            active = kbstate.active_hash()
        except SQLAlchemyError:
            return
        if active != knowledge.version:
            kbstate.store_version(files, state="published", note="a test app's KB_PATH")
            kbstate.activate(knowledge.version, reason="test")


def clear_app(app: Flask) -> None:
    """Remove everything ``app`` stored (consultations, KB versions, and any other table of the models) and
    close its connections: a shared PostgreSQL database starts the next test empty, and SQLite files are
    not left open."""
    with app.app_context():
        db.session.remove()
        present = set(inspect(db.engine).get_table_names())  # AUTO_MIGRATE=False apps may have none
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):  # rows that others point to go last
                if table.name in present:
                    conn.execute(table.delete())
        db.engine.dispose()


def consultation_count(app: Flask) -> int:
    """How many consultations ``app`` has stored right now."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Consultation)) or 0
