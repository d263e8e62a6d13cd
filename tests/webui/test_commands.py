"""``flask --app webui purge`` on both backends: what it deletes, its default, and one clear line for a
bad value (never a traceback)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from testing.apps import consultation_count
from webui import knowledge, store
from webui.extensions import db
from webui.models import Consultation

ROOT = pathlib.Path(__file__).resolve().parents[2]
REQUEST = {"mode": "diagnosis", "symptoms": {"GC03": "pasti"}}
# Ages well away from any boundary: the command uses the real clock, which moves while the test runs.
AGES = {"1d": timedelta(days=1), "8d": timedelta(days=8), "40d": timedelta(days=40)}


def _seed(app) -> dict[str, str]:
    """One stored result per age in AGES; returns their tokens by age."""
    now = datetime.now(timezone.utc)
    tokens = {}
    with app.app_context():
        for name, age in AGES.items():
            tokens[name] = store.save(REQUEST, knowledge.answer(REQUEST))
            db.session.execute(
                update(Consultation).where(Consultation.key == store.key_of(tokens[name])).values(created_at=now - age)
            )
        db.session.commit()
    return tokens


def _left(app, tokens) -> set[str]:
    """The ages whose rows are still in the table (store.get would hide an expired one the purge left)."""
    with app.app_context():
        db.session.remove()
        keys = set(db.session.scalars(select(Consultation.key)))
        return {name for name, token in tokens.items() if store.key_of(token) in keys}


@pytest.mark.parametrize(
    "settings, args, deleted, message",
    [
        ({}, [], {"40d"}, "deleted 1 result(s) older than 30 day(s)\n"),  # the default: 30
        ({"RETENTION_DAYS": 7}, [], {"8d", "40d"}, "deleted 2 result(s) older than 7 day(s)\n"),
        ({"RETENTION_DAYS": "7"}, [], {"8d", "40d"}, "deleted 2 result(s) older than 7 day(s)\n"),
        ({"RETENTION_DAYS": 7}, ["--days", "0"], {"1d", "8d", "40d"}, "deleted 3 result(s) older than 0 day(s)\n"),
        ({}, ["--days", "45"], set(), "deleted 0 result(s) older than 45 day(s)\n"),
        ({}, ["--days", " 2 "], {"8d", "40d"}, "deleted 2 result(s) older than 2 day(s)\n"),
    ],
    ids=["default", "setting", "setting-as-text", "option-wins", "none-old-enough", "spaces"],
)
def test_purge_deletes_what_is_older_than_the_retention(app_factory, settings, args, deleted, message):
    app = app_factory(**settings)
    tokens = _seed(app)
    result = app.test_cli_runner().invoke(args=["purge", *args])
    assert (result.exit_code, result.output) == (0, message)
    assert _left(app, tokens) == set(AGES) - deleted


BAD = [
    ({}, ["--days", "abc"], "--days must be a whole number of days, 0 or more (got 'abc')"),
    ({}, ["--days", "-1"], "--days must be a whole number of days, 0 or more (got '-1')"),
    ({}, ["--days", "1.5"], "--days must be a whole number of days, 0 or more (got '1.5')"),
    ({}, ["--days", ""], "--days must be a whole number of days, 0 or more (got '')"),
    ({}, ["--days", "\u0663"], "--days must be a whole number of days, 0 or more (got '\u0663')"),
    (
        {"RETENTION_DAYS": "abc"},
        [],
        "RETENTION_DAYS (instance/config.py or PAKAR_RETENTION_DAYS) must be a whole "
        "number of days, 0 or more (got 'abc')",
    ),
    (
        {"RETENTION_DAYS": -3},
        [],
        "RETENTION_DAYS (instance/config.py or PAKAR_RETENTION_DAYS) must be a whole "
        "number of days, 0 or more (got -3)",
    ),
    (
        {"RETENTION_DAYS": 2.5},
        [],
        "RETENTION_DAYS (instance/config.py or PAKAR_RETENTION_DAYS) must be a whole "
        "number of days, 0 or more (got 2.5)",
    ),
    (
        {"RETENTION_DAYS": True},
        [],
        "RETENTION_DAYS (instance/config.py or PAKAR_RETENTION_DAYS) must be a whole "
        "number of days, 0 or more (got True)",
    ),
    (
        {"RETENTION_DAYS": None},
        [],
        "RETENTION_DAYS (instance/config.py or PAKAR_RETENTION_DAYS) must be a whole "
        "number of days, 0 or more (got None)",
    ),
]


@pytest.mark.parametrize(
    "settings, args, message",
    BAD,
    ids=[
        "text",
        "negative",
        "fraction",
        "empty",
        "arabic-digit",
        "setting-text",
        "setting-negative",
        "setting-fraction",
        "setting-bool",
        "setting-none",
    ],
)
def test_a_bad_value_is_one_line_and_deletes_nothing(app_factory, settings, args, message):
    app = app_factory(**settings)
    _seed(app)
    result = app.test_cli_runner().invoke(args=["purge", *args])
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert consultation_count(app) == 3


def test_a_database_that_refuses_is_one_line(tmp_path, build_app):
    """Not migrated yet (no table): the operator gets the database's reason, not a traceback."""
    app = build_app("sqlite:///" + str(tmp_path / "never-migrated.sqlite3"), AUTO_MIGRATE=False)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert (result.exit_code, result.output) == (
        1,
        "Error: nothing was deleted: the database refused the purge (no such table: consultation)\n",
    )


@pytest.mark.parametrize(
    "args, status, stdout, stderr",
    [
        (["--days", "abc"], 2, "", "Error: --days must be a whole number of days, 0 or more (got 'abc')\n"),
        ([], 0, "deleted 0 result(s) older than 30 day(s)\n", ""),
    ],
    ids=["bad-value", "default"],
)
@pytest.mark.slow  # runs flask in a new process
def test_the_real_command_line(tmp_path, args, status, stdout, stderr):
    """The command as cron runs it, in its own process, on a fresh SQLite database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PAKAR_")}
    env.update(PAKAR_SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "cron.sqlite3"), PAKAR_SECRET_KEY="cli-test")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webui", "purge", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (status, stdout, stderr)


@pytest.mark.parametrize("auto_migrate", ["true", "false"], ids=["app-start-migrates", "alembic-migrates"])
@pytest.mark.slow  # runs flask in a new process
def test_db_upgrade_of_an_unreachable_database_is_one_line(auto_migrate):
    """No traceback: the app's start (AUTO_MIGRATE) or Alembic's connection says why in one line, exit 1,
    with the password hidden."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PAKAR_")}
    env.update(
        DATABASE_URL="postgresql://pakar:s3cret@127.0.0.1:1/pakar",  # port 1: nothing listens, refused at once
        PAKAR_SECRET_KEY="cli-test",
        PAKAR_AUTO_MIGRATE=auto_migrate,
    )
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webui", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    what = "reach" if auto_migrate == "true" else "migrate"
    assert done.returncode == 1 and "Traceback" not in done.stderr and "s3cret" not in done.stderr
    assert len(errors) == 1 and errors[0].startswith(
        f"Error: cannot {what} the database postgresql+psycopg://pakar:***@127.0.0.1:1/pakar: OperationalError: "
    ), done.stderr
