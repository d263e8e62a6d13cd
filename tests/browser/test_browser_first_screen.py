"""The first screen on a phone (390 x 844), in both languages: the page's h1 is its first heading (the
emergency strip above it is a paragraph with a call link; the full list of danger signs follows the h1),
and what a person came to press is there without scrolling: the home page's two start buttons, both
answers of the emergency gate, and each screening question's Next (or, on the last question, See the
result)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from testing.browser import LANGS, PHONE, choose_language, start_screening

HEIGHT = PHONE["viewport"]["height"]
WIDTH = PHONE["viewport"]["width"]

FIRST_HEADING = "() => document.querySelector('h1, h2, h3, h4, h5, h6').tagName"


def _inside_the_first_screen(page: Page, target: Locator) -> None:
    """``target`` is visible and its whole box lies in the viewport, with the page scrolled to the top."""
    expect(target).to_be_visible()
    assert page.evaluate("() => window.scrollY") == 0
    box = target.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, box


@pytest.mark.parametrize("lang", LANGS)
def test_home_h1_comes_first_and_both_start_buttons_are_on_the_first_screen(page, base_url, ui, lang):
    page.goto(base_url + "/")
    choose_language(page, lang)
    page.wait_for_load_state()
    assert page.evaluate(FIRST_HEADING) == "H1"
    for name in ("Start quick screening", "Start detailed diagnosis"):
        _inside_the_first_screen(page, page.get_by_role("link", name=ui(lang, name), exact=True))
    # The emergency signs stay on the page, first in meaning: the strip's call link on the first screen,
    # the full list (its h2) after the h1.
    _inside_the_first_screen(page, page.locator(".emergency-strip a[href^='tel:']"))
    expect(page.locator("#emergency-title")).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_each_screening_questions_next_is_on_the_first_screen(page, base_url, bundled_kb, ui, lang):
    start_screening(page, base_url, ui, lang, for_other=False)
    total = len(bundled_kb.questions)
    for step, question in enumerate(bundled_kb.questions, 1):
        expect(page).to_have_url(f"{base_url}/screening/{step}")
        page.wait_for_load_state()
        assert page.evaluate(FIRST_HEADING) == "H1", step
        label = "See the result" if step == total else "Next"
        button = page.get_by_role("button", name=ui(lang, label), exact=True)
        _inside_the_first_screen(page, button)
        if step < total:
            page.get_by_label(bundled_kb.answer_label(question.answers[-1]).get(lang), exact=True).check()
            button.click()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/screening", "/diagnosis"])
def test_the_emergency_gates_answers_are_on_the_first_screen(page, base_url, lang, path):
    """The first question of both consultations: its h1 first, and both answers (Yes ends the consultation
    with the emergency result, No goes on) reachable without scrolling."""
    page.goto(base_url + "/")
    choose_language(page, lang)
    page.goto(base_url + path)
    page.wait_for_load_state()
    assert page.evaluate(FIRST_HEADING) == "H1"
    for value in ("yes", "no"):
        _inside_the_first_screen(page, page.locator(f"button[name=emergency][value={value}]"))
