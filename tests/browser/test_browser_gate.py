"""The emergency gate on a phone (390 x 844), in both languages: one tap on Yes ends a screening and a
diagnosis with the stored emergency result (its receipt leads with the emergency headline and a tel: link);
No goes on to the questions; Start after an abandoned screening begins empty (a shared family phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testing.browser import LANGS, answer_question, choose_language, pass_gate, result_url_pattern

START = {"screening": "Start quick screening", "diagnosis": "Start detailed diagnosis"}


def _start(page, base_url, ui, lang, mode):
    page.goto(base_url + "/")
    choose_language(page, lang)
    page.get_by_role("link", name=ui(lang, START[mode]), exact=True).click()
    expect(page).to_have_url(f"{base_url}/{mode}")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("mode", ["screening", "diagnosis"])
def test_yes_at_the_gate_ends_the_consultation_in_one_tap(page, base_url, bundled_kb, ui, lang, mode):
    _start(page, base_url, ui, lang, mode)
    expect(page.locator("legend")).to_have_text(bundled_kb.emergency.question.get(lang))
    expect(page.locator(".signs li")).to_have_text([s.text.get(lang) for s in bundled_kb.emergency.signs])
    page.get_by_role("button", name=ui(lang, "Yes, one of these now"), exact=True).click()  # the one tap
    expect(page).to_have_url(result_url_pattern(base_url))
    emergency = next(level for level in bundled_kb.triage.levels if level.code == "emergency")
    # The receipt leads with the emergency headline, right after the page's h1, and a call link to 119.
    headings = page.locator("main h1, main h2")
    expect(headings.nth(1)).to_have_text(emergency.title.get(lang))
    call = page.locator(".triage a[href='tel:119']")
    expect(call).to_have_count(1)
    expect(call).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_no_at_the_gate_goes_on_to_the_questions(page, base_url, bundled_kb, ui, lang):
    _start(page, base_url, ui, lang, "screening")
    pass_gate(page, ui, lang)
    expect(page).to_have_url(f"{base_url}/screening/who")
    expect(page.get_by_label(ui(lang, "Myself"), exact=True)).not_to_be_checked()
    _start(page, base_url, ui, lang, "diagnosis")
    pass_gate(page, ui, lang)
    expect(page).to_have_url(f"{base_url}/diagnosis/symptoms")
    expect(page.locator("select")).to_have_count(len(bundled_kb.symptoms))


@pytest.mark.parametrize("lang", LANGS)
def test_start_after_an_abandoned_screening_begins_empty(page, base_url, bundled_kb, ui, lang):
    _start(page, base_url, ui, lang, "screening")
    pass_gate(page, ui, lang)
    page.get_by_label(ui(lang, "Someone else (answer for that person; no name needed)"), exact=True).check()
    page.get_by_role("button", name=ui(lang, "Begin"), exact=True).click()
    for step, question in enumerate(bundled_kb.questions[:3], 1):
        answer_question(page, bundled_kb, ui, lang, step, question.answers[0])
    expect(page).to_have_url(f"{base_url}/screening/4")
    # The person leaves; the next one presses Start on the same phone.
    _start(page, base_url, ui, lang, "screening")
    pass_gate(page, ui, lang)
    for who in ("Myself", "Someone else (answer for that person; no name needed)"):
        expect(page.get_by_label(ui(lang, who), exact=True)).not_to_be_checked()
    page.get_by_label(ui(lang, "Myself"), exact=True).check()
    page.get_by_role("button", name=ui(lang, "Begin"), exact=True).click()
    expect(page).to_have_url(f"{base_url}/screening/1")
    expect(page.locator("input[name=answer]:checked")).to_have_count(0)
    expect(page.locator(".for-other")).to_have_count(0)
