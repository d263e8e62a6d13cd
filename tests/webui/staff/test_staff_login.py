"""Logging in and out: the form (CSRF), lockout after repeated failures, idle sessions, headers."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from testing.staff import PASSWORD, csrf_token, login, make_user
from webui.extensions import db
from webui.models import AuditEvent, User
from webui.staff.auth import SEEN_KEY


@pytest.fixture
def admin(staff_app):
    yield make_user(staff_app, "ana", "admin")


def _actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.actor, e.action) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_then_the_dashboard_then_logout(staff_app, staff_client, admin):
    response = login(staff_client, "ana")
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/")
    page = staff_client.get("/staff/")
    assert page.status_code == 200
    assert "ana (Admin)" in page.get_data(as_text=True)
    token = csrf_token(staff_client, "/staff/")
    response = staff_client.post("/staff/logout", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/login")
    assert staff_client.get("/staff/").headers["Location"] == "/staff/login?next=/staff/"
    assert _actions(staff_app) == [("cli", "user.create"), ("ana", "login")]


def test_names_are_read_in_lower_case(staff_client, admin):
    assert login(staff_client, "  ANA ").status_code == 302


def test_logout_needs_the_csrf_token(staff_client, admin):
    login(staff_client, "ana")
    assert staff_client.post("/staff/logout").status_code == 400
    assert staff_client.get("/staff/").status_code == 200


def test_the_login_form_needs_the_csrf_token(staff_client, admin):
    response = staff_client.post("/staff/login", data={"name": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert staff_client.get("/staff/").status_code == 302


@pytest.mark.parametrize(
    ("name", "password"),
    [("ana", "wrong password, long"), ("nobody", PASSWORD), ("ana", ""), ("ana", "x" * 2000)],
)
def test_a_failed_login_says_the_same_whatever_failed(staff_client, admin, name, password):
    token = csrf_token(staff_client)
    response = staff_client.post("/staff/login", data={"csrf_token": token, "name": name, "password": password})
    assert response.status_code in (400, 401)
    assert staff_client.get("/staff/").status_code == 302
    if response.status_code == 401:
        assert "Nama atau kata sandi salah, atau akun terkunci" in response.get_data(as_text=True)


def test_go_on_to_the_page_asked_for_but_never_off_the_staff_pages(staff_client, admin):
    token = csrf_token(staff_client)
    data = {"csrf_token": token, "name": "ana", "password": PASSWORD}
    response = staff_client.post("/staff/login?next=/staff/audit", data=data)
    assert response.headers["Location"] == "/staff/audit"
    staff_client.post("/staff/logout", data={"csrf_token": csrf_token(staff_client, "/staff/")})
    for target in ("https://evil.example/", "//evil.example/staff/", "/staff/\r\nX: y", "/screening"):
        token = csrf_token(staff_client)
        response = staff_client.post("/staff/login", query_string={"next": target}, data={**data, "csrf_token": token})
        assert response.headers["Location"] == "/staff/", target
        staff_client.post("/staff/logout", data={"csrf_token": csrf_token(staff_client, "/staff/")})


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(staff_app, staff_client, admin):
    for _ in range(5):
        assert login(staff_client, "ana", "wrong password, long").status_code == 401
    assert login(staff_client, "ana").status_code == 401  # the right password, but locked
    with staff_app.app_context():
        row = db.session.scalar(select(User).where(User.name == "ana"))
        locked = row.locked_until.replace(tzinfo=timezone.utc) if row.locked_until.tzinfo is None else row.locked_until
        assert timedelta(minutes=14) < locked - datetime.now(timezone.utc) <= timedelta(minutes=15)
        # The lock ends: move it into the past, as 15 minutes would.
        row.locked_until = datetime.now(timezone.utc) - timedelta(seconds=1)
        db.session.commit()
    assert login(staff_client, "ana").status_code == 302
    assert _actions(staff_app) == [("cli", "user.create")] + [("ana", "login.failed")] * 4 + [
        ("ana", "login.locked"),
        ("ana", "login.refused"),
        ("ana", "login"),
    ]


def test_a_good_login_resets_the_failure_count(staff_app, staff_client, admin):
    for _ in range(4):
        login(staff_client, "ana", "wrong password, long")
    assert login(staff_client, "ana").status_code == 302
    with staff_app.app_context():
        row = db.session.scalar(select(User).where(User.name == "ana"))
        assert (row.failed_logins, row.locked_until) == (0, None)


def test_a_disabled_account_cannot_log_in(staff_app, staff_client, admin):
    make_user(staff_app, "budi", "engineer")
    from webui.staff import accounts

    with staff_app.app_context():
        accounts.set_active("budi", False, actor="cli")
    assert login(staff_client, "budi").status_code == 401


def test_an_idle_session_ends_after_30_minutes(staff_client, admin):
    login(staff_client, "ana")
    with staff_client.session_transaction() as session:
        session[SEEN_KEY] = time.time() - 29 * 60
    assert staff_client.get("/staff/").status_code == 200  # and the clock starts again (sliding)
    with staff_client.session_transaction() as session:
        assert time.time() - session[SEEN_KEY] < 60
        session[SEEN_KEY] = time.time() - 31 * 60
    response = staff_client.get("/staff/")
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/login?next=/staff/")
    page = staff_client.get("/staff/login").get_data(as_text=True)
    assert "Sesi Anda berakhir karena tidak ada aktivitas" in page


def test_a_password_reset_ends_the_accounts_sessions(staff_app, staff_client, admin):
    from webui.staff import accounts

    login(staff_client, "ana")
    with staff_app.app_context():
        accounts.reset_password("ana", "another long password", actor="cli")
    assert staff_client.get("/staff/").status_code == 302


@pytest.mark.parametrize("url", ["/staff/login", "/staff/"])
def test_staff_pages_are_never_cached_nor_indexed(staff_client, admin, url):
    login(staff_client, "ana")
    if url == "/staff/login":
        staff_client.post("/staff/logout", data={"csrf_token": csrf_token(staff_client, "/staff/")})
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.get_data(as_text=True)


def test_the_login_page_speaks_indonesian_first(staff_client):
    page = staff_client.get("/staff/login").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Masuk" in page


def test_login_attempts_are_limited_per_address(staff_client, admin):
    token = csrf_token(staff_client)
    statuses = []
    for n in range(11):  # ten a minute, whichever names are tried
        data = {"csrf_token": token, "name": f"guess{n}", "password": "wrong password, long"}
        statuses.append(staff_client.post("/staff/login", data=data).status_code)
    assert statuses == [401] * 10 + [429]
    refused = staff_client.post("/staff/login", data={"csrf_token": token, "name": "ana", "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert 'id="login-notice">Terlalu banyak permintaan' in page
    assert 'value="ana"' in page  # the form again, the name kept
    assert staff_client.get("/staff/").status_code == 302


def test_an_expired_login_form_is_shown_again(staff_client, admin):
    staff_client.get("/staff/login")
    response = staff_client.post("/staff/login", data={"csrf_token": "stale", "name": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert 'id="login-notice"' in response.get_data(as_text=True)


def test_a_login_for_an_unknown_name_is_logged_without_the_name(staff_app, staff_client, admin):
    assert login(staff_client, "my-secret-passphrase").status_code == 401
    with staff_app.app_context():
        last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert (last.actor, last.action, last.detail) == ("system", "login.failed", {"reason": "unknown account"})
