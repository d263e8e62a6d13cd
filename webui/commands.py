"""``flask --app webui purge``: delete results older than the retention period.

Meant for cron (``flask --app webui purge`` daily). A bad setting or value prints one line, never a
traceback: exit status 2 when the command cannot run as asked, 1 when the database fails it.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from webui import store


class BadValue(click.ClickException):
    """Bad usage or settings: the same exit status as ``pakar`` gives (2)."""

    exit_code = 2


def _days(value, what: str) -> int:
    """A number of days, 0 or more, from the option's text or the setting's value."""
    # bool is an int in Python, and True days means nothing; a float day count would be silently cut.
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        days = int(value.strip())
    else:
        days = -1
    if days < 0:
        raise BadValue(f"{what} must be a whole number of days, 0 or more (got {value!r})")
    return days


# The option is read as text so that a bad value gets our one-line message, not click's usage screen.
@click.command("purge")
@click.option(
    "--days", metavar="N", default=None, help="Delete results older than N days (default: the RETENTION_DAYS setting)."
)
@with_appcontext  # the `flask` command pushes one anyway; app.test_cli_runner() and other callers do not
def purge_command(days):
    """Delete stored results older than the retention period."""
    if days is None:
        days = _days(
            current_app.config.get("RETENTION_DAYS"), "RETENTION_DAYS (instance/config.py or PAKAR_RETENTION_DAYS)"
        )
    else:
        days = _days(days, "--days")
    try:
        count = store.purge(days)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(f"nothing was deleted: the database refused the purge ({reason})") from exc
    click.echo(f"deleted {count} result(s) older than {days} day(s)")


def init_app(app) -> None:
    app.cli.add_command(purge_command)
