"""Printing a result from the phone: the print stylesheet keeps the report and drops the site around it,
and the report fits on one A4 page (Chromium's own PDF of the printed page), for both kinds of result and
the longest report there is (every symptom "Pasti Iya").
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testing.browser import SHARED_RESULTS, open_result, pdf_pages, pdf_text

# Each shared result: the report's title and the outcome code its printed page names.
PRINTED = [
    ("screening-S1", "Quick screening result", "S1"),
    ("diagnosis-3", "Detailed diagnosis result", "PC02"),
    ("diagnosis-all-20", "Detailed diagnosis result", "PC02"),
]
assert [p[0] for p in PRINTED] == list(SHARED_RESULTS)

# Hidden on paper: the site's header and footer, the actions under the report, every form and disclosure.
NOT_PRINTED = (
    ".site-header",
    ".site-footer",
    ".result-actions",
    "details.expert",
    "details.delete",
    "main form",
    ".skip-link",
)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("name, title, outcome", PRINTED, ids=[p[0] for p in PRINTED])
def test_print_is_one_a4_page(page, shared_result, ui, lang, name, title, outcome):
    """Print media shows only the report; Chromium's A4 PDF of it has exactly one page."""
    url = shared_result(name, lang)
    open_result(page, url, lang)
    for selector in NOT_PRINTED:
        assert page.locator(selector).count() > 0, f"the result page has no {selector}"
    page.emulate_media(media="print")
    for selector in NOT_PRINTED:
        for element in page.locator(selector).all():
            expect(element).to_be_hidden()
    report = page.locator("article.report")
    expect(report).to_be_visible()
    expect(report.locator("h1")).to_have_text(ui(lang, title))
    expect(report.locator("#outcome-title")).to_contain_text(outcome)
    # The danger signs, or (at the emergency level) the triage block that already says to call 119.
    expect(report.locator(".emergency, .triage-emergency").first).to_be_visible()
    expect(report.locator(".receipt a.url")).to_have_text(url)

    pdf = page.pdf(format="A4")
    text = pdf_text(pdf)
    assert outcome in text and ui(lang, title) in text
    assert pdf_pages(pdf) == 1, f"the printed {name} report ({lang}) takes {pdf_pages(pdf)} A4 pages"
