"""Issue 10's "done means", in Chromium against the real server: an admin made with the CLI logs in and creates
an engineer and an expert; the engineer changes GC03's CF (and its two rules, and the two stored cases the
check then finds failing) in a draft through the form editor, sees the check, the diff and the impact; the
expert approves; the engineer publishes; a consultation answers with the new CF and version; the admin rolls
back; the audit log shows it all. Every KB page on the way passes axe-core, with no console error or CSP
violation (the pages have no script at all).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from testing.browser import DESKTOP, LANGS, axe_violations, choose_language

REPO = Path(__file__).resolve().parents[2]
ADMIN, ENGINEER, EXPERT = "kb-admin", "kb-engineer", "kb-expert"
PASSWORD = "a long browser-test password"
SAVE_TIMEOUT = 60_000  # a save runs the loader, the verifier and 147 stored cases; a version's page the impact


@pytest.fixture(scope="module")
def admin(app_config, live_app):
    """The admin, made with ``flask --app webui users create`` on the live server's database."""
    config, _instance = app_config
    env = {
        **os.environ,
        "PAKAR_SQLALCHEMY_DATABASE_URI": config["SQLALCHEMY_DATABASE_URI"],
        "PAKAR_SECRET_KEY": config["SECRET_KEY"],
        "PAKAR_STAFF_ARGON2_PROFILE": "CHEAPEST",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "webui",
            "users",
            "create",
            ADMIN,
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    yield ADMIN


def _log_in(page, base_url, name):
    page.goto(f"{base_url}/staff/login")
    choose_language(page, "en")
    page.locator("#name").fill(name)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.staff-form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/staff/")


def _log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("h1")).to_have_text("Staff login")


def _clean(page, axe, found: dict):
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    found[page.url.split("/staff", 1)[1]] = axe_violations(page, axe)


def _open_item(page, section: str, code: str) -> None:
    """On a version's editor page: unfold the section (a details element) and follow the item's link."""
    details = page.locator(f"#section-{section}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    details.get_by_role("link", name=code, exact=True).click()


def _edit(page, draft_items: str, section: str, code: str, field: str, value: str) -> None:
    """From a draft's editor page: open an item, change one field, save; back on the item's page."""
    page.goto(draft_items)
    _open_item(page, section, code)
    page.locator(f"#{field}").fill(value)
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator(".flash")).to_contain_text("Saved as draft", timeout=SAVE_TIMEOUT)


def _draft_items_url(page) -> str:
    """The editor page of the draft the item page shows."""
    match = re.search(r"/staff/kb/([0-9a-f]{64})/", page.url)
    assert match, page.url
    return page.url.split("/staff/kb/", 1)[0] + f"/staff/kb/{match.group(1)}/edit"


