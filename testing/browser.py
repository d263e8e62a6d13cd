"""Helpers for the browser tests (tests/browser): Chromium's flags, the viewports, a watch on what pages
do, and the two consultations done the way a person does them (labels, links and buttons; never a form
posted by hand). Needs Playwright and pypdf (the ``test`` extra).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from pypdf import PdfReader

# Debian's Chromium, driven by the playwright package (no browser download). As root it needs --no-sandbox;
# the background-networking flags keep it from calling out (the network here refuses such connections).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
NARROW_PHONE = {**PHONE, "viewport": {"width": 320, "height": 640}}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

LANGS = ("id", "en")
# The header's language switch shows each language by its own name, in every interface language.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

# axe-core, the accessibility checker, as tests/browser/setup.sh installs it (npm, package-lock.json).
AXE_JS = Path(__file__).resolve().parents[1] / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
# The rules axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}"""

# What Chromium logs for a document answered with an error status (the 404 page).
ERROR_STATUS_LOG = "Failed to load resource: the server responded with a status of {status}"


class Watch:
    """What the pages of one browser context must never do: log a console error or warning (a CSP
    violation is one), throw an uncaught script error, or request anything from a host other than the app.
    """

    def __init__(self, origin: str):
        self.netloc = urlsplit(origin).netloc
        self.expected_status: dict[str, int] = {}
        self.problems: list[str] = []

    def attach(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda err: self.problems.append(f"uncaught script error: {err.error}"))
        context.on("request", self._request)
        # A request for another host is recorded, then stopped in the browser: nothing leaves this machine.
        context.route(self._foreign, lambda route: route.abort("blockedbyclient"))

    def expect_status(self, url: str, status: int) -> None:
        """The test loads ``url`` knowing it answers ``status`` (Chromium logs that as a console error)."""
        self.expected_status[url] = status

    def _console(self, msg) -> None:
        if msg.type not in ("error", "warning"):
            return
        url = msg.location.get("url", "")
        status = self.expected_status.get(url)
        if status is not None and msg.text.startswith(ERROR_STATUS_LOG.format(status=status)):
            return
        self.problems.append(f"console {msg.type} at {url or '?'}: {msg.text}")

    def _foreign(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme not in ("data", "blob", "about") and parts.netloc != self.netloc

    def _request(self, request) -> None:
        if self._foreign(request.url):
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def assert_clean(self) -> None:
        assert self.problems == [], "the pages misbehaved:\n" + "\n".join(self.problems)


# --- reading pages ----------------------------------------------------------------------------------


def axe_source() -> str | None:
    """axe-core's script, or None when tests/browser/setup.sh has not installed it."""
    return AXE_JS.read_text(encoding="utf-8") if AXE_JS.exists() else None


def axe_violations(page: Page, source: str) -> list[str]:
    """axe-core's violations on the open page, one line each: rule (impact): the elements at fault.

    The script is evaluated through the DevTools protocol, which the page's CSP does not govern.
    """
    page.evaluate(source)
    return page.evaluate(AXE_RUN, list(AXE_TAGS))


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- doing things as a person -------------------------------------------------------------------------


def choose_language(page: Page, lang: str) -> None:
    """Switch the interface language with the header's visible link (Indonesian is the default)."""
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(".site-header").get_by_role("link", name=LANGUAGE_NAMES[lang], exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def pass_gate(page: Page, ui, lang: str) -> None:
    """On the emergency gate (the first page of both consultations), answer No: none of the danger signs."""
    page.get_by_role("button", name=ui(lang, "No, none of these"), exact=True).click()
    page.wait_for_load_state()


def start_screening(page: Page, base_url: str, ui, lang: str, for_other: bool) -> None:
    """From the home page to question 1: the language switch, the start link, who it is for."""
    page.goto(base_url + "/")
    choose_language(page, lang)
    page.get_by_role("link", name=ui(lang, "Start quick screening"), exact=True).click()
    pass_gate(page, ui, lang)
    who = "Someone else (answer for that person; no name needed)" if for_other else "Myself"
    page.get_by_label(ui(lang, who), exact=True).check()
    page.get_by_role("button", name=ui(lang, "Begin"), exact=True).click()
    expect(page).to_have_url(base_url + "/screening/1")
    page.wait_for_load_state()


def answer_question(page: Page, kb, ui, lang: str, step: int, answer: str) -> None:
    """Choose ``answer`` (an answer code) by its KB label on the open question page and go on."""
    page.get_by_label(kb.answer_label(answer).get(lang), exact=True).check()
    last = step == len(kb.questions)
    page.get_by_role("button", name=ui(lang, "See the result" if last else "Next"), exact=True).click()


def run_screening(
    page: Page, base_url: str, kb, ui, lang: str, answers: dict[str, str], for_other: bool = False
) -> str:
    """A whole quick screening; returns the result page's URL."""
    start_screening(page, base_url, ui, lang, for_other)
    for step, question in enumerate(kb.questions, 1):
        answer_question(page, kb, ui, lang, step, answers[question.code])
    expect(page).to_have_url(result_url_pattern(base_url))
    page.wait_for_load_state()  # styles in place before anything is measured or printed
    return page.url


def fill_diagnosis(page: Page, kb, lang: str, levels: dict[str, str]) -> None:
    """On the open diagnosis form, choose each listed symptom's level by its KB label."""
    for code, level in levels.items():
        page.locator(f"select#{code}").select_option(label=level_label(kb, level, lang))


def run_diagnosis(page: Page, base_url: str, kb, ui, lang: str, levels: dict[str, str], for_other: bool = False) -> str:
    """A whole detailed diagnosis from the home page; returns the result page's URL."""
    page.goto(base_url + "/")
    choose_language(page, lang)
    page.get_by_role("link", name=ui(lang, "Start detailed diagnosis"), exact=True).click()
    pass_gate(page, ui, lang)
    fill_diagnosis(page, kb, lang, levels)
    if for_other:
        page.get_by_label(ui(lang, "I am answering for someone else (no name needed)"), exact=True).check()
    page.get_by_role("button", name=ui(lang, "See the result"), exact=True).click()
    expect(page).to_have_url(result_url_pattern(base_url))
    page.wait_for_load_state()  # styles in place before anything is measured or printed
    return page.url


# Stored results that several tests only look at (print, PDF, accessibility): made once per session.
# name: (kind, input, for someone else)
SHARED_RESULTS = {
    "screening-S1": ("screening", {"Q1": "ya", "Q2": "ya", "Q3": "ya", "Q4": "ya", "Q5": "ya", "Q6": "ya"}, True),
    "diagnosis-3": ("diagnosis", {"GC03": "kemungkinan_besar", "GC06": "mungkin_tidak", "GC07": "mungkin_iya"}, False),
    # The longest report there is: every symptom "Pasti Iya".
    "diagnosis-all-20": ("diagnosis", {f"GC{i:02d}": "pasti" for i in range(1, 21)}, True),
}


def make_result(page: Page, base_url: str, kb, ui, lang: str, name: str) -> str:
    """Make one of :data:`SHARED_RESULTS` through the forms; returns its URL."""
    kind, given, for_other = SHARED_RESULTS[name]
    run = run_screening if kind == "screening" else run_diagnosis
    return run(page, base_url, kb, ui, lang, given, for_other=for_other)


def open_result(page: Page, url: str, lang: str) -> None:
    """Open a stored result by its receipt URL, in ``lang`` (through the header's switch if needed)."""
    page.goto(url)
    choose_language(page, lang)
    expect(page).to_have_url(url)
    page.wait_for_load_state()


def level_label(kb, level: str, lang: str) -> str:
    return next(lv.label.get(lang) for lv in kb.scale if lv.code == level)


def result_url_pattern(base_url: str):
    """The pattern of a stored result's URL (a 24-character receipt token)."""
    return re.compile(re.escape(base_url) + r"/r/[A-Za-z0-9_-]{24}")
