"""Where settings come from: defaults, then instance/config.py, then PAKAR_* variables (DATABASE_URL for
the database); the secret key file; and a KB that does not load stopping the start with file:line."""

from __future__ import annotations

import os
import re
import shutil
import stat

import pytest
from sqlalchemy.engine import make_url

import kb
from webui import config, create_app
from webui.errors import StartupError
from webui.extensions import db


@pytest.fixture
def start(tmp_path, monkeypatch):
    """``start(instance_config=..., **env)``: create_app() as production does (no test_config), with an
    instance folder and a SQLite database in tmp_path and exactly the given environment variables."""
    for name in list(os.environ):
        # PAKAR_TEST_* configure the test run itself (the PostgreSQL server), not the app.
        if (name.startswith("PAKAR_") and not name.startswith("PAKAR_TEST_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    instance = tmp_path / "instance"
    made = []

    def build(instance_config: str | None = None, **env):
        instance.mkdir(exist_ok=True)
        if instance_config is not None:
            (instance / "config.py").write_text(instance_config, encoding="utf-8")
        env.setdefault("PAKAR_SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(tmp_path / "pakar.sqlite3"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        made.append(create_app(instance_path=str(instance)))
        return made[-1]

    yield build
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    "instance_config, env, expected",
    [
        (None, {}, {"RETENTION_DAYS": 30, "HOTLINE_NUMBER": None, "SESSION_COOKIE_SECURE": False, "HSTS": False}),
        (
            "RETENTION_DAYS = 7\nHOTLINE_NUMBER = '(022) 123'\n",
            {},
            {"RETENTION_DAYS": 7, "HOTLINE_NUMBER": "(022) 123", "SESSION_COOKIE_SECURE": False},
        ),
        (
            None,
            {"PAKAR_RETENTION_DAYS": "14", "PAKAR_SESSION_COOKIE_SECURE": "true", "PAKAR_HOTLINE_NUMBER": "0800 1"},
            {"RETENTION_DAYS": 14, "SESSION_COOKIE_SECURE": True, "HOTLINE_NUMBER": "0800 1"},
        ),
        # The environment overrides the instance file, setting by setting.
        (
            "RETENTION_DAYS = 7\nHOTLINE_NUMBER = '(022) 123'\n",
            {"PAKAR_RETENTION_DAYS": "14"},
            {"RETENTION_DAYS": 14, "HOTLINE_NUMBER": "(022) 123"},
        ),
    ],
    ids=["defaults", "instance-file", "environment", "environment-over-instance"],
)
def test_settings_come_from_defaults_then_instance_then_environment(start, instance_config, env, expected):
    app = start(instance_config, **env)
    assert {name: app.config[name] for name in expected} == expected


def test_test_config_replaces_instance_and_environment(tmp_path, monkeypatch):
    """The contract the test fixtures rely on: with test_config, neither the file nor PAKAR_* count."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("RETENTION_DAYS = 7\n", encoding="utf-8")
    monkeypatch.setenv("PAKAR_HOTLINE_NUMBER", "0800 1")
    app = create_app(
        {"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "t.sqlite3")},
        instance_path=str(instance),
    )
    with app.app_context():
        db.engine.dispose()
    assert (app.config["RETENTION_DAYS"], app.config["HOTLINE_NUMBER"]) == (30, None)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://u:p@db.example:5432/pakar", "postgresql+psycopg://u:p@db.example:5432/pakar"),
        ("postgresql://u:p@db.example/pakar", "postgresql+psycopg://u:p@db.example/pakar"),
        ("postgresql+psycopg://u:p@db.example/pakar", "postgresql+psycopg://u:p@db.example/pakar"),
        ("sqlite:////srv/pakar.sqlite3", "sqlite:////srv/pakar.sqlite3"),
    ],
)
def test_database_url_selects_the_database_with_psycopg_3(start, url, expected):
    # AUTO_MIGRATE off: this checks the setting, not a connection to a server that does not exist.
    app = start(DATABASE_URL=url, PAKAR_AUTO_MIGRATE="false")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_apply_database_url_without_one_keeps_the_setting():
    cfg = {"SQLALCHEMY_DATABASE_URI": "sqlite:///kept"}
    config.apply_database_url(cfg, None)
    config.apply_database_url(cfg, "")
    assert cfg == {"SQLALCHEMY_DATABASE_URI": "sqlite:///kept"}


def test_a_heroku_style_database_url_really_connects(start, empty_postgres_url):
    """postgres://… as a platform hands it out: the app starts on it and creates its table."""
    url = make_url(empty_postgres_url)
    heroku = url.set(drivername="postgres").render_as_string(hide_password=False)
    assert heroku.startswith("postgres://")
    app = start(DATABASE_URL=heroku)
    with app.app_context():
        assert db.engine.url.drivername == "postgresql+psycopg"
        assert db.inspect(db.engine).has_table("consultation")


# --- the secret key --------------------------------------------------------------------------------------


def test_the_secret_key_file_is_made_once_private_and_reused(start, tmp_path):
    key_file = tmp_path / "instance" / config.SECRET_FILE
    first = start()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="ascii")
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert first.config["SECRET_KEY"] == key
    written = key_file.stat().st_mtime_ns

    # A restart reads the same key, so a session (a screening half done) survives it.
    client = first.test_client()
    client.get("/screening")
    page = client.get("/screening").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/screening", data={"csrf_token": token, "emergency": "no"})
    client.post("/screening/who", data={"csrf_token": token, "for_other": "1"})
    second = start()
    assert second.config["SECRET_KEY"] == key
    assert key_file.stat().st_mtime_ns == written
    cookie = client.get_cookie("session")
    restarted = second.test_client()
    restarted.set_cookie("session", cookie.value)
    assert restarted.get("/screening/1").status_code == 200  # the wizard is still there


def test_an_empty_secret_key_file_is_replaced(start, tmp_path):
    key_file = tmp_path / "instance" / config.SECRET_FILE
    key_file.parent.mkdir()
    key_file.write_text("\n", encoding="ascii")
    app = start()
    assert re.fullmatch(r"[0-9a-f]{64}", key_file.read_text(encoding="ascii")) and app.config["SECRET_KEY"]


@pytest.mark.parametrize(
    "value, key", [("a-long-configured-secret", "a-long-configured-secret"), ("12345", "12345")], ids=["text", "digits"]
)
def test_a_configured_secret_key_is_used_and_no_file_is_made(start, tmp_path, value, key):
    """PAKAR_SECRET_KEY=12345 is parsed as JSON into a number; it must still sign sessions."""
    app = start(PAKAR_SECRET_KEY=value)
    assert app.config["SECRET_KEY"] == key
    assert not (tmp_path / "instance" / config.SECRET_FILE).exists()
    client = app.test_client()
    assert client.get("/screening").status_code == 200
    assert client.get_cookie("session") is not None


# --- a KB that does not load ---------------------------------------------------------------------------------


@pytest.fixture
def broken_kb(tmp_path):
    """A copy of the bundled KB whose rule R01 has a CF outside [-1, 1], on a known line."""
    root = tmp_path / "kb"
    shutil.copytree(kb.loader.BUNDLED, root)
    rules = root / "rules.yaml"
    lines = rules.read_text(encoding="utf-8").split("\n")
    line = next(i for i, text in enumerate(lines, 1) if text.strip() == "- id: R01") + 3
    assert lines[line - 1] == "    cf: 0.8"
    lines[line - 1] = "    cf: 1.5"
    rules.write_text("\n".join(lines), encoding="utf-8")
    yield root, line


def test_a_bad_kb_path_stops_the_start_with_file_and_line(start, broken_kb):
    root, line = broken_kb
    with pytest.raises(StartupError) as caught:
        start(PAKAR_KB_PATH=str(root))
    message = str(caught.value)
    assert message.startswith("the knowledge base does not load:")
    assert re.search(rf"rules\.yaml:{line}:\d+: ", message), message


@pytest.mark.parametrize(
    "where, problem",
    [
        ("missing", "not a KB directory"),
        ("empty", "no *.yaml files here"),
    ],
)
def test_a_kb_path_that_is_no_kb_stops_the_start(start, tmp_path, where, problem):
    path = tmp_path / where
    if where == "empty":
        path.mkdir()
    with pytest.raises(StartupError) as caught:
        start(PAKAR_KB_PATH=str(path))
    assert re.search(rf"{re.escape(str(path))}:1:1: {re.escape(problem)}", str(caught.value))
