"""The report rendered outside the web app, from real consultations: HTML for screen and paper, and a
WeasyPrint PDF that is one A4 page even for the longest reports (all twenty symptoms; a screening's six
questions), in Indonesian (the real catalogue) and in English.
"""

from __future__ import annotations

import io
import re
import sys
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape
from pypdf import PdfReader

import reports
import rules
from reports import ReportError, render_html, render_pdf
from rules.i18n import TRANSLATIONS_DIR
from rules.results import from_json

TOKEN = "Y6HO0Ip2UsFA1N3qCz0BCCM0xK4rW9dLq2ZbT7nE5sA"
URL = f"https://pakar.example.go.id/r/{TOKEN}"
CREATED = datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc)
PO_PATH = TRANSLATIONS_DIR / "id" / "LC_MESSAGES" / "messages.po"

EVERY_SYMPTOM = {f"GC{i:02d}": 1.0 for i in range(1, 21)}  # all at "Pasti Iya"
ALL_YES = {f"Q{i}": "ya" for i in range(1, 7)}
EVERY_MAYBE = {f"GC{i:02d}": 0.4 for i in range(1, 21)}  # all at "Mungkin Iya"

CASES = [
    # id, request, outcome code
    ("diagnosis-all-20", {"mode": "diagnosis", "symptoms": EVERY_SYMPTOM}, "PC02"),
    ("diagnosis-3", {"mode": "diagnosis", "symptoms": {"GC03": 0.8, "GC04": 0.6, "GC01": 0.4}}, "PC01"),
    ("diagnosis-none", {"mode": "diagnosis", "symptoms": {}}, None),
    ("screening-S1", {"mode": "screening", "answers": ALL_YES}, "S1"),
    ("screening-S3", {"mode": "screening", "answers": {f"Q{i}": "tidak" for i in range(1, 7)}}, "S3"),
    # every definition "cannot tell", with criteria answered "Maybe": the longest case-definition block
    ("diagnosis-maybe", {"mode": "diagnosis", "symptoms": {**EVERY_MAYBE, "GC06": 0.6, "GC20": 0.4}}, "PC02"),
    ("emergency-screening", {"mode": "screening", "emergency": True}, None),
    ("emergency-diagnosis", {"mode": "diagnosis", "emergency": True}, None),
]
LONGEST = ["diagnosis-all-20", "screening-S1", "diagnosis-maybe"]


@pytest.fixture(scope="module")
def indonesian():
    """gettext for Indonesian from the project's catalogue (the .po file: the .mo is built at install)."""
    with open(PO_PATH, "rb") as fh:
        catalog = read_po(fh, locale="id")
    strings = {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}
    yield lambda s: strings.get(s, s)


@pytest.fixture
def gettext(indonesian):
    """The interface language's gettext: Indonesian from the catalogue, English as written in the code."""
    yield lambda lang: indonesian if lang == "id" else None


def make_context(kb, request: dict, lang: str, *, for_other=False, stale=False) -> dict:
    """What ``webui.results.result_context`` gives the template: a real consultation, stored as the web app
    stores it (the result without its trace, the trace apart) and read back as a typed record."""
    full = rules.consult(kb, {**request, "lang": lang})
    stored = {k: v for k, v in full.items() if k != "trace"}
    result = from_json(stored, full["trace"])
    row = SimpleNamespace(
        mode=request["mode"], kb_version=kb.short_version, created_at=CREATED, for_other=for_other, lang=lang
    )
    hotline = stored["hotline"] if request["mode"] == "screening" else None
    return {
        "kb": kb,
        "row": row,
        "result": result,
        "token": TOKEN,
        "url": URL,
        "hotline": hotline,
        "stale": stale,
        "lang": lang,
    }


def case(name):
    return next(c for c in CASES if c[0] == name)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("name", LONGEST)
