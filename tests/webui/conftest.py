"""Web app fixtures: an app per test on a real database, SQLite always and PostgreSQL when one is given.

PostgreSQL comes from ``PAKAR_TEST_POSTGRES_URL`` (a role allowed to create databases; ``.ci/run`` and
``make test`` start a local server and set it). Each test session gets its own throwaway database. In CI
(``CI=true``) a missing PostgreSQL is an error, never a skip.
"""
from __future__ import annotations

import contextlib
import functools
import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from webui import create_app
from webui.extensions import db

POSTGRES_ENV = "PAKAR_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _driver_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _postgres_base() -> str:
    """The server URL from the environment; a skip (a failure in CI) without one."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if _in_ci():
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests (see .ci/run)")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV} (make test does when a server is installed)")
    return base


@contextlib.contextmanager
def _throwaway_database(base: str):
    """A new, empty PostgreSQL database on ``base``'s server, dropped afterwards (its sessions ended first)."""
    admin_url = make_url(_driver_url(base))
    name = f"pakar_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session (dropped at the end)."""
    with _throwaway_database(_postgres_base()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The database URL of one backend; every test using ``app`` runs once per backend."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "pakar.sqlite3")
    else:
        yield request.getfixturevalue("postgres_url")


def make_app(database_url: str, tmp_path, **overrides):
    """An app configured for tests; the schema is created by the real Alembic migrations."""
    instance = tmp_path / "instance"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "AUTO_MIGRATE": True,
        **overrides,
    }
    return create_app(config, instance_path=str(instance))


@pytest.fixture
def app(database_url, tmp_path):
    """The app on one backend, CSRF on (as in production); rows are removed after the test."""
    app = make_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM consultation"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    yield app.test_client()


@pytest.fixture
def csrf_token(client):
    """A valid CSRF token for ``client``'s session (read from a real form, as a browser would)."""
    import re

    page = client.get("/screening").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the screening form carries a CSRF token"
    yield match.group(1)


@pytest.fixture
def build_app(tmp_path):
    """Build apps on a given database with extra settings: ``build_app(url, RETENTION_DAYS=7)``.

    Like ``app``, their rows are removed and their engines closed after the test.
    """
    made = []

    def build(database_url, **overrides):
        made.append(make_app(database_url, tmp_path, **overrides))
        return made[-1]

    yield build
    for built in made:
        with built.app_context():
            db.session.remove()
            if inspect(db.engine).has_table("consultation"):   # AUTO_MIGRATE=False apps may have none
                with db.engine.begin() as conn:
                    conn.execute(text("DELETE FROM consultation"))
            db.engine.dispose()


@pytest.fixture
def app_factory(database_url, build_app):
    """``build_app`` on the current backend: ``app_factory(HOTLINE_NUMBER="112")`` runs on both."""
    yield functools.partial(build_app, database_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with nothing in it yet, on each backend (for the migration tests)."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "empty.sqlite3")
    else:
        with _throwaway_database(_postgres_base()) as url:
            yield url
