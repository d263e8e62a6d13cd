"""``GET /healthz``: 200 with the KB version when the database answers, 503 naming the part that failed."""

from __future__ import annotations

import socket

import pytest

import kb
from webui import create_app
from webui.extensions import db


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released: a connection to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_on(tmp_path):
    """Apps on a database that cannot be reached (no migration at start; their engines closed afterwards).
    ``build_app`` would try to empty the database after the test, which is the thing that fails here."""
    made = []

    def build(url):
        made.append(
            create_app(
                {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": False},
                instance_path=str(tmp_path / "instance"),
            )
        )
        return made[-1]

    yield build
    for built in made:
        with built.app_context():
            db.engine.dispose()


def test_healthy_app_answers_ok_with_the_kb_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "kb": kb.load().short_version}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers


def test_health_needs_no_csrf_token_and_no_session(app):
    # A fresh client, as a probe is: no cookie, no token, and HEAD works as load balancers send it.
    probe = app.test_client(use_cookies=False)
    assert probe.head("/healthz").status_code == 200
    assert probe.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql+psycopg://pakar:pakar@127.0.0.1:{port}/pakar", id="postgresql-closed-port"),
        pytest.param("sqlite:///{tmp}/no-such-dir/pakar.sqlite3", id="sqlite-unopenable-file"),
    ],
)
def test_unreachable_database_is_503_naming_the_database(app_on, tmp_path, url):
    app = app_on(url.format(port=_closed_port(), tmp=tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unavailable", "kb": kb.load().short_version}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_no_kb_loaded_is_503_naming_the_kb(client, app):
    # The app refuses to start without a KB; this is the guard if the extension ever goes missing.
    del app.extensions["pakar.kb"]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "kb": "unavailable"}


def test_database_error_text_is_not_in_the_body(app_on):
    app = app_on(f"postgresql+psycopg://secretuser:secretpass@127.0.0.1:{_closed_port()}/pakar")
    body = app.test_client().get("/healthz").get_data(as_text=True)
    assert "secret" not in body and "refused" not in body.lower()
