"""Stored results at /r/<token>: not-found pages, deleting by the holder, the PDF, the other language, the
"KB changed since" note, and no caching."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from sqlalchemy import update

import reports
from reports.filters import when
from testing.walkthrough import WALK_THROUGH
from webui import store
from webui.extensions import db
from webui.models import Consultation

S1 = {"Q1": "ya", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"}
DIAGNOSIS = {"GC01": "pasti", "GC02": "mungkin_iya", "GC06": "kemungkinan_besar"}  # PC01 84.8 %, PC02 48 %


def screening_receipt(visitor, answers=S1) -> str:
    """Walk the wizard as a person would; the receipt's path."""
    visitor.get("/screening")
    visitor.submit({"emergency": "no"})  # the gate: none of the danger signs
    visitor.get("/screening/who")
    visitor.submit({"for_other": "0"})
    for step, code in enumerate(("Q1", "Q2", "Q3", "Q4", "Q5", "Q6"), 1):
        visitor.get(f"/screening/{step}")
        response = visitor.submit({"answer": answers[code], "action": "next"})
    return response.location


def diagnosis_receipt(visitor, answers=DIAGNOSIS) -> str:
    visitor.get("/diagnosis")
    visitor.submit({"emergency": "no"})  # the gate: none of the danger signs
    visitor.get("/diagnosis/symptoms")
    return visitor.submit(answers).location


@pytest.fixture
def receipt(visitor):
    """A stored S1 screening, made in Indonesian; its path."""
    yield screening_receipt(visitor)


def row_of(app, path: str):
    with app.app_context():
        row = store.get(path.rsplit("/", 1)[-1])
        db.session.expunge_all()
        return row


