"""``flask --app webui users ...`` run in-process (app.test_cli_runner): accounts, tokens, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from testing.staff import PASSWORD, login, make_user
from webui.extensions import db
from webui.models import ApiToken, AuditEvent, User
from webui.staff import accounts, passwords


@pytest.fixture
def run(staff_app):
    runner = staff_app.test_cli_runner()

    def invoke(*args, stdin=None):
        return runner.invoke(args=["users", *args], input=stdin)

    yield invoke


def _user(app, name):
    with app.app_context():
        return db.session.scalar(select(User).where(User.name == name))


def test_create_with_the_password_on_stdin(staff_app, staff_client, run):
    result = run("create", "ana", "--role", "admin", "--role", "expert", "--password-stdin", stdin=PASSWORD + "\n")
    assert (result.exit_code, result.output) == (0, "created ana (admin, expert)\n")
    row = _user(staff_app, "ana")
    assert (row.roles, row.active, row.failed_logins) == ("admin,expert", True, 0)
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert login(staff_client, "ana").status_code == 302


def test_create_asks_for_the_password_twice(staff_app, run):
    result = run("create", "budi", "--role", "engineer", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("created budi (engineer)\n")
    with staff_app.app_context():
        assert passwords.verify(_user(staff_app, "budi").password_hash, PASSWORD)


def test_two_different_passwords_at_the_prompt_make_nothing(staff_app, run):
    result = run("create", "budi", "--role", "engineer", stdin=f"{PASSWORD}\nsomething else entirely\n")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "Error: The two passwords differ."
    assert _user(staff_app, "budi") is None


@pytest.mark.parametrize(
    ("args", "stdin", "line"),
    [
        (["create", "ana", "--password-stdin"], PASSWORD, "Error: Give at least one role: admin, engineer, expert."),
        (
            ["create", "ana", "--role", "boss", "--password-stdin"],
            PASSWORD,
            "Error: Unknown role 'boss'; use admin, engineer, expert.",
        ),
        (
            ["create", "a", "--role", "admin", "--password-stdin"],
            PASSWORD,
            "Error: A name is 2 to 80 characters: lower-case letters, digits, '.', '_' or '-' (got 'a').",
        ),
        (
            ["create", "ana bee", "--role", "admin", "--password-stdin"],
            PASSWORD,
            "Error: A name is 2 to 80 characters: lower-case letters, digits, '.', '_' or '-' (got 'ana bee').",
        ),
        (
            ["create", "ana", "--role", "admin", "--password-stdin"],
            "short\n",
            "Error: The password must have at least 12 characters.",
        ),
        (["create", "ana", "--role", "admin", "--password-stdin"], "", "Error: No password on standard input."),
        (["token", "nobody"], None, "Error: There is no account named 'nobody'."),
        (["token", "nobody", "--revoke"], None, "Error: There is no account named 'nobody'."),
        (["disable", "nobody"], None, "Error: There is no account named 'nobody'."),
        (["password", "nobody", "--password-stdin"], PASSWORD, "Error: There is no account named 'nobody'."),
    ],
)
def test_bad_input_is_one_line_and_exit_1(staff_app, run, args, stdin, line):
    result = run(*args, stdin=stdin)
    assert (result.exit_code, result.output) == (1, line + "\n")
    with staff_app.app_context():
        assert db.session.scalar(select(User)) is None


def test_a_taken_name_is_refused_before_the_password_is_asked(staff_app, run):
    make_user(staff_app, "ana", "admin")
    result = run("create", "ANA", "--role", "expert")
    assert (result.exit_code, result.output) == (1, "Error: There is already an account named 'ana'.\n")


def test_token_prints_a_new_token_once_and_stores_its_hash(staff_app, run):
    make_user(staff_app, "ana", "admin")
    first = run("token", "ana")
    second = run("token", "ana")
    assert (first.exit_code, second.exit_code) == (0, 0)
    tokens = [first.output.strip(), second.output.strip()]
    assert tokens[0] != tokens[1]
    assert all(t.startswith("pakar_") and len(t) == len("pakar_") + 43 for t in tokens)
    with staff_app.app_context():
        stored = sorted(db.session.scalars(select(ApiToken.token_hash)))
        assert stored == sorted(accounts.token_hash(t) for t in tokens)
        assert accounts.user_for_token(tokens[0]).name == "ana"
    revoked = run("token", "ana", "--revoke")
    assert (revoked.exit_code, revoked.output) == (0, "revoked 2 token(s) of ana\n")
    with staff_app.app_context():
        assert [accounts.user_for_token(t) for t in tokens] == [None, None]


def test_list_disable_enable_and_password(staff_app, staff_client, run):
    make_user(staff_app, "ana", "admin")
    make_user(staff_app, "budi", "engineer", "expert")
    assert run("disable", "budi").output == "disabled budi\n"
    listed = run("list").output.splitlines()
    assert listed == [
        "ana\tadmin\tactive\tlast login never",
        "budi\tengineer,expert\tdisabled\tlast login never",
    ]
    assert login(staff_client, "budi").status_code == 401
    assert run("enable", "budi").output == "enabled budi\n"
    new = "a brand new passphrase"
    assert run("password", "budi", "--password-stdin", stdin=new + "\n").output == "new password set for budi\n"
    assert login(staff_client, "budi").status_code == 401  # the old password
    assert login(staff_client, "budi", new).status_code == 302


def test_the_last_admin_cannot_be_disabled(staff_app, run):
    make_user(staff_app, "ana", "admin")
    result = run("disable", "ana")
    assert (result.exit_code, result.output) == (
        1,
        "Error: 'ana' is the last active admin; make another admin first.\n",
    )


def test_the_cli_is_the_actor_in_the_audit_log(staff_app, run):
    run("create", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    run("token", "ana")
    run("token", "ana", "--revoke")
    with staff_app.app_context():
        events = [(e.actor, e.action, e.detail) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert events == [
        ("cli", "user.create", {"user": "ana", "roles": ["admin"]}),
        ("cli", "token.create", {"user": "ana"}),
        ("cli", "token.revoke", {"user": "ana", "count": 1}),
    ]
