"""``flask --app webui kb ...``: the KB commands of a running installation (its database's versions).

``kb reload [--path DIR]`` takes up the KB on disk (see :mod:`webui.kbreload`). The ``kb`` group is
:data:`kb_group`: other modules add their commands to it (``kb impact``).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from webui import kbreload

kb_group = AppGroup("kb", help="The knowledge base versions this installation serves.")


def _short(version: str | None) -> str:
    return version[:12] if version else "none"


@kb_group.command("reload")
@click.option(
    "--path",
    "path",
    metavar="DIR",
    default=None,
    help="The KB directory to take up (default: the KB_PATH setting, or the bundled KB).",
)
def reload_command(path):
    """Load, check and publish the KB on disk; every worker switches to it within KB_POLL_SECONDS. A KB
    that does not load, has verifier errors or failing cases is refused (exit 1) and nothing changes."""
    outcome = kbreload.reload(None, path)
    if not outcome.ok:
        click.echo(f"kb reload refused: {outcome.path or path} was not taken up; nothing changed", err=True)
        for problem in outcome.problems:
            click.echo(problem, err=True)
        click.echo(f"the active version stays {_short(outcome.previous)}", err=True)
        raise SystemExit(1)
    if not outcome.switched:
        click.echo(f"{outcome.path}: version {_short(outcome.version)} ({outcome.label}) is already active")
        return
    seconds = float(current_app.config.get("KB_POLL_SECONDS", 0))
    when = f"within {seconds:g} s" if seconds > 0 else "at their next request"
    click.echo(
        f"{outcome.path}: version {_short(outcome.previous)} -> {_short(outcome.version)} ({outcome.label});"
        f" workers switch {when}"
    )


def init_app(app) -> None:
    app.cli.add_command(kb_group)