# --- not found -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "A" * 24,  # well formed, never issued
        "short",
        "a" * 25,
        "a" * 300,
        "%C3%A9" * 24,  # 24 × "é"
        "..%2F..%2Fetc%2Fpasswd",
        "%27%20OR%20%271%27%3D%271",  # ' OR '1'='1
    ],
)
@pytest.mark.parametrize("suffix", ["", "/report.pdf"])
def test_unknown_or_junk_tokens_are_a_404_page(client, indonesian, token, suffix):
    response = client.get(f"/r/{token}{suffix}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"<h1>{indonesian('Page not found')}</h1>" in page
    # A receipt that is not (or no longer) there says how long results are kept; a path with a slash in it
    # is no receipt URL at all (the plain 404 page).
    kept = "Hasil dihapus setelah 30 hari, atau lebih awal oleh orang yang memegang tautannya."
    assert (f"<p>{kept}</p>" in page) == ("%2F" not in token)
    assert "Traceback" not in page


# --- the result page ---------------------------------------------------------------------------------------


def test_the_result_page_is_not_cached_and_carries_its_receipt(visitor, receipt, app):
    response = visitor.get(receipt)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    dom = visitor.dom
    link = dom.one("a", class_="url")
    assert link.attrs["href"] == link.text == f"http://localhost{receipt}"
    assert dom.one("div", class_="receipt-qr").find("svg") is not None
    # The creation time is printed in WIB (the TIMEZONE setting), whatever zone the database answered in.
    row = row_of(app, receipt)
    created = when(row.created_at, "id", "Asia/Jakarta")
    assert created.endswith(" WIB")
    assert dom.one("p", class_="receipt-meta").text.startswith(f"Dibuat {created} · ")
    assert dom.one("p", class_="receipt-retention").text == "Hasil dihapus setelah 30 hari."
    assert abs((datetime.now(row.created_at.tzinfo) - row.created_at).total_seconds()) < 60


def test_the_other_language_rerenders_from_the_stored_request(visitor, receipt, app, bundled_kb, row_count):
    before = row_count()
    visitor.get(receipt)
    solution = next(s for s in bundled_kb.solutions if s.code == "S1")
    assert visitor.dom.one("p", id="model-solution").text == f"S1 {solution.title.id}"

    switch = visitor.get(f"/lang/en?next={receipt}")
    assert (switch.status_code, switch.location) == (302, receipt)
    response = visitor.get(receipt)
    assert response.headers["Cache-Control"] == "no-store"
    dom = visitor.dom
    assert dom.one("html").attrs["lang"] == "en"
    assert dom.one("p", id="model-solution").text == f"S1 {solution.title.en}"
    assert [n.text for n in dom.one("dl", class_="answers").find_all("dd")] == ["Yes", "No", "No", "Yes", "Yes", "No"]
    assert dom.one("p", class_="receipt-meta").text.startswith("Created ")
    # Nothing new was stored and the stored row is unchanged: the texts come from re-running its request.
    assert row_count() == before
    row = row_of(app, receipt)
    assert (row.lang, row.result["title"]) == ("id", solution.title.id)


def test_a_diagnosis_in_the_other_language_uses_its_decimal_mark(visitor):
    receipt = diagnosis_receipt(visitor)
    visitor.get(receipt)
    assert visitor.dom.one("p", class_="certainty").one("strong").text == "84,8%"
    visitor.get(f"/lang/en?next={receipt}")
    visitor.get(receipt)
    assert visitor.dom.one("p", class_="certainty").one("strong").text == "84.8%"
    assert [r.find_all("td")[0].text for r in visitor.dom.one("table", class_="ranking").find_all("tr")[1:]] == [
        "PC01",
        "PC02",
    ]


def test_a_result_from_an_older_kb_keeps_its_words_and_says_so(visitor, receipt, app, bundled_kb, indonesian):
    """Another KB version might decide differently: the stored texts are shown as they were, with a note."""
    with app.app_context():
        db.session.execute(
            update(Consultation)
            .where(Consultation.key == store.key_of(receipt.rsplit("/", 1)[-1]))
            .values(kb_version="000000000000")
        )
        db.session.commit()
    solution = next(s for s in bundled_kb.solutions if s.code == "S1")
    visitor.get(receipt)
    stale = indonesian(
        "The knowledge base has been updated since this result was made; the result shows what that version said."
    )
    assert visitor.dom.one("p", class_="stale").text == stale
    visitor.get(f"/lang/en?next={receipt}")
    visitor.get(receipt)
    # Not re-run against today's KB: the title stays the stored (Indonesian) one.
    assert visitor.dom.one("p", id="model-solution").text == f"S1 {solution.title.id}"
    assert visitor.dom.one("p", class_="stale").text.startswith("The knowledge base has been updated")


# --- delete --------------------------------------------------------------------------------------------------


def test_delete_through_the_form_removes_the_row_and_the_link_stops_working(visitor, receipt, row_count, indonesian):
    before = row_count()
    visitor.get(receipt)
    response = visitor.submit(action=f"{receipt}/delete")
    assert (response.status_code, response.location) == (302, "/")
    assert row_count() == before - 1
    visitor.get("/")
    assert visitor.dom.one("div", class_="flash").text == indonesian(
        "The result has been deleted. Its link no longer works."
    )
    assert visitor.get(receipt).status_code == 404
    assert visitor.get(f"{receipt}/report.pdf").status_code == 404


def test_deleting_twice_says_there_was_nothing(visitor, receipt, row_count, indonesian):
    visitor.get(receipt)
    form = visitor.fields(visitor.form(action=f"{receipt}/delete"))
    visitor.post(f"{receipt}/delete", data=form)
    visitor.get("/")  # shows (and so clears) the first message
    before = row_count()
    response = visitor.post(f"{receipt}/delete", data=form)
    assert (response.status_code, response.location) == (302, "/")
    assert row_count() == before
    visitor.get("/")
    assert visitor.dom.one("div", class_="flash").text == indonesian(
        "There was no stored result at that link (it may already be deleted)."
    )


@pytest.mark.parametrize("data", [{}, {"csrf_token": "forged"}], ids=["no-token", "forged-token"])
def test_deleting_without_a_valid_csrf_token_is_refused(visitor, receipt, row_count, indonesian, data):
    before = row_count()
    response = visitor.post(f"{receipt}/delete", data=data)
    assert response.status_code == 400
    assert visitor.dom.one("h1").text == indonesian("The form has expired")
    assert row_count() == before
    assert visitor.get(receipt).status_code == 200


def test_deleting_with_a_token_from_another_session_is_refused(app, visitor, visitor_for, receipt, row_count):
    """A page on another site cannot borrow a token: tokens belong to the session that got them."""
    other = visitor_for(app)
    other.get("/diagnosis")
    token = other.fields(other.form())["csrf_token"]
    before = row_count()
    assert visitor.post(f"{receipt}/delete", data={"csrf_token": token}).status_code == 400
    assert row_count() == before


def test_delete_by_get_is_not_allowed(visitor, receipt, row_count):
    before = row_count()
    assert visitor.get(f"{receipt}/delete").status_code == 405
    assert row_count() == before


# --- PDF --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["screening", "diagnosis"])
@pytest.mark.slow  # WeasyPrint
def test_pdf_download(visitor, kind):
    from pypdf import PdfReader

    receipt = screening_receipt(visitor) if kind == "screening" else diagnosis_receipt(visitor)
    response = visitor.get(f"{receipt}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == f'attachment; filename="pakar-{kind}.pdf"'
    assert response.data.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert ("S1" if kind == "screening" else "PC01") in text


def test_pdf_failure_falls_back_to_the_page_with_a_message(visitor, receipt, monkeypatch, indonesian):
    def broken(*args, **kwargs):
        raise reports.ReportError("PDF rendering is unavailable: no Pango")

    monkeypatch.setattr(reports, "render_pdf", broken)
    response = visitor.get(f"{receipt}/report.pdf")
    assert (response.status_code, response.location) == (302, receipt)
    visitor.get(receipt)
    assert visitor.dom.one("div", class_="flash").text == indonesian(
        "The PDF could not be made on this server. Please use “Print result” instead."
    )


# --- what the page leads with (issue 8): triage, the official definitions, the model as a match score --------

STATUS = {
    "id": {"met": "Terpenuhi", "not_met": "Tidak terpenuhi", "unknown": "Tidak dapat dipastikan dari jawaban ini"},
    "en": {"met": "Met", "not_met": "Not met", "unknown": "Cannot tell from these answers"},
}


def headings(dom) -> list[str]:
    """The page's h1 and h2 texts, in document order."""
    return [h.text for h in dom.iter() if h.tag in ("h1", "h2")]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("answers, level, suspect, probable", WALK_THROUGH)
def test_the_page_leads_with_the_triage_level(visitor, bundled_kb, lang, answers, level, suspect, probable):
    if lang == "en":
        visitor.get("/lang/en")
    visitor.get(diagnosis_receipt(visitor, answers))
    dom = visitor.dom
    texts = headings(dom)
    title = bundled_kb.triage.level(level).title.get(lang)
    h1 = texts.index(dom.one("h1", id="report-title").text)
    assert texts[h1 + 1] == title  # the first heading after the page's h1: what to do
    section = dom.one("section", class_=f"triage-{level}")
    assert section.one("p", class_="source").one("span", class_="review").text == (
        "Menunggu tinjauan tenaga medis." if lang == "id" else "Awaiting medical review."
    )
    assert "seed001" not in section.text and "kmk413" not in section.text  # short citations, never ids
    calls = [a.attrs["href"] for a in section.find_all("a") if a.attrs.get("href", "").startswith("tel:")]
    assert calls == (["tel:119"] if level == "emergency" else [])
    statuses = [dd.one("strong").text for dd in dom.find_all("dl", class_="definitions")[0].find_all("dd")]
    assert statuses == [STATUS[lang][suspect], STATUS[lang][probable]]
    # The model's score is never a headline, and its category's text is the general one.
    assert not any("%" in t for t in texts)
    info = dom.find_all("p", class_="info")
    top = visitor.dom.one("p", class_="closest").one("span", class_="code").text
    assert [p.text for p in info] == [bundled_kb.hypothesis(top).info.get(lang)]
    assert "your answers show" not in dom.text and "jawaban Anda menunjukkan tanda ISPA" not in dom.text


@pytest.mark.parametrize("lang", ["id", "en"])
def test_suspect_probable_unknown_names_what_was_not_asked(visitor, lang):
    if lang == "en":
        visitor.get("/lang/en")
    visitor.get(diagnosis_receipt(visitor, {"GC03": "pasti", "GC04": "pasti", "GC05": "pasti"}))
    rows = visitor.dom.find_all("dl", class_="definitions")[0].find_all("div", class_="definition")
    expected = {
        "id": [
            "Kasus suspek (KMK 413/2020) Terpenuhi",
            "Kasus probable (KMK 413/2020) Tidak dapat dipastikan dari jawaban ini — tidak ditanyakan di sini: "
            "Cukup berat hingga perlu dirawat di rumah sakit; Belum ada hasil RT-PCR",
        ],
        "en": [
            "Suspect case (KMK 413/2020) Met",
            "Probable case (KMK 413/2020) Cannot tell from these answers — not asked here: Ill enough to need "
            "hospital care; No RT-PCR result yet",
        ],
    }[lang]
    assert [re.sub(r"\s+", " ", r.text).strip() for r in rows] == expected
    source = visitor.dom.one("section", class_="casedef").one("p", class_="source").text
    assert source.startswith(
        "Sumber: Kemenkes RI, KMK HK.01.07/MENKES/413/2020." if lang == "id" else "Source: Kemenkes"
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_symptom_diagnosis_says_plainly_what_to_do(visitor, bundled_kb, lang):
    if lang == "en":
        visitor.get("/lang/en")
    visitor.get(diagnosis_receipt(visitor, {}))
    dom = visitor.dom
    assert dom.find_all("h2", id="why-title") == []
    assert dom.find_all("table", class_="ranking") == []
    assert dom.one("p", class_="no-match").text == (
        "Anda tidak melaporkan satu pun tanda yang dicantumkan model, jadi tidak ada kategori yang cocok. Apa yang "
        "perlu dilakukan ada di bagian atas halaman ini."
        if lang == "id"
        else "You reported none of the signs the model lists, so it matches no category. What to do is at the top "
        "of this page."
    )
    # Every symptom asked is listed with its answer, "No" included, in the KB's groups.
    answers = dom.find_all("div", class_="answer-group")
    assert [g.one("h3").text for g in answers] == [g.name.get(lang) for g in bundled_kb.groups]
    assert len(dom.find_all("span", class_="symptom-name")) == len(bundled_kb.symptoms)


def test_a_result_stored_before_triage_is_recomputed_from_its_request(app, visitor, bundled_kb):
    receipt = diagnosis_receipt(visitor, {"GC03": "pasti", "GC04": "pasti", "GC05": "pasti"})
    key = store.key_of(receipt.rsplit("/", 1)[-1])
    with app.app_context():
        row = db.session.get(Consultation, key)
        old_result = {k: v for k, v in row.result.items() if k not in ("triage", "case_definition")}
        old_trace = {k: v for k, v in row.trace.items() if k != "assessment"}
        db.session.execute(
            update(Consultation).where(Consultation.key == key).values(result=old_result, trace=old_trace)
        )
        db.session.commit()
    visitor.get(receipt)
    title = bundled_kb.triage.level("test_and_isolate").title.id
    assert visitor.dom.one("h2", id="triage-title").text == title
    statuses = [dd.one("strong").text for dd in visitor.dom.find_all("dl", class_="definitions")[0].find_all("dd")]
    assert statuses == ["Terpenuhi", "Tidak dapat dipastikan dari jawaban ini"]
    # Of another KB version it cannot be re-run: the page says so instead of a triage level.
    with app.app_context():
        db.session.execute(update(Consultation).where(Consultation.key == key).values(kb_version="000000000000"))
        db.session.commit()
    visitor.get(receipt)
    section = visitor.dom.one("section", class_="triage-none")
    assert section.one("h2").text == "Yang perlu dilakukan"
    assert section.one("p").text.startswith("Hasil ini dibuat sebelum Pakar menyampaikan lebih dulu")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("mode", ["screening", "diagnosis"])
def test_the_emergency_gate_result_page(visitor, bundled_kb, lang, mode):
    if lang == "en":
        visitor.get("/lang/en")
    visitor.get(f"/{mode}")
    response = visitor.submit({"emergency": "yes"})
    assert response.status_code == 302
    assert visitor.get(response.location).status_code == 200
    dom = visitor.dom
    texts = headings(dom)
    assert texts[texts.index(dom.one("h1", id="report-title").text) + 1] == bundled_kb.triage.levels[0].title.get(lang)
    call = dom.one("section", class_="triage-emergency").one("a", class_="call-button")
    assert call.attrs["href"] == "tel:119"
    assert dom.one("p", class_="emergency-note").text.startswith(
        "Konsultasi berhenti di pertanyaan tanda bahaya" if lang == "id" else "The consultation stopped at the"
    )
    assert dom.find_all("table", class_="ranking") == [] and dom.find_all("section", class_="casedef") == []
