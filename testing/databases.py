"""Throwaway PostgreSQL databases for the tests, on the server ``PAKAR_TEST_POSTGRES_URL`` names.

That URL is for a role allowed to create databases (``make test`` and ``.ci/run`` start a local server and
set it). Each database gets a random name and is dropped afterwards, its sessions ended first.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from testing.environment import unavailable

POSTGRES_ENV = "PAKAR_TEST_POSTGRES_URL"


def driver_url(url: str) -> str:
    """``url`` with SQLAlchemy's psycopg 3 driver named (``postgres://`` and ``postgresql://`` as given)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def postgres_server() -> str:
    """The server URL from the environment; without one the test is skipped (failed in CI)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        unavailable(
            f"no PostgreSQL: set {POSTGRES_ENV} (make test does when a server is installed)",
            "CI must run the PostgreSQL tests (see .ci/run)",
        )
    return base


@contextlib.contextmanager
def throwaway_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server``'s PostgreSQL; yields its URL, drops it afterwards."""
    admin_url = make_url(driver_url(server))
    name = f"pakar_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
