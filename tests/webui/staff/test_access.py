"""Every staff page and staff API route refuses anonymous visitors and the wrong role.

Generated from the app's route map: a new route under /staff/ or in the staff API is checked without being
listed here, and one that forgot its guard (``require_role`` / ``require_token_role``) fails the marks test.
"""

from __future__ import annotations

import itertools

import pytest

from testing.staff import csrf_token, login, make_token, make_user
from webui.staff import auth
from webui.staff.roles import ROLES

# Every route of these prefixes is a staff API route and must carry require_token_role's mark.
API_PREFIXES = ("/api/v1/kb/versions", "/api/v1/audit")
API_BLUEPRINT = "staff_api"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _is_page(rule) -> bool:
    return rule.rule == "/staff" or rule.rule.startswith("/staff/")


def _is_api(rule) -> bool:
    return rule.endpoint.startswith(API_BLUEPRINT + ".") or rule.rule.startswith(API_PREFIXES)


def _url(app, rule) -> str:
    """The rule's URL with a stand-in for each argument (the guards answer before the view reads it)."""
    return app.url_map.bind("localhost").build(rule.endpoint, {name: 1 for name in rule.arguments})


def _routes(app, keep):
    """(rule, method, marked roles or None) of every route ``keep`` accepts."""
    found = []
    for rule in app.url_map.iter_rules():
        if not keep(rule):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append((rule, method, view))
    return found


def _pages(app):
    return [r for r in _routes(app, _is_page) if r[0].endpoint not in auth.PUBLIC_ENDPOINTS]


def _api(app):
    return _routes(app, _is_api)


def test_the_route_map_has_the_staff_routes(staff_app):
    pages = {rule.endpoint for rule, _m, _v in _pages(staff_app)}
    api = {rule.endpoint for rule, _m, _v in _api(staff_app)}
    assert {"staff.dashboard", "staff.accounts_list", "staff.audit_page", "staff.audit_csv", "staff.logout"} <= pages
    assert "staff_api.audit_log" in api
    # The login page is the one staff page open to everyone.
    assert {"staff.login"} == auth.PUBLIC_ENDPOINTS


def _unmarked(app) -> list[str]:
    return [f"{method} {rule.rule}" for rule, method, view in _pages(app) if not hasattr(view, auth.PAGE_MARK)] + [
        f"{method} {rule.rule}" for rule, method, view in _api(app) if not hasattr(view, auth.API_MARK)
    ]


def test_every_staff_route_carries_its_guard(staff_app):
    assert _unmarked(staff_app) == []


def test_a_route_without_its_guard_is_found(staff_app):
    staff_app.add_url_rule("/staff/forgotten", "forgotten_page", lambda: "open")
    staff_app.add_url_rule("/api/v1/kb/versions/<hash>/forgotten", "forgotten_api", lambda hash: "open")
    staff_app.add_url_rule("/api/v1/audit/guarded-for-pages", "wrong_guard", auth.require_role("admin")(lambda: "open"))
    assert _unmarked(staff_app) == [
        "GET /staff/forgotten",
        "GET /api/v1/kb/versions/<hash>/forgotten",
        "GET /api/v1/audit/guarded-for-pages",
    ]


def _send(client, method, url, token=None, **kwargs):
    data = {"csrf_token": token} if method != "GET" and token else None
    return client.open(url, method=method, data=data, **kwargs)


def test_anonymous_visitors_are_sent_to_the_login_page(staff_client, staff_app):
    token = csrf_token(staff_client)  # a valid CSRF token: the refusal must come from the guard
    refused = {}
    for rule, method, _view in _pages(staff_app):
        url = _url(staff_app, rule)
        response = _send(staff_client, method, url, token)
        refused[f"{method} {url}"] = (response.status_code, response.headers.get("Location", "").split("?")[0])
    assert refused == {key: (302, "/staff/login") for key in refused}


def _wrong_roles(wanted: frozenset) -> tuple[str, ...]:
    """Every role but the wanted ones: the account that holds the most and still may not."""
    return tuple(role for role in ROLES if role not in wanted)


def test_the_wrong_role_gets_403_on_every_page(staff_app):
    answers = {}
    checked = 0
    for roles, group in itertools.groupby(
        sorted(_pages(staff_app), key=lambda r: sorted(getattr(r[2], auth.PAGE_MARK))),
        key=lambda r: frozenset(getattr(r[2], auth.PAGE_MARK)),
    ):
        others = _wrong_roles(roles)
        if not roles or not others:
            continue  # any staff account may (or no account lacks every wanted role)
        name = "u-" + "-".join(others)
        make_user(staff_app, name, *others)
        client = staff_app.test_client()
        assert login(client, name).status_code == 302
        token = csrf_token(client, "/staff/")
        for rule, method, _view in group:
            url = _url(staff_app, rule)
            answers[f"{method} {url} as {','.join(others)}"] = _send(client, method, url, token).status_code
            checked += 1
    assert checked >= 5  # accounts (4 forms), audit page and CSV at least
    assert answers == {key: 403 for key in answers}


def test_the_staff_api_refuses_no_token_a_bad_token_and_the_wrong_role(staff_app):
    client = staff_app.test_client()
    tokens = {}
    for roles in {frozenset(getattr(view, auth.API_MARK)) for _r, _m, view in _api(staff_app)}:
        others = _wrong_roles(roles)
        if roles and others:
            name = "api-" + "-".join(others)
            make_user(staff_app, name, *others)
            tokens[roles] = make_token(staff_app, name)
    answers = {}
    for rule, method, view in _api(staff_app):
        url = _url(staff_app, rule)
        for label, header in (("none", None), ("bad", "Bearer pakar_not-a-token"), ("basic", "Basic YTpi")):
            response = client.open(url, method=method, headers={"Authorization": header} if header else {})
            body = response.get_json()
            answers[f"{method} {url} {label}"] = (response.status_code, body["error"]["code"])
            assert response.headers["WWW-Authenticate"].startswith('Bearer realm="pakar-staff"')
        wrong = tokens.get(frozenset(getattr(view, auth.API_MARK)))
        if wrong is not None:
            response = client.open(url, method=method, headers={"Authorization": f"Bearer {wrong}"})
            answers[f"{method} {url} wrong"] = (response.status_code, response.get_json()["error"]["code"])
    expected = {}
    for key in answers:
        kind = key.rsplit(" ", 1)[1]
        expected[key] = {
            "none": (401, "unauthorized"),
            "basic": (401, "unauthorized"),
            "bad": (401, "bad_token"),
            "wrong": (403, "forbidden"),
        }[kind]
    assert answers == expected
    assert any(key.endswith("wrong") for key in answers)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_the_dashboard(staff_app, role):
    make_user(staff_app, "someone", role)
    client = staff_app.test_client()
    login(client, "someone")
    assert client.get("/staff/").status_code == 200
