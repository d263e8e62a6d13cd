"""The detailed diagnosis page as a browser uses it (CSRF on): the form's layout, exact certainties on the
result page in both languages, and bad or forged input refused with a message, never a 500."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

import rules
from webui import store

# The issue's order of the groups, and the KB's symptoms in each (KB order within a group).
GROUPS = [
    ("respiratory", "Breathing and airways", ["GC01", "GC02", "GC04", "GC07"]),
    ("general", "General", ["GC03", "GC09"]),
    ("digestive", "Digestion", ["GC17", "GC18", "GC19"]),
    ("senses", "Smell and taste", ["GC10", "GC11"]),
    ("skin", "Skin", ["GC12"]),
    ("comorbidity", "Risk factors: existing illnesses", ["GC13", "GC14", "GC15", "GC16"]),
    ("exposure", "Contact and travel", ["GC05"]),
    ("severity", "Severity", ["GC06", "GC08", "GC20"]),
]
SCALE = ["tidak", "mungkin_tidak", "mungkin_iya", "kemungkinan_besar", "hampir_pasti", "pasti"]


def open_form(visitor):
    """Start (the emergency gate), answer No: the form, as a person reaches it."""
    assert visitor.get("/diagnosis").status_code == 200
    response = visitor.submit({"emergency": "no"})
    assert (response.status_code, response.location) == (302, "/diagnosis/symptoms")
    return visitor.get("/diagnosis/symptoms")


def test_twenty_selects_in_eight_groups_in_the_issue_order(visitor, bundled_kb, indonesian):
    response = open_form(visitor)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    fieldsets = visitor.form().find_all("fieldset")
    assert [f.one("legend").text for f in fieldsets] == [bundled_kb.group_name(code).id for code, _, _ in GROUPS]
    assert [[s.attrs["name"] for s in f.find_all("select")] for f in fieldsets] == [codes for *_, codes in GROUPS]
    for select in visitor.form().find_all("select"):
        options = select.find_all("option")
        assert [o.attrs["value"] for o in options] == SCALE
        # Every symptom starts at "No": a person only changes what they have.
        assert [o.attrs["value"] for o in options if "selected" in o.attrs] == ["tidak"]
        assert [o.text for o in options] == [lv.label.id for lv in bundled_kb.scale]
        # Each select has its own visible label with the KB's question.
        symptom = next(s for s in bundled_kb.symptoms if s.code == select.attrs["id"])
        assert visitor.dom.one("label", for_=select.attrs["id"]).text == symptom.question.id


def test_the_groups_in_english(visitor):
    visitor.get("/lang/en")
    open_form(visitor)
    assert [f.one("legend").text for f in visitor.form().find_all("fieldset")] == [label for _, label, _ in GROUPS]


def expected_percent(value, lang: str) -> str:
    """One decimal at most, the language's decimal mark: written here independently of the app's filter."""
    text = str(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)).removesuffix(".0")
    return text.replace(".", ",") if lang == "id" else text


def expected_cf(value, lang: str) -> str:
    text = str(Decimal(str(value)).quantize(Decimal("0.001"), ROUND_HALF_EVEN)).rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "id" else text


# answers -> the ranking as shown in Indonesian: (code, percent, CF, symptoms counted), best first.
DIAGNOSIS_CASES = {
    "fever-certain-tie": ({"GC03": "pasti"}, [("PC01", "100", "1", 1), ("PC02", "100", "1", 1)]),
    "cold-sure-throat-maybe": (
        {"GC01": "pasti", "GC02": "mungkin_iya", "GC06": "kemungkinan_besar"},
        [("PC01", "84,8", "0,848", 2), ("PC02", "48", "0,48", 1)],
    ),
    "probable-ahead": (
        {"GC06": "mungkin_tidak", "GC08": "mungkin_iya", "GC17": "hampir_pasti"},
        [("PC02", "77", "0,77", 3), ("PC01", "64", "0,64", 1)],
    ),
    "rounded": (
        {"GC03": "hampir_pasti", "GC04": "hampir_pasti", "GC08": "kemungkinan_besar"},
        [("PC02", "97,4", "0,974", 3), ("PC01", "96", "0,96", 2)],
    ),
    "probable-only": ({"GC13": "kemungkinan_besar", "GC20": "mungkin_iya"}, [("PC02", "56,5", "0,565", 2)]),
}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("answers, ranking", DIAGNOSIS_CASES.values(), ids=DIAGNOSIS_CASES.keys())
def test_result_shows_exact_certainties(visitor, bundled_kb, answers, ranking, lang):
    engine = rules.consult(bundled_kb, {"mode": "diagnosis", "symptoms": answers, "lang": lang})
    # The table above is the engine's answer, formatted: guard the table itself first.
    assert [
        (r["code"], expected_percent(r["percent"], "id"), expected_cf(r["cf"], "id"), r["evidence"])
        for r in engine["ranking"]
    ] == ranking

    if lang == "en":
        visitor.get("/lang/en")
    open_form(visitor)
    response = visitor.submit(answers)
    assert response.status_code == 302
    assert visitor.get(response.location).status_code == 200
    dom = visitor.dom

    top = engine["ranking"][0]
    closest = dom.one("p", class_="closest")  # the paper's model, under the triage headline
    assert (closest.one("span", class_="code").text, closest.one("span", class_="closest-name").text) == (
        engine["diagnosis"],
        engine["name"],
    )
    percent, cf = expected_percent(top["percent"], lang), expected_cf(top["cf"], lang)
    certainty = dom.one("p", class_="certainty")
    assert certainty.one("strong").text == f"{percent}%"
    assert certainty.one("span", class_="cf").text == f"(CF {cf})"

    # Every concluded hypothesis has its row in the table, each with its bar (an SVG) drawn to scale.
    rows = dom.one("table", class_="ranking").one("tbody").find_all("tr")
    assert len(rows) == len(engine["ranking"])
    for row, hyp in zip(rows, engine["ranking"], strict=True):
        cells = [c for c in row.children if not isinstance(c, str)]
        assert cells[0].text == hyp["code"]
        assert cells[1].text == hyp["name"]
        assert cells[2].text.startswith(
            f"{expected_percent(hyp['percent'], lang)}% (CF {expected_cf(hyp['cf'], lang)})"
        )
        assert cells[3].text == str(hyp["evidence"])
        bar = row.one("svg").find_all("rect")[-1]
        assert float(bar.attrs["width"]) == pytest.approx(hyp["percent"], abs=0.01)

    # Every symptom asked is listed with its answer (in the KB's groups); the chosen ones with their level.
    assert len(dom.find_all("li", class_="yes")) == len(answers)
    listed = sorted(li.text for li in dom.find_all("li", class_="yes"))
    assert listed == sorted(f"{s['name']} — {s['level']}" for s in engine["symptoms"])
    assert len([li for ul in dom.find_all("ul", class_="symptoms") for li in ul.find_all("li")]) == 20


def test_nothing_reported_gives_no_conclusion(visitor, indonesian):
    open_form(visitor)
    response = visitor.submit({})
    visitor.get(response.location)
    assert visitor.dom.one("p", class_="no-match").text == indonesian(
        "You reported none of the signs the model lists, so it matches no category. "
        "What to do is at the top of this page."
    )
    assert visitor.dom.find("table", class_="ranking") is None
    assert visitor.dom.find_all("li", class_="yes") == []


def test_for_someone_else(visitor, indonesian):
    open_form(visitor)
    visitor.get(visitor.submit({"GC03": "pasti", "for_other": "1"}).location)
    assert visitor.dom.one("p", class_="for-other").text == indonesian("These answers were given for another person.")


# --- bad input: the page again with a message (400), nothing stored -------------------------------------------

NOT_OURS = (
    "This form carries fields our page does not send, so nothing in it was used. Please fill in the form on this page."
)
BAD = {
    "missing-answer": ({"GC03": None}, {"GC03": "Please choose how sure you are."}, None),
    "empty-answer": ({"GC03": ""}, {"GC03": "Please choose how sure you are."}, None),
    "two-missing": (
        {"GC03": None, "GC20": None},
        {"GC03": "Please choose how sure you are.", "GC20": "Please choose how sure you are."},
        None,
    ),
    "not-on-the-scale": ({"GC03": "0.5"}, {"GC03": "That certainty is not on the scale. Please choose again."}, None),
    "a-number-not-a-level": ({"GC03": "1"}, {"GC03": "That certainty is not on the scale. Please choose again."}, None),
    "unknown-level-code": (
        {"GC03": "PASTI"},
        {"GC03": "That certainty is not on the scale. Please choose again."},
        None,
    ),
    "unknown-symptom": ({"GC99": "pasti"}, {}, NOT_OURS),
    "forged-mode": ({"mode": "screening"}, {}, NOT_OURS),
    "forged-lang": ({"lang": "xx"}, {}, NOT_OURS),
    "forged-for-other": ({"for_other": "yes"}, {}, NOT_OURS),
}


@pytest.mark.parametrize("change, errors, flash", BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_with_a_message(visitor, row_count, change, errors, flash):
    visitor.get("/lang/en")
    open_form(visitor)
    before = row_count()
    response = visitor.submit({"GC04": "pasti", **change})
    assert response.status_code == 400
    assert row_count() == before
    dom = visitor.dom
    # Each field at fault carries its message and is marked invalid; the summary links to them.
    assert {n.attrs["id"].removesuffix("-error"): n.text for n in dom.find_all("p", class_="error")} == errors
    assert sorted(s.attrs["id"] for s in dom.find_all("select", aria_invalid="true")) == sorted(errors)
    summary = dom.find("div", class_="error-summary")
    assert (summary is not None) == bool(errors)
    flashed = dom.find("div", class_="flash")
    assert (flashed.text if flashed else None) == flash
    # What the person had chosen stays chosen.
    assert [o.attrs["value"] for o in dom.one("select", id="GC04").find_all("option") if "selected" in o.attrs] == [
        "pasti"
    ]


def test_a_field_sent_twice_is_refused(visitor, row_count):
    open_form(visitor)
    before = row_count()
    data = [*visitor.fields(visitor.form()).items(), ("GC03", "pasti")]  # GC03 twice: "tidak" and "pasti"
    response = visitor.post("/diagnosis/symptoms", data=_multi(data))
    assert response.status_code == 400
    assert row_count() == before


def _multi(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


# --- the emergency gate, and a form that starts empty ---------------------------------------------------


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_diagnosis_starts_at_the_emergency_gate(visitor, bundled_kb, lang):
    visitor.get(f"/lang/{lang}")
    response = visitor.get("/diagnosis")
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-store")
    assert visitor.dom.one("h1").text == {"id": "Diagnosis rinci", "en": "Detailed diagnosis"}[lang]
    form = visitor.form()
    assert form.attrs["action"] == "/diagnosis"
    assert form.one("legend").text == bundled_kb.emergency.question.get(lang)
    assert [li.text for li in form.one("ul", class_="signs").find_all("li")] == [
        s.text.get(lang) for s in bundled_kb.emergency.signs
    ]
    assert form.find_all("select") == []  # the symptoms come after the gate


def test_the_form_without_the_gate_goes_to_the_gate(visitor):
    assert visitor.get("/diagnosis/symptoms").location == "/diagnosis"


def test_the_form_is_shown_once_per_answer_at_the_gate(visitor):
    """An abandoned form does not let the next person (or a reload) skip the gate."""
    assert open_form(visitor).status_code == 200
    assert visitor.get("/diagnosis/symptoms").location == "/diagnosis"


def test_home_and_consult_again_lead_to_the_gate(visitor):
    visitor.get("/")
    links = [a.attrs["href"] for a in visitor.dom.find_all("a", class_="button")]
    assert {"/screening", "/diagnosis"} <= set(links)
    assert "/diagnosis/symptoms" not in links
    open_form(visitor)
    visitor.get(visitor.submit({"GC03": "pasti"}).location)
    again = [a.attrs["href"] for a in visitor.dom.find_all("a", class_="button") if a.attrs.get("href") == "/diagnosis"]
    assert again == ["/diagnosis"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_yes_at_the_gate_ends_the_diagnosis_with_the_emergency_result(app, visitor, row_count, lang):
    visitor.get(f"/lang/{lang}")
    visitor.get("/diagnosis")
    response = visitor.submit({"emergency": "yes"})
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{24}", response.location)
    assert row_count() == 1
    with app.app_context():
        row = store.get(response.location.removeprefix("/r/"))
    assert row.request == {"mode": "diagnosis", "emergency": True, "lang": lang}
    assert (row.result["emergency"], row.result["triage"]["level"], row.result["ranking"]) == (True, "emergency", [])
    assert visitor.get(response.location).status_code == 200
    assert 'href="tel:119"' in visitor.text
    assert visitor.get("/diagnosis/symptoms").location == "/diagnosis"  # the consultation is over


def test_no_at_the_gate_opens_the_form_and_the_request_says_so(app, visitor):
    open_form(visitor)
    response = visitor.submit({"GC03": "pasti"})
    with app.app_context():
        row = store.get(response.location.removeprefix("/r/"))
    assert row.request == {"mode": "diagnosis", "emergency": False, "symptoms": {"GC03": "pasti"}, "lang": "id"}


def test_the_form_never_shows_an_earlier_persons_answers(visitor):
    """Start again after an abandoned (or refused) form: every symptom is back at "No", and the browser is
    told not to restore what was chosen (autocomplete off)."""
    open_form(visitor)
    visitor.submit({"GC03": "pasti", "GC06": "nope"})  # refused: the form again, with the choices kept
    assert visitor.response.status_code == 400
    open_form(visitor)  # the next person presses Start
    form = visitor.form()
    assert form.attrs["autocomplete"] == "off"
    chosen = {
        s.attrs["name"]: o.attrs["value"]
        for s in form.find_all("select")
        for o in s.find_all("option")
        if "selected" in o.attrs
    }
    assert set(chosen.values()) == {"tidak"}
    assert "checked" not in form.one("input", name="for_other").attrs
