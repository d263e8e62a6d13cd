"""``flask --app webui users ...``: make staff accounts and API tokens from a shell.

    flask --app webui users create NAME --role admin [--role expert] [--password-stdin]
    flask --app webui users token NAME [--revoke]
    flask --app webui users list
    flask --app webui users disable NAME | enable NAME
    flask --app webui users password NAME [--password-stdin]

Bad input prints one line and exits 1; the audit log names the actor 'cli'.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from webui.staff import accounts, roles
from webui.staff.errors import AccountError
from webui.staff.messages import message

CLI_ACTOR = "cli"
CLI_LANG = "en"  # operators' shells; the web and the API speak Indonesian first

users = AppGroup("users", help="Staff accounts and their API tokens.")


def _fail(exc: AccountError) -> click.ClickException:
    return click.ClickException(message(exc.code, CLI_LANG, **exc.values))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise AccountError("no_password")
        return password
    first = click.prompt("Password", hide_input=True)
    again = click.prompt("Repeat the password", hide_input=True)
    if first != again:
        raise AccountError("password_mismatch")
    return first


def _run(action):
    """Run ``action``; account errors and database failures become one line and exit status 1."""
    try:
        return action()
    except AccountError as exc:
        raise _fail(exc) from exc
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(f"nothing was changed: the database refused it ({reason})") from exc


@users.command("create")
@click.argument("name")
@click.option("--role", "role_names", multiple=True, metavar="ROLE", help="admin, engineer or expert (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_command(name, role_names, password_stdin):
    """Make a staff account."""

    def create():
        # Check what can be checked before asking for a password.
        accounts.check_name(name)
        roles.parse(role_names)
        if accounts.find(name) is not None:
            raise AccountError("name_taken", value=accounts.check_name(name))
        return accounts.create(name, role_names, _password(password_stdin), actor=CLI_ACTOR)

    user = _run(create)
    click.echo(f"created {user.name} ({', '.join(user.roles)})")


@users.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke every token of the account instead.")
def token_command(name, revoke):
    """Print a new API token for an account (shown once), or revoke its tokens."""
    if revoke:
        count = _run(lambda: accounts.revoke_tokens(name, actor=CLI_ACTOR))
        click.echo(f"revoked {count} token(s) of {accounts.check_or_none(name)}")
        return
    click.echo(_run(lambda: accounts.issue_token(name, actor=CLI_ACTOR)))


@users.command("list")
def list_command():
    """List the accounts: name, roles, state, last login."""
    for user in _run(accounts.all_users):
        state = "active" if user.active else "disabled"
        if user.locked_until is not None and user.locked_until > accounts.now():
            state += ", locked"
        last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "never"
        click.echo(f"{user.name}\t{','.join(user.roles)}\t{state}\tlast login {last}")


@users.command("disable")
@click.argument("name")
def disable_command(name):
    """Disable an account: it can no longer log in or use its tokens."""
    user = _run(lambda: accounts.set_active(name, False, actor=CLI_ACTOR))
    click.echo(f"disabled {user.name}")


@users.command("enable")
@click.argument("name")
def enable_command(name):
    """Enable a disabled account again."""
    user = _run(lambda: accounts.set_active(name, True, actor=CLI_ACTOR))
    click.echo(f"enabled {user.name}")


@users.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def password_command(name, password_stdin):
    """Set a new password (and lift a lockout)."""

    def reset():
        accounts.get(name)
        return accounts.reset_password(name, _password(password_stdin), actor=CLI_ACTOR)

    user = _run(reset)
    click.echo(f"new password set for {user.name}")


def init_app(app) -> None:
    app.cli.add_command(users)
