"""Accessibility basics, measured in Chromium on every kind of page, in both languages, at 320 px wide:
the page language, one main heading, a name for every control and link, no sideways scrolling, touch
targets at least 44 px high, no axe-core violation (WCAG 2.2 A/AA and best practices; axe-core comes from
``bash tests/browser/setup.sh``), and a load without console errors, CSP violations or other hosts.

Each page is opened and measured once per session (:class:`Auditor`); the tests then check one property
each, so a failure names the page, the language and the property.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from testing.browser import (
    LANGS,
    NARROW_PHONE,
    Watch,
    axe_source,
    axe_violations,
    choose_language,
    open_result,
    pass_gate,
    start_screening,
)

WIDTH = NARROW_PHONE["viewport"]["width"]
MIN_TARGET = 44  # px, for every tap target that is not a link inside running text

FORM_CONTROLS = "input:not([type=hidden]), select, textarea, button"
NAMED = FORM_CONTROLS + ", a[href], summary"
TARGETS = (
    "button, a.button, a.call-button, select, summary, .option label, .site-header a, .site-footer a, "
    ".emergency-strip a"
)

# How many form controls each page has (the result page's: the print button and the delete button).
PAGES = {
    "home": 0,
    "screening-step": 5,  # question 1: three answers, Next, Back
    "gate": 2,  # the emergency gate (the diagnosis's first page): Yes, No
    "diagnosis": 22,  # twenty symptoms, "for someone else", See the result
    "screening-result": 2,
    "diagnosis-result": 2,
    "info": 0,
    "not-found": 0,
}

# The result pages audited (shared with the print tests): the longest of each kind.
RESULTS = {"screening-result": "screening-S1", "diagnosis-result": "diagnosis-all-20"}


@dataclass
class Audit:
    """What one page showed the browser."""

    url: str
    lang: str
    h1: int
    scroll_width: int
    inner_width: int
    controls: int
    unnamed: list[str]
    small_targets: list[str]
    axe: list[str] | None = None  # None: axe-core is not installed
    problems: list[str] = field(default_factory=list)


MEASURE = (
    """([named, controls, targets]) => {
    const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    const describe = e => e.outerHTML.slice(0, 120);
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    return {
        lang: document.documentElement.lang,
        h1: document.querySelectorAll('h1').length,
        scroll_width: document.documentElement.scrollWidth,
        inner_width: window.innerWidth,
        controls: [...document.querySelectorAll(controls)].filter(shown).length,
        small_targets: [...document.querySelectorAll(targets)].filter(shown)
            .filter(e => e.getBoundingClientRect().height < MIN_TARGET)
            .map(e => `${Math.round(e.getBoundingClientRect().height)}px: ${describe(e)}`),
    };
}"""
).replace("MIN_TARGET", str(MIN_TARGET))


def unnamed_elements(page, selector: str) -> list[str]:
    """The elements matching ``selector`` that Chromium's accessibility tree exposes without a name."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        wanted = set(cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"])
        tree = [
            n
            for n in cdp.send("Accessibility.getFullAXTree")["nodes"]
            if "backendDOMNodeId" in n and not n.get("ignored")
        ]
        node_ids = cdp.send(
            "DOM.pushNodesByBackendIdsToFrontend", {"backendNodeIds": [n["backendDOMNodeId"] for n in tree]}
        )["nodeIds"]
        missing = []
        for node, node_id in zip(tree, node_ids, strict=True):
            if node_id in wanted and not node.get("name", {}).get("value", "").strip():
                html = cdp.send("DOM.getOuterHTML", {"nodeId": node_id})["outerHTML"]
                missing.append(f"{node.get('role', {}).get('value')}: {html[:120]}")
        return missing
    finally:
        cdp.detach()


class Auditor:
    """Opens each (page, language) once, in its own watched 320 px phone context, and measures it."""

    def __init__(self, browser, base_url, ui, shared_result):
        self.browser, self.base_url, self.ui, self.shared_result = browser, base_url, ui, shared_result
        self.axe = axe_source()
        self.done: dict[tuple[str, str], Audit] = {}

    def __call__(self, name: str, lang: str) -> Audit:
        if (name, lang) not in self.done:
            self.done[name, lang] = self._audit(name, lang)
        return self.done[name, lang]

    def _open(self, page, name: str, lang: str) -> None:
        base, ui = self.base_url, self.ui
        if name == "screening-step":
            start_screening(page, base, ui, lang, for_other=False)
        elif name in RESULTS:
            open_result(page, self.shared_result(RESULTS[name], lang), lang)
        elif name == "diagnosis":  # the form, after the gate
            page.goto(base + "/")
            choose_language(page, lang)
            page.goto(base + "/diagnosis")
            pass_gate(page, ui, lang)
        else:
            page.goto(base + "/")
            choose_language(page, lang)
            path = {"home": "/", "gate": "/diagnosis", "info": "/info/basics", "not-found": "/no-such-page"}[name]
            if name == "not-found":
                page.watch.expect_status(base + path, 404)
            response = page.goto(base + path)
            assert response.status == (404 if name == "not-found" else 200)

    def _audit(self, name: str, lang: str) -> Audit:
        context = self.browser.new_context(**NARROW_PHONE)
        context.set_default_timeout(10_000)
        watch = Watch(self.base_url)
        watch.attach(context)
        try:
            page = context.new_page()
            page.watch = watch
            self._open(page, name, lang)
            page.wait_for_load_state()
            expect(page.locator("h1").first).to_be_visible()
            measured = page.evaluate(MEASURE, [NAMED, FORM_CONTROLS, TARGETS])
            unnamed = unnamed_elements(page, NAMED)
            axe = None if self.axe is None else axe_violations(page, self.axe)
            return Audit(url=page.url, unnamed=unnamed, axe=axe, problems=watch.problems, **measured)
        finally:
            context.close()


