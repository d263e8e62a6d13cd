"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL, and can be undone."""

from __future__ import annotations

import click
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from webui.extensions import db, migrate


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _model_tables() -> set[str]:
    """Every table of the models, and Alembic's own."""
    return set(db.metadata.tables) | {"alembic_version"}


def _differences() -> list:
    """What autogenerate would write into a new migration: nothing, when migrations and models agree."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def _revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@pytest.fixture
def empty_app(empty_database_url, build_app):
    """An app on an empty database that does not migrate by itself."""
    app = build_app(empty_database_url, AUTO_MIGRATE=False)
    with app.app_context():
        yield app


def _head(app) -> str:
    config = app.extensions["migrate"].migrate.get_config(migrate.directory)
    return ScriptDirectory.from_config(config).get_current_head()


def test_there_is_one_head():
    """Two heads would make `flask db upgrade` refuse to run in production."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", migrate.directory)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_of_an_empty_database_gives_exactly_the_models_schema(empty_app):
    assert _tables() == set()
    upgrade(directory=migrate.directory)
    assert _tables() == _model_tables()
    assert _revision() == _head(empty_app)
    assert _differences() == []


def test_downgrade_to_base_and_upgrade_again(empty_app):
    upgrade(directory=migrate.directory)
    downgrade(directory=migrate.directory, revision="base")
    assert _tables() == {"alembic_version"}
    assert _revision() is None
    # Up again through the command an operator types (`flask --app webui db upgrade`).
    result = empty_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _tables() == _model_tables()
    assert _differences() == []


def test_auto_migrate_creates_the_schema_on_first_start(empty_database_url, build_app):
    app = build_app(empty_database_url, AUTO_MIGRATE=True)
    with app.app_context():
        assert _revision() == _head(app)
        assert _differences() == []


def test_auto_migrate_leaves_an_existing_schema_alone(empty_database_url, build_app):
    """A second start finds the table and runs nothing (a production database is migrated by hand)."""
    first = build_app(empty_database_url, AUTO_MIGRATE=True)
    with first.app_context():
        downgrade(directory=migrate.directory, revision="base")
        db.metadata.create_all(db.engine)  # the table exists, Alembic has recorded no revision
    second = build_app(empty_database_url, AUTO_MIGRATE=True)
    with second.app_context():
        assert _revision() is None
        assert "consultation" in _tables()


def test_auto_migrate_brings_a_database_of_an_earlier_pakar_up_to_date(empty_database_url, build_app):
    """`make run` on last month's database: the tables that came since (KB versions, staff) come with the start."""
    first = build_app(empty_database_url, AUTO_MIGRATE=True)
    with first.app_context():
        downgrade(directory=migrate.directory, revision="0002")
        assert _revision() == "0002"
        db.session.remove()
        db.engine.dispose()
    second = build_app(empty_database_url, AUTO_MIGRATE=True)
    with second.app_context():
        assert _revision() == _head(second)
        assert _differences() == []


def test_a_flask_db_command_does_not_upgrade_first(empty_database_url, build_app):
    """Loading the app for `flask db downgrade` must not undo the command by upgrading on the way."""
    first = build_app(empty_database_url, AUTO_MIGRATE=True)
    with first.app_context():
        downgrade(directory=migrate.directory, revision="0002")
        db.session.remove()
        db.engine.dispose()
    with click.Context(click.Command("downgrade")):
        second = build_app(empty_database_url, AUTO_MIGRATE=True)
    with second.app_context():
        assert _revision() == "0002"


def _columns() -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("consultation")}


def test_0002_adds_the_submission_column_to_stored_rows_and_removes_it_again(empty_app):
    """Upgrading a database with results keeps them (their submission empty); a downgrade drops only it."""
    upgrade(directory=migrate.directory, revision="0001")
    assert "submission" not in _columns()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO consultation (key, created_at, mode, kb_version, lang, for_other, outcome, request,"
                " result, trace) VALUES ('k', CURRENT_TIMESTAMP, 'diagnosis', 'v', 'id', false, NULL, '{}', '{}',"
                " '{}')"
            )
        )
    upgrade(directory=migrate.directory)
    assert "submission" in _columns()
    assert _differences() == []
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT key, submission FROM consultation")).all() == [("k", None)]
    downgrade(directory=migrate.directory, revision="0001")
    assert "submission" not in _columns()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT key FROM consultation")).all() == [("k",)]


def test_0003_adds_the_kb_version_tables_and_removes_them_again(empty_app):
    """The KB tables come empty (the app's first start stores the KB, not the migration) and go alone."""
    upgrade(directory=migrate.directory, revision="0002")
    before = _tables()
    upgrade(directory=migrate.directory, revision="0003_kb_versions")
    assert _tables() - before == {"kb_version", "active_kb"}
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kb_version")).scalar() == 0
    downgrade(directory=migrate.directory, revision="0002")
    assert _tables() == before
