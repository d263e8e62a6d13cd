"""``flask --app webui purge``: delete results older than the retention period."""
from __future__ import annotations

import click
from flask import current_app

from webui import store


@click.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Delete results older than this many days (default: RETENTION_DAYS).")
def purge_command(days):
    """Delete stored results older than the retention period."""
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    count = store.purge(int(days))
    click.echo(f"deleted {count} result(s) older than {days} day(s)")


def init_app(app) -> None:
    app.cli.add_command(purge_command)
