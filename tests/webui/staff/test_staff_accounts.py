"""The admin's accounts page: create, set roles, disable and enable, reset a password; can_approve."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from testing.staff import PASSWORD, csrf_token, login, make_user
from webui.extensions import db
from webui.models import AuditEvent
from webui.staff import accounts, audit
from webui.staff.auth import can_approve


@pytest.fixture
def admin_client(staff_app):
    make_user(staff_app, "ana", "admin")
    client = staff_app.test_client()
    login(client, "ana")
    yield client


def _events(app):
    with app.app_context():
        return [(e.actor, e.action, e.detail) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_admin_creates_an_engineer_and_an_expert(staff_app, admin_client):
    token = csrf_token(admin_client, "/staff/accounts")
    for name, role in (("budi", "engineer"), ("citra", "expert")):
        response = admin_client.post(
            "/staff/accounts",
            data={"csrf_token": token, "name": name, "roles": [role], "password": PASSWORD, "confirm": PASSWORD},
        )
        assert (response.status_code, response.headers["Location"]) == (302, "/staff/accounts")
    page = admin_client.get("/staff/accounts").get_data(as_text=True)
    assert "Akun citra dibuat." in page
    rows = re.findall(r'<tr id="account-([a-z]+)">\s*<th scope="row">\1</th>\s*<td>([^<]*)</td>', page)
    assert rows == [("ana", "Admin"), ("budi", "Perekayasa pengetahuan"), ("citra", "Pakar medis")]
    assert _events(staff_app)[-2:] == [
        ("ana", "user.create", {"user": "budi", "roles": ["engineer"]}),
        ("ana", "user.create", {"user": "citra", "roles": ["expert"]}),
    ]
    budi = staff_app.test_client()
    assert login(budi, "budi").status_code == 302


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "x"}, "Nama terdiri atas 2 sampai 80 karakter"),
        ({"name": "ana"}, "Sudah ada akun bernama &#39;ana&#39;."),
        ({"roles": []}, "Berikan sedikitnya satu peran"),
        ({"roles": ["boss"]}, "&#39;boss&#39; is not a valid choice"),  # a forged post: WTForms says it
        ({"password": "short", "confirm": "short"}, "Kata sandi harus terdiri atas sedikitnya 12 karakter."),
        ({"confirm": "something different"}, "Kedua kata sandi berbeda."),
    ],
)
def test_bad_input_shows_the_form_again_with_the_error(staff_app, admin_client, changes, error):
    token = csrf_token(admin_client, "/staff/accounts")
    data = {"csrf_token": token, "name": "budi", "roles": ["engineer"], "password": PASSWORD, "confirm": PASSWORD}
    response = admin_client.post("/staff/accounts", data={**data, **changes})
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    with staff_app.app_context():
        assert [u.name for u in accounts.all_users()] == ["ana"]


def test_roles_disable_enable_and_password_reset(staff_app, admin_client):
    budi = make_user(staff_app, "budi", "engineer")
    token = csrf_token(admin_client, "/staff/accounts")
    prefix = f"r-{budi.id}"
    admin_client.post(
        "/staff/accounts/budi/roles", data={f"{prefix}-csrf_token": token, f"{prefix}-roles": ["engineer", "expert"]}
    )
    admin_client.post("/staff/accounts/budi/active", data={f"a-{budi.id}-csrf_token": token})
    with staff_app.app_context():
        assert (accounts.get("budi").roles, accounts.get("budi").active) == (("engineer", "expert"), False)
    admin_client.post(
        "/staff/accounts/budi/active", data={f"a-{budi.id}-csrf_token": token, f"a-{budi.id}-active": "y"}
    )
    new = "another long password"
    p = f"p-{budi.id}"
    admin_client.post(
        "/staff/accounts/budi/password", data={f"{p}-csrf_token": token, f"{p}-password": new, f"{p}-confirm": new}
    )
    assert login(staff_app.test_client(), "budi", new).status_code == 302
    assert [(a, act) for a, act, _d in _events(staff_app)[3:]] == [  # after: ana made, ana logs in, budi made
        ("ana", "user.roles"),
        ("ana", "user.disable"),
        ("ana", "user.enable"),
        ("ana", "user.password"),
        ("budi", "login"),
    ]


def test_an_admin_cannot_take_away_the_last_admin(staff_app, admin_client):
    with staff_app.app_context():
        me = accounts.get("ana")
    token = csrf_token(admin_client, "/staff/accounts")
    response = admin_client.post(
        "/staff/accounts/ana/roles", data={f"r-{me.id}-csrf_token": token, f"r-{me.id}-roles": ["expert"]}
    )
    assert response.status_code == 303
    page = admin_client.get("/staff/accounts").get_data(as_text=True)
    assert "&#39;ana&#39; adalah admin aktif terakhir" in page
    with staff_app.app_context():
        assert accounts.get("ana").roles == ("admin",)


def test_an_unknown_account_is_a_404(admin_client):
    token = csrf_token(admin_client, "/staff/accounts")
    assert admin_client.post("/staff/accounts/nobody/roles", data={"csrf_token": token}).status_code == 404


class _Version:
    def __init__(self, hash_, created_by):
        self.hash = hash_
        self.created_by = created_by


@pytest.mark.parametrize(
    ("who", "roles", "created_by", "edited_by", "allowed"),
    [
        ("citra", ("expert",), "budi", ["budi"], True),
        ("citra", ("expert",), "citra", [], False),  # the author
        ("citra", ("expert",), "budi", ["budi", "citra"], False),  # edited it
        ("citra", ("engineer", "expert"), None, ["citra"], False),  # imported it
        ("citra", ("engineer",), "budi", ["budi"], False),  # not an expert
        ("citra", ("admin", "expert"), None, [], True),  # a CLI-made version nobody edited
    ],
)
def test_can_approve_only_an_expert_who_did_not_edit_it(staff_app, who, roles, created_by, edited_by, allowed):
    user = make_user(staff_app, who, *roles)
    version = _Version("ab" * 32, created_by)
    with staff_app.app_context():
        for editor in edited_by:
            audit.record(editor, "version.import" if created_by is None else "version.edit", version.hash)
        audit.record("someone", "version.check", version.hash)  # checking does not make an editor
        db.session.commit()
        assert can_approve(user, version) is allowed


def test_an_editor_of_an_earlier_draft_of_the_chain_cannot_approve(staff_app):
    """Saving a draft makes a new version (a new hash) whose ``version.edit`` names the draft it replaced: whoever
    created or edited any draft of the chain is an editor of the last one."""
    citra = make_user(staff_app, "citra", "expert")
    dewi = make_user(staff_app, "dewi", "expert")
    first, second, third = "1" * 64, "2" * 64, "3" * 64
    with staff_app.app_context():
        audit.record("citra", "version.create", first)
        audit.record("budi", "version.edit", second, first)
        audit.record("budi", "version.edit", third, second)
        db.session.commit()
        assert audit.editors(third) == {"budi", "citra"}
        assert can_approve(citra, _Version(third, "budi")) is False
        assert can_approve(dewi, _Version(third, "budi")) is True
