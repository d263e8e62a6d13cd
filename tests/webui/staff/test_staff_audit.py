"""The audit log: append-only, paged for admins, exported as CSV, and GET /api/v1/audit with a token."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from testing.staff import login, make_token, make_user
from webui.extensions import db
from webui.models import AuditEvent
from webui.staff import audit
from webui.staff.errors import AuditError

H1 = "a" * 64
H2 = "b" * 64


@pytest.fixture
def logged(staff_app):
    """An admin's client, and the log so far: ('cli', user.create), ('ana', login)."""
    make_user(staff_app, "ana", "admin")
    client = staff_app.test_client()
    login(client, "ana")
    yield client


def _add(app, *events):
    with app.app_context():
        for actor, action, version, other, detail in events:
            audit.record(actor, action, version, other, **detail)
        db.session.commit()


def test_events_cannot_be_changed_or_deleted(staff_app):
    _add(staff_app, ("budi", "version.edit", H1, None, {"files": ["rules.yaml"]}))
    with staff_app.app_context():
        row = db.session.scalar(select(AuditEvent))
        row.actor = "someone else"
        with pytest.raises(AuditError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEvent)))
        with pytest.raises(AuditError):
            db.session.commit()
        db.session.rollback()
        assert [(e.actor, e.detail) for e in db.session.scalars(select(AuditEvent))] == [
            ("budi", {"files": ["rules.yaml"]})
        ]


def test_a_record_is_written_with_the_callers_commit_or_not_at_all(staff_app):
    with staff_app.app_context():
        audit.record("budi", "version.edit", H1)
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent)) is None


def test_the_audit_page_pages_newest_first(staff_app, logged):
    _add(staff_app, *[("budi", "version.edit", H1, None, {"n": n}) for n in range(60)])
    first = logged.get("/staff/audit").get_data(as_text=True)
    assert "62 peristiwa seluruhnya" in first
    assert "Halaman 1 dari 2" in first
    assert first.count("<tr><td>") == 50
    shown = [int(n) for n in re.findall(r"<td>n=(\d+)</td>", first)]
    assert shown == list(range(59, 9, -1))  # the newest 50 of the 60 edits
    second = logged.get("/staff/audit?page=2").get_data(as_text=True)
    assert second.count("<tr><td>") == 12
    assert [int(n) for n in re.findall(r"<td>n=(\d+)</td>", second)] == list(range(9, -1, -1))
    assert second.index("<code>login</code>") < second.index("<code>user.create</code>")
    assert "Halaman 2 dari 2" in logged.get("/staff/audit?page=99").get_data(as_text=True)


def test_the_csv_export_is_the_whole_log_oldest_first(staff_app, logged):
    _add(
        staff_app,
        ("budi", "version.publish", H1, H2, {"note": "GC03 0.8, €"}),
        ("=cmd", "version.approve", H1, None, {}),
    )
    response = logged.get("/staff/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="pakar-audit-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "at", "actor", "action", "version_hash", "other_hash", "detail"]
    assert [r[2:] for r in rows[1:]] == [
        ["cli", "user.create", "", "", '{"roles":["admin"],"user":"ana"}'],
        ["ana", "login", "", "", "{}"],
        ["budi", "version.publish", H1, H2, '{"note":"GC03 0.8, €"}'],
        ["'=cmd", "version.approve", H1, "", "{}"],  # a spreadsheet formula is quoted as text
    ]
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == sorted(set(ids))
    assert all(r[1].endswith("Z") and len(r[1]) == len("2026-12-01T10:48:28.482969Z") for r in rows[1:])


def test_the_api_gives_the_log_to_an_admins_token(staff_app):
    make_user(staff_app, "ana", "admin")
    token = make_token(staff_app, "ana")
    _add(staff_app, ("budi", "version.publish", H1, H2, {"serial": 2}))
    client = staff_app.test_client()
    response = client.get("/api/v1/audit?per_page=2", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert (body["page"], body["pages"], body["total"]) == (1, 2, 3)
    published = body["events"][0]
    assert {k: published[k] for k in ("actor", "action", "version", "other", "detail")} == {
        "actor": "budi",
        "action": "version.publish",
        "version": H1,
        "other": H2,
        "detail": {"serial": 2},
    }
    assert published["at"].endswith("Z")
    assert [e["action"] for e in body["events"]] == ["version.publish", "token.create"]
    older = client.get("/api/v1/audit?per_page=2&page=2", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [e["action"] for e in older["events"]] == ["user.create"]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("id", "Ini memerlukan token API staf: kirim header 'Authorization: Bearer <token>'."),
        ("en", "This needs a staff API token: send the header 'Authorization: Bearer <token>'."),
    ],
)
def test_the_api_says_why_in_the_asked_language(staff_client, lang, text):
    response = staff_client.get(f"/api/v1/audit?lang={lang}")
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "unauthorized", "message": text}}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="pakar-staff"'


def test_a_revoked_token_or_a_disabled_account_is_refused(staff_app):
    from webui.staff import accounts

    make_user(staff_app, "ana", "admin")
    make_user(staff_app, "dewi", "admin")
    token = make_token(staff_app, "ana")
    client = staff_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit", headers=auth).status_code == 200
    with staff_app.app_context():
        accounts.set_active("ana", False, actor="dewi")
    response = client.get("/api/v1/audit", headers=auth)
    assert (response.status_code, response.get_json()["error"]["code"]) == (401, "bad_token")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="pakar-staff", error="invalid_token"'
    with staff_app.app_context():
        accounts.set_active("ana", True, actor="dewi")
        assert client.get("/api/v1/audit", headers=auth).status_code == 200
        accounts.revoke_tokens("ana", actor="dewi")
    assert client.get("/api/v1/audit", headers=auth).status_code == 401


def test_a_token_records_when_it_was_last_used(staff_app):
    from webui.models import ApiToken

    make_user(staff_app, "ana", "admin")
    token = make_token(staff_app, "ana")
    with staff_app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
    staff_app.test_client().get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    with staff_app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
