"""Alembic environment for Pakar (Flask-SQLAlchemy 3, through Flask-Migrate).

Logging is left to the app: the app runs these migrations on its first start, and configuring logging
here would reset the app's loggers (the same trap as Experta's ``logging.basicConfig()``).
"""

import logging

from alembic import context
from alembic.util import CommandError
from flask import current_app

from webui import faults

logger = logging.getLogger("alembic.env")
config = context.config
target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    """Emit SQL to stdout instead of running it (``flask db upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # An autogenerate run that finds no change writes no empty migration.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    try:
        with target_db.engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
    except faults.OUTAGES as exc:
        # Flask-Migrate prints a CommandError as one line ("Error: ...") and exits 1: no traceback for a database
        # that is down or unreachable (nothing was migrated: each migration runs in the transaction).
        where = target_db.engine.url.render_as_string(hide_password=True)
        raise CommandError(f"cannot migrate the database {where}: {faults.reason(exc)}") from exc


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
