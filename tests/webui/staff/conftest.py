"""Staff fixtures: the app of tests/webui/conftest.py (both backends) with its staff rows removed after."""

from __future__ import annotations

import pytest

from testing.staff import clear_staff


@pytest.fixture
def staff_app(database_url, build_app):
    """The app on one backend, with Argon2's cheapest parameters (a real hash, a fraction of the time);
    accounts, tokens and audit events are removed after the test (PostgreSQL is shared)."""
    app = build_app(database_url, STAFF_ARGON2_PROFILE="CHEAPEST")
    clear_staff(app)
    yield app
    clear_staff(app)


@pytest.fixture
def staff_client(staff_app):
    yield staff_app.test_client()