def test_the_knowledge_base_path_through_the_staff_pages(new_page, base_url, admin, axe):
    found: dict[str, list] = {}
    page = new_page(**DESKTOP)

    # The admin creates the engineer and the expert on the accounts page.
    _log_in(page, base_url, admin)
    page.goto(f"{base_url}/staff/accounts")
    for name, role in ((ENGINEER, "engineer"), (EXPERT, "expert")):
        page.locator("#name").fill(name)
        page.locator(f"input[name=roles][value={role}]").check()
        page.locator("#password").fill(PASSWORD)
        page.locator("#confirm").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.locator(".flash")).to_contain_text(f"Account {name} created.")
    _log_out(page)

    # The engineer edits GC03's CF in a draft made from the active version.
    _log_in(page, base_url, ENGINEER)
    page.goto(f"{base_url}/staff/kb/")
    expect(page.locator("h1")).to_have_text("Knowledge base versions")
    _clean(page, axe, found)
    first = page.locator("#versions tr[data-active=true] th a")
    first_short = first.inner_text()
    first.click()
    _clean(page, axe, found)
    page.get_by_role("link", name="Edit: a new draft from this version").click()
    _clean(page, axe, found)
    _open_item(page, "symptoms", "GC03")
    _clean(page, axe, found)
    page.locator("#f-cf").fill("0.8")
    page.locator("#note").fill("GC03: CF 0.8, its Tabel 2 score")
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator(".flash")).to_contain_text("Saved as draft", timeout=SAVE_TIMEOUT)
    _edit(page, _draft_items_url(page), "rules", "R03", "f-cf", "0.8")
    _edit(page, _draft_items_url(page), "rules", "R10", "f-cf", "0.8")
    # The check finds the two stored cases that expect the old CFs; one shows next to its item.
    page.goto(_draft_items_url(page))
    expect(page.locator("#check-problems")).to_contain_text("case cf-single failed")
    _open_item(page, "cases", "cf-single")
    expect(page.locator(".field-error").first).to_contain_text("case cf-single failed")
    _clean(page, axe, found)
    page.locator("#f-expect-cf").fill("{PC01: 0.64, PC02: 0.64}")
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator(".flash")).to_contain_text("Saved as draft", timeout=SAVE_TIMEOUT)
    _edit(page, _draft_items_url(page), "cases", "cf-combo", "f-expect-cf", "{PC01: 0.88768, PC02: 0.688}")
    expect(page.locator(".flash")).to_contain_text("147 cases passed, 0 failed")
    draft_url = _draft_items_url(page).removesuffix("/edit")
    page.goto(draft_url, timeout=SAVE_TIMEOUT)
    expect(page.locator("#check-summary")).to_contain_text("Clean: it may be approved.")
    expect(page.locator("#diff-items li").first).to_have_text("GC03 CF 1 → 0.8")
    expect(page.locator("#impact-summary")).to_be_visible()
    _clean(page, axe, found)
    page.get_by_role("link", name="Show the text diff").click()
    expect(page.locator(".kb-add").first).to_be_visible()
    _clean(page, axe, found)
    page.goto(draft_url + "/files/symptoms.yaml")
    _clean(page, axe, found)
    _log_out(page)

    # The expert approves.
    _log_in(page, base_url, EXPERT)
    page.goto(f"{base_url}/staff/kb/")
    page.locator("#versions tr[data-state=draft] th a").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash")).to_contain_text("Approved.", timeout=SAVE_TIMEOUT)
    _log_out(page)

    # The engineer publishes; a consultation answers from the new version with the new CF.
    _log_in(page, base_url, ENGINEER)
    page.goto(draft_url, timeout=SAVE_TIMEOUT)
    page.get_by_role("button", name="Publish (make active)").click()
    expect(page.locator(".flash")).to_contain_text("This version is now active.")
    answer = page.request.post(
        f"{base_url}/api/v1/consultations", data={"mode": "diagnosis", "symptoms": {"GC03": 1}, "lang": "en"}
    ).json()
    draft_short = draft_url.rsplit("/", 1)[1][:12]
    assert (answer["kb_version"], answer["ranking"][0]["cf"]) == (draft_short, 0.8)
    _log_out(page)

    # The admin rolls back to the first version; the audit log has every step.
    _log_in(page, base_url, admin)
    page.goto(f"{base_url}/staff/kb/")
    page.locator(f"#version-{first_short} th a").click()
    page.get_by_role("button", name="Roll back to this version").click()
    expect(page.locator(".flash")).to_contain_text("This version is now active.", timeout=SAVE_TIMEOUT)
    answer = page.request.post(
        f"{base_url}/api/v1/consultations", data={"mode": "diagnosis", "symptoms": {"GC03": 1}, "lang": "en"}
    ).json()
    assert (answer["kb_version"], answer["ranking"][0]["cf"]) == (first_short, 1)
    page.goto(f"{base_url}/staff/audit")
    actions = page.locator("#audit td code").all_inner_texts()
    for action in ("version.edit", "version.approve", "version.publish", "version.rollback"):
        assert action in actions
    assert found == {path: [] for path in found}


@pytest.fixture(scope="module")
def everyone(live_app):
    """An account with all three roles (every button and editor shows), made as the CLI makes one."""
    from webui.staff import accounts

    with live_app.app_context():
        if accounts.find("kb-all") is None:
            accounts.create("kb-all", ["admin", "engineer", "expert"], PASSWORD, actor="cli")
    yield "kb-all"


@pytest.mark.parametrize("lang", LANGS)
def test_the_kb_pages_pass_axe_in_both_languages(new_page, base_url, everyone, axe, lang):
    page = new_page(**DESKTOP)
    page.goto(f"{base_url}/staff/login")
    choose_language(page, lang)
    page.locator("#name").fill(everyone)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.staff-form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/staff/")
    page.goto(f"{base_url}/staff/kb/")
    active = page.locator("#versions tr[data-active=true] th a").get_attribute("href")
    paths = [
        "/staff/kb/",
        active,
        f"{active}/edit",
        f"{active}/items/symptoms.yaml/symptoms/2",
        f"{active}/items/rules.yaml/rules/0",
        f"{active}/items/triage.yaml/triage",
        f"{active}/items/kb.yaml/kb",
        f"{active}/items/emergency.yaml/emergency",
        f"{active}/items/symptoms.yaml/symptoms/new",
        f"{active}/files/triage.yaml",
    ]
    found = {}
    for path in paths:
        page.goto(f"{base_url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("h1")).to_have_count(1)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        found[path] = axe_violations(page, axe)
    assert found == {path: [] for path in paths}
