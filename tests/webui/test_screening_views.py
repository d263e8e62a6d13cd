"""The quick screening in the browser's shoes (CSRF on, as in production): the emergency gate, who it is for,
six questions one per page, going back, skipping ahead, Start begins empty, and the stored result with its
advice and hotline."""

from __future__ import annotations

import io
import re

import pytest

import rules
from testing.html import parse_html
from testing.kbfiles import BASE as MINI_KB
from testing.kbfiles import write_kb
from webui import store

ANSWERS = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6")
ALL_NO = dict.fromkeys(ANSWERS, "tidak")


def past_gate(visitor):
    """Press Start (the gate) and answer No: lands on who the screening is for."""
    assert visitor.get("/screening").status_code == 200
    response = visitor.submit({"emergency": "no"})
    assert (response.status_code, response.location) == (302, "/screening/who")
    assert visitor.get("/screening/who").status_code == 200


def begin(visitor, who: str = "0"):
    """Start, answer the gate No and say who the screening is for; lands on question 1."""
    past_gate(visitor)
    response = visitor.submit({"for_other": who})
    assert (response.status_code, response.location) == (302, "/screening/1")
    return response


def answer(visitor, step: int, value: str | None, action: str = "next"):
    """Open question ``step`` and press a button with ``value`` chosen (None: nothing chosen)."""
    assert visitor.get(f"/screening/{step}").status_code == 200
    return visitor.submit({"answer": value, "action": action})


def complete(visitor, answers: dict, who: str = "0"):
    """Answer every question; returns the last response (the redirect to the receipt)."""
    begin(visitor, who)
    for step, code in enumerate(ANSWERS, 1):
        response = answer(visitor, step, answers[code])
    return response


def checked(visitor) -> list[str]:
    return [n.attrs["value"] for n in visitor.dom.find_all("input", name="answer") if "checked" in n.attrs]


# --- the start page and the steps ----------------------------------------------------------------------


def test_who_page_asks_who_it_is_for(visitor, indonesian):
    past_gate(visitor)
    response = visitor.response
    assert response.headers["Cache-Control"] == "no-store"
    form = visitor.form()
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/screening/who")
    assert [(n.attrs["value"], "checked" in n.attrs) for n in form.find_all("input", name="for_other")] == [
        ("0", False),
        ("1", False),
    ]
    assert form.one("legend").text == indonesian("Who are you checking?")


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({}, 400, "Please say who the consultation is for."),
        ({"for_other": "2"}, 400, "Please say who the consultation is for."),
        (
            {"for_other": "1", "answer": "ya"},
            400,
            "This form carries fields our page does not send, so nothing in it was used. "
            "Please fill in the form on this page.",
        ),
    ],
    ids=["nothing-chosen", "not-a-choice", "forged-field"],
)
def test_who_page_refuses_what_it_did_not_offer(visitor, change, status, message):
    visitor.get("/lang/en")
    past_gate(visitor)
    response = visitor.submit(change)
    assert response.status_code == status
    assert visitor.dom.one("p", class_="error").text == message
    assert visitor.get("/screening/1").location == "/screening/who"  # who it is for is not said yet


