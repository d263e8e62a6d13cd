"""Stored results at /r/<token>: not-found pages, deleting by the holder, the PDF, the other language, the
"KB changed since" note, and no caching."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from sqlalchemy import update

import reports
from reports.filters import when
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