@pytest.mark.slow  # WeasyPrint
def test_longest_reports_are_one_a4_page(kb, gettext, name, lang):
    """The worst case on paper: every line the template can add (for someone else, a stale KB) as well."""
    _, request, outcome = case(name)
    english = "Quick screening result" if request["mode"] == "screening" else "Detailed diagnosis result"
    title = (gettext(lang) or str)(english)
    assert (title == english) == (lang == "en")  # the Indonesian title comes from the catalogue
    data = render_pdf(make_context(kb, request, lang, for_other=True, stale=True), gettext=gettext(lang))
    assert data.startswith(b"%PDF-")
    pdf = PdfReader(io.BytesIO(data))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = pdf_text(data)
    flat = re.sub(r"\s+", "", text)
    assert URL in flat
    assert kb.short_version in text
    assert outcome in text
    assert title in text


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("name, request_body, outcome", CASES, ids=[c[0] for c in CASES])
@pytest.mark.slow  # WeasyPrint
def test_pdf_of_each_kind(kb, gettext, name, request_body, outcome, lang):
    data = render_pdf(make_context(kb, request_body, lang), gettext=gettext(lang))
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = pdf_text(data)
    assert URL in re.sub(r"\s+", "", text)
    assert kb.short_version in text
    if outcome:
        assert outcome in text


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("name, request_body, outcome", CASES, ids=[c[0] for c in CASES])
def test_html_is_self_contained(kb, gettext, name, request_body, outcome, lang):
    """No script, no inline style attribute, and no address but the receipt's own: nothing is fetched."""
    html = render_html(make_context(kb, request_body, lang, for_other=True), gettext=gettext(lang))
    assert html.startswith("<!doctype html>")
    assert f'<html lang="{lang}">' in html
    assert "<script" not in html.lower()
    assert " style=" not in html
    assert re.findall(r"https?://[^\s\"'<>)]+", html) == [URL, URL]  # the link and its text
    assert re.findall(r"\b(?:src|srcset|xlink:href)=", html) == []
    assert "@import" not in html and "url(" not in html
    assert [m for m in re.findall(r'href="([^"]*)"', html) if not m.startswith("tel:")] == [URL]
    assert html.count("<svg") == 1 + {"diagnosis-all-20": 2, "diagnosis-3": 2, "diagnosis-maybe": 2}.get(
        name, 0
    )  # the QR, the bars


@pytest.mark.parametrize("lang", ["id", "en"])
def test_screening_lists_the_six_questions_and_answers(kb, gettext, lang):
    ctx = make_context(kb, {"mode": "screening", "answers": {**ALL_YES, "Q1": "ragu", "Q6": "tidak"}}, lang)
    html = render_html(ctx, gettext=gettext(lang))
    answers = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html)
    label = lambda code: str(escape(kb.answer_label(code).get(lang)))  # noqa: E731
    assert answers == [
        (str(escape(q.text.get(lang))), label(code))
        for q, code in zip(kb.questions, ["ragu", "ya", "ya", "ya", "ya", "tidak"], strict=True)
    ]
    assert len(answers) == 6
    assert 'href="tel:1500-567">1500-567</a>' in html
    assert 'class="part model outcome-s1"' in html


DIAGNOSIS_TEXTS = [
    # language, outcome heading, certainty, chart rows (code, percent, CF, bar width), symptoms, why
    (
        "id",
        'PC01</span> <span class="closest-name">Suspek COVID-19',
        "94,6%",
        [("PC01", "94,6%", "0,946", "94.56"), ("PC02", "92%", "0,92", "92")],
        [  # in the KB's groups: breathing first, then general
            ("Pilek atau hidung tersumbat", "Mungkin Iya"),
            ("Batuk kering", "Kemungkinan Besar Iya"),
            ("Demam di atas 38 °C", "Hampir Pasti Iya"),
        ],
        "PC01 Suspek COVID-19 ditampilkan lebih dulu: skor kecocokannya (94,6%) lebih tinggi daripada PC02 "
        "Probable COVID-19 (92%).",
        # Each step is MYCIN's combination by hand: 0.8×0.4 = 0.32; 0.32 + 0.8×0.68 = 0.864; 0.864 + 0.6×0.136 = 0.9456.
        [
            "Pilek atau hidung tersumbat — Anda menjawab “Mungkin Iya”: skor kecocokan 0% → 32%",
            "Demam di atas 38 °C — Anda menjawab “Hampir Pasti Iya”: skor kecocokan 32% → 86,4%",
            "Batuk kering — Anda menjawab “Kemungkinan Besar Iya”: skor kecocokan 86,4% → 94,6%",
        ],
    ),
    (
        "en",
        'PC01</span> <span class="closest-name">Suspect COVID-19',
        "94.6%",
        [("PC01", "94.6%", "0.946", "94.56"), ("PC02", "92%", "0.92", "92")],
        [("Runny or blocked nose", "Maybe"), ("Dry cough", "Likely"), ("Fever above 38 °C", "Almost certainly")],
        "PC01 Suspect COVID-19 comes first: its match score (94.6%) is higher than that of PC02 Probable COVID-19 "
        "(92%).",
        [
            "Runny or blocked nose — you answered “Maybe”: match score 0% → 32%",
            "Fever above 38 °C — you answered “Almost certainly”: match score 32% → 86.4%",
            "Dry cough — you answered “Likely”: match score 86.4% → 94.6%",
        ],
    ),
]