def test_six_steps_one_per_page_with_progress(visitor, bundled_kb, indonesian):
    begin(visitor)
    for step, question in enumerate(bundled_kb.questions, 1):
        response = visitor.get(f"/screening/{step}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        dom = visitor.dom
        progress = dom.one("progress")
        assert (progress.attrs["max"], progress.attrs["value"]) == ("6", str(step))
        assert dom.one("p", class_="progress-label").text == indonesian(
            "Question %(step)d of %(total)d", step=step, total=6
        )
        assert dom.one("h1", class_="question").text == question.text.id
        # The offered answers are the question's, in the KB's order, none chosen yet.
        assert [n.attrs["value"] for n in dom.find_all("input", name="answer")] == list(question.answers)
        assert checked(visitor) == []
        visitor.submit({"answer": question.answers[-1], "action": "next"})


def test_steps_in_english(visitor, bundled_kb):
    visitor.get("/lang/en")
    begin(visitor)
    visitor.get("/screening/1")
    assert visitor.dom.one("p", class_="progress-label").text == "Question 1 of 6"
    assert visitor.dom.one("h1", class_="question").text == bundled_kb.questions[0].text.en
    assert [n.text for n in visitor.dom.find_all("label") if n.attrs.get("for", "").startswith("answer-")] == [
        "Yes",
        "Not sure",
        "No",
    ]


def test_someone_else_is_reminded_on_every_step(visitor, indonesian):
    begin(visitor, who="1")
    visitor.get("/screening/1")
    assert visitor.dom.one("p", class_="for-other").text == indonesian("Answer for the person you are checking.")


def test_back_keeps_the_answers(visitor):
    begin(visitor)
    for step, value in ((1, "ragu"), (2, "ya"), (3, "tidak")):
        assert answer(visitor, step, value).location == f"/screening/{step + 1}"
    # On step 4, choose "ya" and press Back: back to 3, which still shows its answer...
    response = answer(visitor, 4, "ya", action="back")
    assert response.location == "/screening/3"
    visitor.get("/screening/3")
    assert checked(visitor) == ["tidak"]
    # ...and step 4 kept the answer chosen before going back.
    visitor.get("/screening/4")
    assert checked(visitor) == ["ya"]
    for step, value in ((2, ["ya"]), (1, ["ragu"])):
        visitor.get(f"/screening/{step}")
        assert checked(visitor) == value


def test_back_from_the_first_question_goes_to_who_and_keeps_who_and_the_answers(visitor):
    begin(visitor, who="1")
    answer(visitor, 1, "ragu")
    assert answer(visitor, 1, None, action="back").location == "/screening/who"
    visitor.get("/screening/who")
    assert [n.attrs["value"] for n in visitor.dom.find_all("input", name="for_other") if "checked" in n.attrs] == ["1"]
    # ...and its Back leads to the gate, the first page.
    assert visitor.dom.one("a", class_="secondary").attrs["href"] == "/screening"
    visitor.submit({"for_other": "1"})
    visitor.get("/screening/1")
    assert checked(visitor) == ["ragu"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("target", [4, 6])
def test_skipping_ahead_by_url_lands_on_the_first_unanswered_step(visitor, method, target):
    begin(visitor)
    answer(visitor, 1, "tidak")
    answer(visitor, 2, "tidak")
    if method == "GET":
        response = visitor.get(f"/screening/{target}")
    else:
        visitor.get("/screening/3")  # a token from a real form; the URL is the forged part
        response = visitor.post(f"/screening/{target}", data={**visitor.fields(visitor.form()), "answer": "ya"})
    assert (response.status_code, response.location) == (302, "/screening/3")


@pytest.mark.parametrize("step", [0, 7, 99])
def test_steps_outside_the_questionnaire_are_not_found(visitor, step):
    begin(visitor)
    assert visitor.get(f"/screening/{step}").status_code == 404


def test_a_step_without_a_started_screening_goes_to_the_start(visitor, indonesian):
    response = visitor.get("/screening/3")
    assert (response.status_code, response.location) == (302, "/screening")
    visitor.get("/screening")
    assert visitor.dom.one("div", class_="flash").text == indonesian(
        "Your earlier answers have expired. Please start again."
    )


# --- the result ----------------------------------------------------------------------------------------


def test_the_last_step_stores_exactly_one_row_and_sends_to_the_receipt(visitor, row_count):
    before = row_count()
    begin(visitor)
    for step in range(1, 6):
        answer(visitor, step, "tidak")
        assert row_count() == before  # nothing is stored before the last answer
    response = answer(visitor, 6, "tidak")
    assert response.status_code == 302
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{24}", response.location)
    assert row_count() == before + 1
    # The wizard is over: its answers are gone from the session.
    assert visitor.get("/screening/1").location == "/screening"


S1_ANSWERS = {**ALL_NO, "Q1": "ya", "Q4": "ya", "Q5": "ya"}
SCREENING_CASES = {
    "all-no": (ALL_NO, "S3"),
    "contact-fever-breathless": ({**ALL_NO, "Q1": "ya", "Q4": "ya", "Q5": "ya"}, "S1"),
    "unsure-contact-fever-breathless": ({**ALL_NO, "Q1": "ragu", "Q4": "ya", "Q5": "ya"}, "S1"),
    "everything-yes": ({**dict.fromkeys(ANSWERS, "ya")}, "S1"),
    "one-yes-cough": ({**ALL_NO, "Q2": "ya"}, "S2"),
    "one-yes-sore-throat": ({**ALL_NO, "Q6": "ya"}, "S2"),
    "only-unsure-contact": ({**ALL_NO, "Q1": "ragu"}, "S2"),
    "fever-breathless-no-contact": ({**ALL_NO, "Q4": "ya", "Q5": "ya"}, "S2"),
}


@pytest.mark.parametrize("answers, code", SCREENING_CASES.values(), ids=SCREENING_CASES.keys())
def test_result_shows_the_kb_solution(visitor, bundled_kb, answers, code):
    receipt = complete(visitor, answers).location
    # The engine agrees with the table (so the table itself is right), and the page shows the KB's words.
    assert rules.consult(bundled_kb, {"mode": "screening", "answers": answers})["solution"] == code
    solution = next(s for s in bundled_kb.solutions if s.code == code)
    response = visitor.get(receipt)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    outcome = visitor.dom.one("p", id="model-solution")  # the paper's advice, under the triage headline
    assert outcome.one("span", class_="code").text == code
    assert outcome.text == f"{code} {solution.title.id}"
    # The answers are echoed back in the person's words.
    shown = [n.text for n in visitor.dom.one("dl", class_="answers").find_all("dd")]
    assert shown == [bundled_kb.answer_label(answers[q]).id for q in ANSWERS]


@pytest.mark.parametrize(
    "settings, name, number, tel",
    [
        ({}, "Halo Kemenkes", "1500-567", "tel:1500-567"),
        ({"HOTLINE_NUMBER": "0800 1234 567"}, "Halo Kemenkes", "0800 1234 567", "tel:08001234567"),
        (
            {"HOTLINE_NAME": "Dinkes Kota Bandung", "HOTLINE_NUMBER": "(022) 4231 921"},
            "Dinkes Kota Bandung",
            "(022) 4231 921",
            "tel:0224231921",
        ),
    ],
    ids=["kb", "number", "name-and-number"],
)
def test_the_s1_hotline_is_configurable(app_factory, visitor_for, settings, name, number, tel, indonesian):
    visitor = visitor_for(app_factory(**settings))
    visitor.get(complete(visitor, SCREENING_CASES["contact-fever-breathless"][0]).location)
    hotline = visitor.dom.one("p", class_="hotline")
    assert hotline.text == f"{indonesian('Call %(name)s:', name=name)} {number}"
    assert hotline.one("a").attrs["href"] == tel
    # The API says the same, for a new result and for this stored one.
    created = visitor.client.post("/api/v1/consultations", json={"mode": "screening", "answers": S1_ANSWERS})
    assert created.get_json()["hotline"] == {"name": name, "number": number}


@pytest.mark.slow  # a PDF per backend and setting
@pytest.mark.parametrize(
    "settings, line",
    [
        ({}, "Halo Kemenkes: 1500-567"),
        (
            {"HOTLINE_NAME": "Dinkes Kota Bandung", "HOTLINE_NUMBER": "(022) 4231 921"},
            "Dinkes Kota Bandung: (022) 4231 921",
        ),
    ],
    ids=["kb", "configured"],
)
def test_the_s1_hotline_is_in_the_pdf(app_factory, visitor_for, settings, line):
    from pypdf import PdfReader

    visitor = visitor_for(app_factory(**settings))
    receipt = complete(visitor, S1_ANSWERS).location
    response = visitor.get(f"{receipt}/report.pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)
    assert line in text
    assert "Soebandi" not in text


@pytest.mark.parametrize("settings", [{}, {"HOTLINE_NAME": "Dinkes Kota Bandung", "HOTLINE_NUMBER": "(022) 4231 921"}])
def test_the_emergency_number_is_never_replaced_by_the_configured_line(app_factory, settings):
    client = app_factory(**settings).test_client()
    body = client.post("/api/v1/consultations", json={"mode": "screening", "emergency": True}).get_json()
    assert body["hotline"] == {"name": "PSC 119 (Layanan gawat darurat)", "number": "119"}
    # Its page calls 119 only: a regional line beside the emergency button would invite the wrong call.
    page = parse_html(client.get(body["url"]).get_data(as_text=True))
    assert page.find("p", class_="hotline") is None
    assert [a.attrs["href"] for a in page.find_all("a") if a.attrs.get("href", "").startswith("tel:")] == ["tel:119"]


def test_no_hotline_for_s2_and_s3(visitor):
    visitor.get(complete(visitor, SCREENING_CASES["one-yes-cough"][0]).location)
    assert visitor.dom.find("p", class_="hotline") is None


def test_someone_else_is_recorded_and_shown(visitor, indonesian):
    visitor.get(complete(visitor, ALL_NO, who="1").location)
    assert visitor.dom.one("p", class_="for-other").text == indonesian("These answers were given for another person.")


# --- bad input on the last step (where a row would be stored): the step again with a message (400) ---------

STEP_BAD = {
    "nothing-chosen": ({"answer": None}, "Please choose an answer."),
    "empty": ({"answer": ""}, "Please choose an answer."),
    "unknown-code": ({"answer": "maybe"}, "That answer is not one of the choices. Please choose again."),
    # "ragu" is a real answer code, but Q6 does not offer it (only Q1 does).
    "not-offered-here": ({"answer": "ragu"}, "That answer is not one of the choices. Please choose again."),
    "forged-field": (
        {"answer": "ya", "Q1": "tidak"},
        "This form carries fields our page does not send, so nothing in it was used. "
        "Please fill in the form on this page.",
    ),
}


@pytest.mark.parametrize("change, message", STEP_BAD.values(), ids=STEP_BAD.keys())
def test_bad_answers_on_the_last_step_store_nothing(visitor, row_count, change, message):
    visitor.get("/lang/en")
    begin(visitor)
    for step in range(1, 6):
        answer(visitor, step, "tidak")
    before = row_count()
    visitor.get("/screening/6")
    response = visitor.submit({"action": "next", **change})
    assert response.status_code == 400
    assert visitor.dom.one("p", class_="error").text == message
    assert row_count() == before
    # The wizard is intact: a good answer now finishes it.
    visitor.get("/screening/6")
    assert visitor.submit({"answer": "ya", "action": "next"}).status_code == 302
    assert row_count() == before + 1


def test_an_answer_sent_twice_stores_nothing(visitor, row_count):
    from werkzeug.datastructures import MultiDict

    begin(visitor)
    for step in range(1, 6):
        answer(visitor, step, "tidak")
    before = row_count()
    visitor.get("/screening/6")
    token = visitor.fields(visitor.form())["csrf_token"]
    response = visitor.post(
        "/screening/6",
        data=MultiDict([("csrf_token", token), ("answer", "tidak"), ("answer", "ya"), ("action", "next")]),
    )
    assert response.status_code == 400
    assert row_count() == before


# --- the emergency gate and a fresh start ----------------------------------------------------------------


def _stored(app, receipt: str):
    with app.app_context():
        return store.get(receipt.removeprefix("/r/"))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_start_is_the_emergency_gate(visitor, bundled_kb, lang):
    visitor.get(f"/lang/{lang}")
    response = visitor.get("/screening")
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-store")
    dom = visitor.dom
    assert dom.one("h1").text == {"id": "Skrining cepat", "en": "Quick screening"}[lang]
    form = visitor.form()
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/screening")
    assert form.one("legend").text == bundled_kb.emergency.question.get(lang)
    assert [li.text for li in form.one("ul", class_="signs").find_all("li")] == [
        s.text.get(lang) for s in bundled_kb.emergency.signs
    ]
    buttons = form.find_all("button")
    assert [(b.attrs["name"], b.attrs["value"]) for b in buttons] == [("emergency", "yes"), ("emergency", "no")]
    assert [b.text for b in buttons] == {
        "id": ["Ya, salah satunya sekarang", "Tidak, tidak ada"],
        "en": ["Yes, one of these now", "No, none of these"],
    }[lang]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_yes_at_the_gate_ends_the_screening_with_the_emergency_result(app, visitor, row_count, lang):
    visitor.get(f"/lang/{lang}")
    visitor.get("/screening")
    response = visitor.submit({"emergency": "yes"})
    assert response.status_code == 302
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{24}", response.location)
    assert row_count() == 1
    row = _stored(app, response.location)
    assert row.request == {"mode": "screening", "emergency": True, "lang": lang}
    assert (row.result["emergency"], row.result["triage"]["level"], row.result["solution"]) == (True, "emergency", None)
    assert (
        row.result["hotline"]
        == {
            "id": {"name": "PSC 119 (Layanan gawat darurat)", "number": "119"},
            "en": {"name": "PSC 119 (emergency medical service)", "number": "119"},
        }[lang]
    )
    assert visitor.get(response.location).status_code == 200
    assert 'href="tel:119"' in visitor.text
    # Nothing of it is left to continue: the questions need the gate first.
    assert visitor.get("/screening/who").location == "/screening"


def test_a_double_tap_on_yes_stores_one_result(visitor, row_count):
    visitor.get("/screening")
    data = {**visitor.fields(visitor.form()), "emergency": "yes"}
    first, second = (visitor.post("/screening", data=data) for _ in range(2))
    assert first.location == second.location
    assert row_count() == 1


def test_no_at_the_gate_goes_on_and_the_request_says_so(app, visitor):
    receipt = complete(visitor, {**ALL_NO, "Q2": "ya"}).location
    assert _stored(app, receipt).request == {
        "mode": "screening",
        "emergency": False,
        "answers": {**ALL_NO, "Q2": "ya"},
        "lang": "id",
    }


@pytest.mark.parametrize(
    "change, message",
    [
        ({}, "Please answer yes or no."),
        ({"emergency": "maybe"}, "Please answer yes or no."),
        (
            {"emergency": "no", "for_other": "1"},
            "This form carries fields our page does not send, so nothing in it was used. "
            "Please fill in the form on this page.",
        ),
    ],
    ids=["nothing", "not-a-choice", "forged-field"],
)
def test_the_gate_refuses_what_it_did_not_offer(visitor, row_count, change, message):
    visitor.get("/lang/en")
    visitor.get("/screening")
    response = visitor.submit(change)
    assert response.status_code == 400
    assert visitor.dom.one("p", class_="error").text == message
    assert visitor.form().attrs["action"] == "/screening"  # the gate again
    assert row_count() == 0
    assert visitor.get("/screening/who").location == "/screening"


def test_start_after_an_abandoned_screening_begins_empty(visitor):
    """A shared phone: one person answers half and leaves; the next presses Start and sees nothing of it."""
    begin(visitor, who="1")
    for step, value in ((1, "ya"), (2, "ya"), (3, "tidak")):
        answer(visitor, step, value)
    past_gate(visitor)  # the next person: Start, No
    assert [n for n in visitor.dom.find_all("input", name="for_other") if "checked" in n.attrs] == []
    assert visitor.get("/screening/1").location == "/screening/who"
    visitor.get("/screening/who")
    visitor.submit({"for_other": "0"})
    visitor.get("/screening/1")
    assert checked(visitor) == []
    assert visitor.get("/screening/2").location == "/screening/1"  # no earlier answers to skip over


def test_a_kb_without_danger_signs_has_no_gate(app_factory, visitor_for, tmp_path):
    other = visitor_for(app_factory(KB_PATH=str(write_kb(tmp_path / "mini-kb", MINI_KB))))
    response = other.get("/screening")
    assert (response.status_code, response.location) == (302, "/screening/who")
