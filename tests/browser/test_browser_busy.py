"""The submit button shows that it is working: once pressed it is disabled and reads the catalogue's
"please wait" text (busy.js, from a data- attribute), and the form is sent once: one result stored."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testing.apps import consultation_count
from testing.browser import LANGS, choose_language, fill_diagnosis, result_url_pattern


@pytest.mark.parametrize("lang", LANGS)
def test_the_pressed_button_is_disabled_and_says_please_wait_and_one_result_is_stored(
    page, base_url, bundled_kb, live_app, ui, lang
):
    held = []

    def hold_the_post(route):
        # The answer to the post waits until the button has been looked at (a slow network, made slow).
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.goto(base_url + "/")
    choose_language(page, lang)
    page.get_by_role("link", name=ui(lang, "Start detailed diagnosis"), exact=True).click()
    fill_diagnosis(page, bundled_kb, lang, {"GC03": "pasti"})
    before = consultation_count(live_app)
    page.route(base_url + "/diagnosis", hold_the_post)
    button = page.get_by_role("button", name=ui(lang, "See the result"), exact=True)
    button.click(no_wait_after=True)
    busy = page.locator("button[type=submit]")
    expect(busy).to_be_disabled()
    expect(busy).to_have_text(ui(lang, "Please wait…"))
    expect(busy).to_have_attribute("aria-busy", "true")
    # More presses (a tap on the disabled button, Enter in a field) send nothing more.
    busy.dispatch_event("click")
    page.locator("select#GC03").press("Enter")
    assert len(held) == 1
    held[0].continue_()
    expect(page).to_have_url(result_url_pattern(base_url))
    assert consultation_count(live_app) == before + 1
    assert len(held) == 1