@pytest.mark.parametrize("lang, title, certainty, chart, symptoms, why, steps", DIAGNOSIS_TEXTS, ids=["id", "en"])
def test_diagnosis_numbers_chart_and_symptoms(kb, gettext, lang, title, certainty, chart, symptoms, why, steps):
    """Fever 0.8, dry cough 0.6, runny nose 0.4: the numbers in the language's decimal mark, one bar each."""
    html = render_html(make_context(kb, case("diagnosis-3")[1], lang), gettext=gettext(lang))
    assert f'<span id="outcome-title"><span class="code">{title}</span></span> —' in html
    assert f"<strong>{certainty}</strong>" in html
    rows = re.findall(
        r'<td class="code-cell">(\w+)</td>.*?<strong>([^<]+)</strong> <span class="cf">\(CF ([^)]+)\)'
        r'.*?<rect width="100" height="4" fill="#dde3e9"/><rect width="([\d.]+)"',
        html,
        re.S,
    )
    assert rows == chart
    assert (
        re.findall(r'<li class="yes"><span class="symptom-name">(.*?)</span> — <em>(.*?)</em></li>', html) == symptoms
    )
    assert len(re.findall(r'<li(?: class="yes")?><span class="symptom-name">', html)) == 20  # every symptom asked
    assert f'<p class="why-short">{why}</p>' in html
    assert re.findall(r"<li>([^<]*→[^<]*)</li>", html) == steps


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_conclusion_has_no_chart(kb, gettext, lang):
    html = render_html(make_context(kb, case("diagnosis-none")[1], lang), gettext=gettext(lang))
    assert 'class="ranking"' not in html and 'class="no-match"' in html
    assert 'id="why-title"' not in html  # no empty "why" heading
    assert html.count("<svg") == 1  # the QR code only


class _Refuse:
    """An import hook that makes ``import weasyprint`` fail as a broken installation would."""

    def __init__(self, exc):
        self.exc = exc

    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise self.exc
        return None


@pytest.fixture
def no_weasyprint(monkeypatch):
    """Forget the imported WeasyPrint for one test; the hook put in front of the importers decides."""
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    yield lambda exc: monkeypatch.setattr(sys, "meta_path", [_Refuse(exc), *sys.meta_path])


@pytest.mark.parametrize(
    "exc",
    [ImportError("No module named 'weasyprint'"), OSError("cannot load library 'libpango-1.0-0'")],
    ids=["not-installed", "no-pango"],
)
def test_report_error_without_weasyprint(kb, no_weasyprint, exc):
    no_weasyprint(exc)
    with pytest.raises(ReportError, match=re.escape(f"PDF rendering is unavailable: {exc}")):
        render_pdf(make_context(kb, case("screening-S3")[1], "en"))


def test_report_error_when_rendering_fails(kb, monkeypatch):
    import weasyprint

    def broken(self, *args, **kwargs):
        raise OSError("cairo went away")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(ReportError, match="PDF rendering failed: cairo went away"):
        render_pdf(make_context(kb, case("screening-S3")[1], "en"))


def test_report_error_is_exported():
    assert reports.ReportError is ReportError and issubclass(ReportError, Exception)
