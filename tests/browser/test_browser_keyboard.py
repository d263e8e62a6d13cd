"""Keyboard only: a screening question is answered and sent with Tab, Space, the arrow keys and Enter,
and whatever has the focus shows it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testing.browser import DESKTOP, start_screening

# Enough Tab presses to pass the skip link, the header's two links and the emergency strip's link.
MAX_TABS = 10


def focused(page) -> dict:
    """The focused element: tag, id, name, value, and its computed outline (style and width)."""
    return page.evaluate("""() => {
        const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), value: e.value || null,
                text: e.textContent.trim(), outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
    }""")


def assert_focus_visible(state: dict) -> None:
    assert state["outline"] != "none" and state["width"] >= 2, f"no visible focus on {state}"


def tab_to(page, wanted) -> dict:
    """Press Tab until ``wanted(state)`` holds, checking that every stop on the way shows its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        state = focused(page)
        assert_focus_visible(state)
        if wanted(state):
            return state
    raise AssertionError(f"{MAX_TABS} Tab presses did not reach the element (last focus: {state})")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_screening_by_keyboard(new_page, base_url, bundled_kb, ui, lang):
    """Tab reaches the answers then Next; Space and the arrows choose; Enter sends; Back keeps answers."""
    kb = bundled_kb
    page = new_page(**DESKTOP)
    start_screening(page, base_url, ui, lang, for_other=False)

    # The first stop is the skip link, shown on the screen while it has the focus.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    # Retried: on a loaded machine the first read can come before the stylesheet applies (the browser's own
    # 1 px ring); the page's focus style is a 3 px solid outline.
    expect(skip).to_have_css("outline-style", "solid")
    assert_focus_visible(focused(page))
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"

    state = tab_to(page, lambda s: s["name"] == "answer")
    assert state["value"] == "ya"  # nothing chosen yet: the group's first answer
    page.keyboard.press("Space")
    expect(page.locator("#answer-ya")).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#answer-ragu")).to_be_checked()
    expect(page.locator("#answer-ragu")).to_be_focused()
    assert_focus_visible(focused(page))
    state = tab_to(page, lambda s: s["tag"] == "button")
    assert state["text"] == ui(lang, "Next")  # Next comes before Back
    page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "/screening/2")

    # Enter on a chosen answer sends the form with Next (the form's first button), not Back.
    tab_to(page, lambda s: s["name"] == "answer")
    page.keyboard.press("ArrowDown")  # "Tidak": the second answer of question 2
    expect(page.locator("#answer-tidak")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "/screening/3")
    expect(page.locator("h1")).to_have_text(kb.questions[2].text.get(lang))

    # Back, by keyboard, to question 2: its answer is kept.
    tab_to(page, lambda s: s["tag"] == "button" and s["text"] == ui(lang, "Back"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "/screening/2")
    expect(page.locator("#answer-tidak")).to_be_checked()
    page.goto(base_url + "/screening/1")
    expect(page.locator("#answer-ragu")).to_be_checked()
