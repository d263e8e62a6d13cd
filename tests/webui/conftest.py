"""Web app fixtures: an app per test on a real database, SQLite always and PostgreSQL when one is given.

PostgreSQL comes from ``PAKAR_TEST_POSTGRES_URL`` (a role allowed to create databases; ``.ci/run`` and
``make test`` start a local server and set it). Each test session gets its own throwaway database. In CI
(``CI=true``) a missing PostgreSQL is an error, never a skip. The helpers behind these fixtures live in
the ``testing`` package.
"""

from __future__ import annotations

import functools
import re

import pytest
from babel.support import Translations

from rules.i18n import TRANSLATIONS_DIR
from testing.apps import clear_app, consultation_count, make_app
from testing.databases import postgres_server, throwaway_database
from testing.visitor import Visitor

# Each backend-dependent test runs on both; the PostgreSQL runs are ``slow`` (a server round trip per
# statement), so the quick loop, ``-m "not slow"``, checks the web app on SQLite alone.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session (dropped at the end)."""
    with throwaway_database(postgres_server()) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """The database URL of one backend; every test using ``app`` runs once per backend."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "pakar.sqlite3")
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def app(database_url, tmp_path):
    """The app on one backend, CSRF on (as in production); rows are removed after the test."""
    app = make_app(database_url, tmp_path)
    yield app
    clear_app(app)


@pytest.fixture
def client(app):
    yield app.test_client()


@pytest.fixture
def csrf_token(client):
    """A valid CSRF token for ``client``'s session (read from a real form, as a browser would)."""
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
        clear_app(built)


@pytest.fixture
def app_factory(database_url, build_app):
    """``build_app`` on the current backend: ``app_factory(HOTLINE_NUMBER="112")`` runs on both."""
    yield functools.partial(build_app, database_url)


@pytest.fixture
def empty_postgres_url():
    """A PostgreSQL database of its own for one test, with nothing in it (dropped afterwards)."""
    with throwaway_database(postgres_server()) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    """A database with nothing in it yet, on each backend (for the migration tests)."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "empty.sqlite3")
    else:
        yield request.getfixturevalue("empty_postgres_url")


@pytest.fixture
def visitor(client):
    """``client`` driven like a browser (see :class:`Visitor`)."""
    yield Visitor(client)


@pytest.fixture
def visitor_for():
    """A :class:`Visitor` on another app: ``visitor_for(app_factory(HOTLINE_NUMBER="112"))``."""
    yield lambda app: Visitor(app.test_client())


@pytest.fixture
def row_count(app):
    """How many consultations are stored right now: ``row_count()``."""

    yield functools.partial(consultation_count, app)


@pytest.fixture(scope="session")
def indonesian():
    """The Indonesian catalogue's text for an interface msgid (fails when it is not translated)."""
    catalogue = Translations.load(str(TRANSLATIONS_DIR), ["id"])

    def translate(msgid: str, **values) -> str:
        text = catalogue.gettext(msgid)
        assert text != msgid, f"not translated into Indonesian: {msgid!r}"
        return text % values if values else text

    yield translate
