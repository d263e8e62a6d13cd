"""Staff accounts for tests: make users, log in through the real form, remove the staff tables' rows."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import inspect, text

from webui.extensions import db
from webui.staff import accounts
from webui.staff.accounts import StaffUser

PASSWORD = "correct horse battery staple"  # long enough for STAFF_PASSWORD_MIN_LENGTH
STAFF_TABLES = ("audit_event", "staff_api_token", "staff_user")  # children first
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_user(app: Flask, name: str, *roles: str, password: str = PASSWORD) -> StaffUser:
    """A staff account made as the CLI makes it (its creation is in the audit log, by 'cli')."""
    with app.app_context():
        return accounts.create(name, roles, password, actor="cli")


def make_token(app: Flask, name: str) -> str:
    with app.app_context():
        return accounts.issue_token(name, actor="cli")


def csrf_token(client, url: str = "/staff/login") -> str:
    """A CSRF token of ``client``'s session, read from a staff form as a browser would."""
    page = client.get(url).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"{url} carries a CSRF token"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log in through the login form; the response of the POST."""
    token = csrf_token(client)
    return client.post("/staff/login", data={"csrf_token": token, "name": name, "password": password})


def clear_staff(app: Flask) -> None:
    """Remove every account, token and audit event (a shared PostgreSQL database starts the next test
    empty). Plain SQL: the ORM refuses to delete audit events, as it should."""
    with app.app_context():
        db.session.remove()
        present = set(inspect(db.engine).get_table_names())
        with db.engine.begin() as conn:
            for table in STAFF_TABLES:
                if table in present:
                    conn.execute(text(f"DELETE FROM {table}"))