@pytest.fixture(scope="session")
def audit(browser, base_url, ui, shared_result):
    """``audit(page_name, lang)``: the page's :class:`Audit` (measured once per session)."""
    yield Auditor(browser, base_url, ui, shared_result)


EVERY_PAGE = pytest.mark.parametrize("name", list(PAGES))
EVERY_LANG = pytest.mark.parametrize("lang", LANGS)


@EVERY_LANG
@EVERY_PAGE
def test_language_and_one_main_heading(audit, name, lang):
    """``<html lang>`` is the interface language, and the page has exactly one ``<h1>``."""
    page = audit(name, lang)
    assert (page.lang, page.h1) == (lang, 1)


@EVERY_LANG
@EVERY_PAGE
def test_every_control_and_link_has_a_name(audit, name, lang):
    """Every form control, link and disclosure has an accessible name (Chromium's own computation)."""
    page = audit(name, lang)
    assert page.controls == PAGES[name]
    assert page.unnamed == []


@EVERY_LANG
@EVERY_PAGE
def test_no_sideways_scrolling_at_320px(audit, name, lang):
    """Nothing is wider than a 320 px phone (with every disclosure open)."""
    page = audit(name, lang)
    assert (page.scroll_width, page.inner_width) == (WIDTH, WIDTH)


@EVERY_LANG
@EVERY_PAGE
def test_touch_targets_are_44px_high(audit, name, lang):
    """Buttons, button-like links, selects, summaries, answer labels, the header's and footer's links and
    the emergency strip's call link are at least 44 px high."""
    assert audit(name, lang).small_targets == []


@EVERY_LANG
@EVERY_PAGE
def test_axe_finds_no_violations(audit, axe, name, lang):
    """axe-core (WCAG 2.2 A and AA, best practices) finds nothing wrong, with every disclosure open."""
    assert audit(name, lang).axe == []


@EVERY_LANG
@EVERY_PAGE
def test_loads_cleanly(audit, name, lang):
    """No console error or warning (CSP violations are errors), no script error, no other host called."""
    assert audit(name, lang).problems == []


def insert(page, html: str) -> None:
    """Add markup at the end of ``<main>`` (from a test, to show that a check notices it)."""
    page.locator("main").evaluate("(main, html) => main.insertAdjacentHTML('beforeend', html)", html)


def test_the_checks_catch_problems(new_page, base_url):
    """The measures above can fail: an unnamed control, an overflow, a small target, CSP violations."""
    page = new_page(**NARROW_PHONE)
    page.goto(base_url + "/")
    insert(page, '<input id="unnamed"><button></button><div class="wide"></div>')
    assert [u.split(":")[0] for u in unnamed_elements(page, NAMED)] == ["textbox", "button"]
    page.locator(".wide").evaluate("e => { e.style.width = '500px'; e.style.height = '1px'; }")
    measured = page.evaluate(MEASURE, [NAMED, FORM_CONTROLS, TARGETS])
    assert measured["scroll_width"] > WIDTH
    assert measured["controls"] == 2
    assert len(measured["small_targets"]) == 1 and "<button></button>" in measured["small_targets"][0]

    # The CSP refuses an inline style and a picture from another host; the watch hears of both.
    with page.expect_console_message(lambda m: "style-src" in m.text):
        insert(page, '<p style="color: red">x</p>')
    with page.expect_console_message(lambda m: "img-src" in m.text):
        insert(page, '<img alt="" src="http://pakar-test.invalid/x.png">')
    found = page.watch.problems
    assert len(found) == 3, found
    assert "style-src" in found[0] and "img-src" in found[1]
    assert found[2] == "request to another host: GET http://pakar-test.invalid/x.png"
    page.watch.problems.clear()


def test_axe_catches_problems(new_page, base_url, axe):
    """axe runs for real: a picture without a text alternative and an unlabelled field are violations."""
    page = new_page(**NARROW_PHONE)
    page.goto(base_url + "/")
    insert(page, '<img src="/static/favicon.svg"><input id="unnamed">')
    found = axe_violations(page, axe)
    assert [line.split(" ")[0] for line in found] == ["image-alt", "label"], found


def test_requests_to_other_hosts_are_caught(new_page, base_url):
    """With the CSP out of the way, a request for another host is recorded (and stopped in the browser)."""
    page = new_page(bypass_csp=True)
    page.goto(base_url + "/")
    blocked = "net::ERR_BLOCKED_BY_CLIENT"
    with page.expect_console_message(lambda m: blocked in m.text), page.expect_event("requestfailed") as failed:
        insert(page, '<img alt="" src="http://pakar-test.invalid/x.png">')
    assert failed.value.url == "http://pakar-test.invalid/x.png"
    assert page.watch.problems == [
        "request to another host: GET http://pakar-test.invalid/x.png",
        f"console error at http://pakar-test.invalid/x.png: Failed to load resource: {blocked}.Inspector",
    ]
    page.watch.problems.clear()
