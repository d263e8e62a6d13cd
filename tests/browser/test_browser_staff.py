"""Staff pages in Chromium: log in through the form, see the dashboard, accounts and audit log with no axe-core
violation, no console error or CSP violation (the SVG charts are drawn by the server, no script), in both
languages; log out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testing.browser import DESKTOP, LANGS, axe_violations, choose_language

NAME = "browser-admin"
PASSWORD = "a long browser-test password"
PAGES = ("/staff/", "/staff/accounts", "/staff/audit")


@pytest.fixture(scope="module")
def admin(live_app):
    """An admin in the live server's database (made as the CLI makes one)."""
    from webui.staff import accounts

    with live_app.app_context():
        if accounts.find(NAME) is None:
            accounts.create(NAME, ["admin", "expert"], PASSWORD, actor="cli")
    yield NAME


def _log_in(page, base_url):
    page.goto(f"{base_url}/staff/")
    expect(page).to_have_url(f"{base_url}/staff/login?next=/staff/")
    page.locator("#name").fill(NAME)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.staff-form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/staff/")


@pytest.mark.parametrize("lang", LANGS)
def test_staff_pages_pass_axe_and_show_their_charts(new_page, base_url, admin, axe, ui, lang):
    page = new_page(**DESKTOP)
    _log_in(page, base_url)
    choose_language(page, lang)
    found = {}
    for path in PAGES:
        page.goto(f"{base_url}{path}")
        expect(page.locator("h1")).to_have_count(1)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        found[path] = axe_violations(page, axe)
    assert found == {path: [] for path in PAGES}
    page.goto(f"{base_url}/staff/")
    expect(page.locator("svg[role=img]")).to_have_count(3)
    expect(page.locator('dd[data-count="staff"]')).not_to_have_text("0")
    page.get_by_role("button", name=ui(lang, "Log out")).click()
    expect(page).to_have_url(f"{base_url}/staff/login")
    page.goto(f"{base_url}/staff/audit")
    expect(page).to_have_url(f"{base_url}/staff/login?next=/staff/audit")
