"""The submit button shows that it is working: once pressed it is disabled and reads the catalogue's
"please wait" text (busy.js, from a data- attribute); pressing again sends nothing; one result is stored."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from testing.apps import consultation_count
from testing.browser import LANGS, choose_language, fill_diagnosis, result_url_pattern

# Watches the submit button from inside the page (through the DevTools protocol, which the CSP does not
# govern) and keeps what it saw in sessionStorage, which outlives the navigation to the result. Once the
# button is busy it asks for a second submission, as a second press would, and records whether it was stopped.
RECORD = """() => {
    const button = document.querySelector("button[data-busy-label]");
    const seen = [];
    const keep = () => sessionStorage.setItem("busy", JSON.stringify(seen));
    let again = false;
    new MutationObserver(() => {
        seen.push({disabled: button.disabled, text: button.textContent, busy: button.getAttribute("aria-busy")});
        keep();
        if (button.disabled && !again) { again = true; button.form.requestSubmit(); }
    }).observe(button, {attributes: true, childList: true, characterData: true, subtree: true});
    window.addEventListener("submit", event => { seen.push({submit: !event.defaultPrevented}); keep(); });
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_the_pressed_button_is_disabled_and_says_please_wait_and_one_result_is_stored(
    page, base_url, bundled_kb, live_app, ui, lang
):
    posts = []

    def slow_post(route):
        # The answer takes a moment (as on a phone's network), so the busy button can be seen.
        if route.request.method == "POST":
            posts.append(route.request.url)
            time.sleep(0.5)
        route.continue_()

    page.goto(base_url + "/")
    choose_language(page, lang)
    page.get_by_role("link", name=ui(lang, "Start detailed diagnosis"), exact=True).click()
    gate_no = page.locator("button[name=emergency][value=no]")
    if gate_no.count():  # the emergency gate first: none of the danger signs now
        gate_no.click()
    fill_diagnosis(page, bundled_kb, lang, {"GC03": "pasti"})
    before = consultation_count(live_app)
    action = page.locator("form:has(button[data-busy-label])").get_attribute("action")
    page.route(base_url + action, slow_post)
    page.evaluate(RECORD)
    page.get_by_role("button", name=ui(lang, "See the result"), exact=True).click()
    expect(page).to_have_url(result_url_pattern(base_url))
    seen = json.loads(page.evaluate("() => sessionStorage.getItem('busy')"))
    assert seen == [
        {"submit": True},  # the press: sent
        {"disabled": True, "text": ui(lang, "Please wait…"), "busy": "true"},
        {"submit": False},  # the second submission: stopped in the page
    ]
    assert posts == [base_url + action]
    assert consultation_count(live_app) == before + 1
