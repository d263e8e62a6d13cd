"""A person on a phone, in Indonesian and in English: a quick screening and a detailed diagnosis from the
home page to the stored result, then the PDF, the print button and deleting the result.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from testing.browser import (
    LANGUAGE_NAMES,
    answer_question,
    choose_language,
    fill_diagnosis,
    level_label,
    open_result,
    pass_gate,
    pdf_pages,
    pdf_text,
    result_url_pattern,
    run_diagnosis,
    run_screening,
    start_screening,
)

S1_ANSWERS = {"Q1": "ya", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"}
S2_ANSWERS = {"Q1": "ragu", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}
S3_ANSWERS = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}

EMERGENCY_BOX = re.compile(r"(^|\s)emergency(\s|$)")
EMERGENCY_STRIP = re.compile(r"(^|\s)emergency-strip(\s|$)")

# The national default the KB's S1 names (the app's HOTLINE_* settings are not set here).
HOTLINE = ("Halo Kemenkes", "1500-567", "tel:1500-567")

SCREENINGS = [
    # lang, for someone else, answers, solution, its title as shown
    ("id", False, S1_ANSWERS, "S1", "Jawaban Anda cocok dengan tanda COVID-19 yang paling serius dalam model ini"),
    ("en", True, S1_ANSWERS, "S1", "Your answers match the model's most serious pattern of COVID-19 signs"),
    ("id", True, S2_ANSWERS, "S2", "Ada kemungkinan Anda tertular COVID-19"),
    ("en", False, S3_ANSWERS, "S3", "Your answers show no sign of COVID-19"),
]


@pytest.mark.parametrize(
    "lang, for_other, answers, solution, title",
    SCREENINGS,
    ids=[f"{r[0]}-{r[3]}-{'other' if r[1] else 'self'}" for r in SCREENINGS],
)
def test_quick_screening(page, base_url, bundled_kb, ui, lang, for_other, answers, solution, title):
    """Home (the emergency strip first, the full list of signs after the start buttons), language switch,
    who, six questions with Back once, the result."""
    kb = bundled_kb
    page.goto(base_url + "/")
    first = page.locator("main > *").first
    expect(first).to_have_class(EMERGENCY_STRIP)
    expect(first.get_by_role("link", name=ui("id", "call %(number)s", number="119"))).to_have_attribute(
        "href", "tel:119"
    )
    choose_language(page, lang)
    expect(page.locator("main > *").first).to_have_class(EMERGENCY_STRIP)
    signs, choices = page.locator(".emergency").bounding_box(), page.locator(".choices").bounding_box()
    assert choices["y"] + choices["height"] <= signs["y"], "the full list of danger signs is not after the choices"
    expect(
        page.locator(".emergency").get_by_role("link", name=ui(lang, "Call %(number)s", number="119"))
    ).to_be_visible()
    expect(page.locator(".emergency h2")).to_have_text(kb.emergency.title.get(lang))
    expect(
        page.locator(".site-header").get_by_role(
            "link", name=LANGUAGE_NAMES["en" if lang == "id" else "id"], exact=True
        )
    ).to_be_visible()

    start_screening(page, base_url, ui, lang, for_other)
    total = len(kb.questions)
    assert total == 6
    for step, question in enumerate(kb.questions, 1):
        expect(page).to_have_url(f"{base_url}/screening/{step}")
        expect(page.locator("h1")).to_have_text(question.text.get(lang))
        expect(page.locator(".progress-label")).to_have_text(
            ui(lang, "Question %(step)d of %(total)d", step=step, total=total)
        )
        expect(page.locator("progress")).to_have_attribute("value", str(step))
        labels = page.locator("fieldset .option label")
        expect(labels).to_have_text([kb.answer_label(code).get(lang) for code in question.answers])
        expect(page.locator("p.for-other")).to_have_count(1 if for_other else 0)
        if step == 4:
            # Back once: the answer given on question 3 is still chosen there.
            page.get_by_role("button", name=ui(lang, "Back"), exact=True).click()
            expect(page).to_have_url(f"{base_url}/screening/3")
            chosen = kb.answer_label(answers["Q3"]).get(lang)
            expect(page.get_by_label(chosen, exact=True)).to_be_checked()
            expect(page.locator("input[name=answer]:checked")).to_have_count(1)
            page.get_by_role("button", name=ui(lang, "Next"), exact=True).click()
            expect(page).to_have_url(f"{base_url}/screening/4")
        answer_question(page, kb, ui, lang, step, answers[question.code])

    expect(page).to_have_url(result_url_pattern(base_url))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#outcome-title")).to_have_text(f"{solution} {title}")
    expect(page.locator(".answers dd")).to_have_text([kb.answer_label(answers[q.code]).get(lang) for q in kb.questions])
    hotline = page.locator(".hotline")
    if solution == "S1":
        expect(hotline).to_have_text(ui(lang, "Call %(name)s:", name=HOTLINE[0]) + " " + HOTLINE[1])
        expect(hotline.get_by_role("link")).to_have_attribute("href", HOTLINE[2])
    else:
        expect(hotline).to_have_count(0)
    expect(page.locator(".report-head .for-other")).to_have_count(1 if for_other else 0)
    receipt = page.locator(".receipt a.url")
    expect(receipt).to_have_text(page.url)
    expect(receipt).to_have_attribute("href", page.url)


DIAGNOSES = [
    # lang, levels chosen (symptom -> level code), hypothesis, name, certainty, the chart's rows,
    # symptoms listed, why
    (
        "id",
        {"GC03": "kemungkinan_besar", "GC06": "mungkin_tidak", "GC07": "mungkin_iya"},
        "PC02",
        "Probable COVID-19",
        "77,2%",
        [("PC02", "77,2%"), ("PC01", "72,8%")],
        [
            "Sakit tenggorokan — Mungkin Iya",
            "Demam di atas 38 °C — Kemungkinan Besar Iya",
            "Sesak napas — Mungkin Tidak",
        ],
        "PC02 Probable COVID-19 ditampilkan lebih dulu: skor kecocokannya (77,2%) lebih tinggi daripada PC01 "
        "Suspek COVID-19 (72,8%).",
    ),
    (
        "en",
        {"GC03": "kemungkinan_besar", "GC06": "mungkin_tidak", "GC07": "mungkin_iya"},
        "PC02",
        "Probable COVID-19",
        "77.2%",
        [("PC02", "77.2%"), ("PC01", "72.8%")],
        ["Sore throat — Maybe", "Fever above 38 °C — Likely", "Shortness of breath — Probably not"],
        "PC02 Probable COVID-19 comes first: its match score (77.2%) is higher than that of PC01 Suspect COVID-19 "
        "(72.8%).",
    ),
    (
        "id",
        {"GC03": "pasti", "GC04": "kemungkinan_besar"},
        "PC01",
        "Suspek COVID-19",
        "100%",
        [("PC01", "100%"), ("PC02", "100%")],
        ["Batuk kering — Kemungkinan Besar Iya", "Demam di atas 38 °C — Pasti Iya"],
        "PC01 dan PC02 memiliki skor kecocokan yang sama (100%) dan jumlah jawaban pendukung yang sama; PC01 "
        "ditampilkan lebih dulu karena basis pengetahuan mencantumkannya lebih dulu.",
    ),
    (
        "en",
        {"GC03": "pasti", "GC04": "kemungkinan_besar", "GC06": "hampir_pasti"},
        "PC02",
        "Probable COVID-19",
        "100%",
        [("PC02", "100%"), ("PC01", "100%")],
        ["Dry cough — Likely", "Fever above 38 °C — Certainly", "Shortness of breath — Almost certainly"],
        "PC02 and PC01 have the same match score (100%); PC02 comes first because more of your answers support it "
        "(3 against 2).",
    ),
]


def bar_share(bar) -> float:
    """How much of its track a chart bar fills, as drawn (the SVG's last shape over its first)."""
    return bar.evaluate(
        "svg => { const r = svg.querySelectorAll('rect');"
        " return r[r.length - 1].getBoundingClientRect().width / r[0].getBoundingClientRect().width; }"
    )


@pytest.mark.parametrize(
    "lang, levels, code, name, certainty, chart, symptoms, why",
    DIAGNOSES,
    ids=[f"{r[0]}-{r[2]}-{len(r[1])}" for r in DIAGNOSES],
)
def test_detailed_diagnosis(page, base_url, bundled_kb, ui, lang, levels, code, name, certainty, chart, symptoms, why):
    """Twenty selects defaulting to "No", a few certainties chosen, the result with chart and reasons."""
    kb = bundled_kb
    page.goto(base_url + "/")
    choose_language(page, lang)
    page.get_by_role("link", name=ui(lang, "Start detailed diagnosis"), exact=True).click()
    expect(page).to_have_url(base_url + "/diagnosis")  # the emergency gate first
    pass_gate(page, ui, lang)
    expect(page).to_have_url(base_url + "/diagnosis/symptoms")
    selects = page.locator("main form select")
    expect(selects).to_have_count(20)
    assert [s.code for s in kb.symptoms] == [f"GC{i:02d}" for i in range(1, 21)]
    no = level_label(kb, "tidak", lang)
    for symptom in kb.symptoms:
        select = page.get_by_label(symptom.question.get(lang), exact=True)
        expect(select).to_have_value("tidak")
        expect(select.locator("option:checked")).to_have_text(no)
        expect(select.locator("option")).to_have_text([lv.label.get(lang) for lv in kb.scale])
    fill_diagnosis(page, kb, lang, levels)
    page.get_by_role("button", name=ui(lang, "See the result"), exact=True).click()

    expect(page).to_have_url(result_url_pattern(base_url))
    expect(page.locator("#outcome-title")).to_have_text(f"{code} {name}")
    expect(page.locator(".certainty strong")).to_have_text(certainty)
    # The chart: one row per possibility, its code, its certainty as text, and a bar (an SVG) as long.
    rows = page.locator("table.ranking tbody tr")
    expect(rows).to_have_count(len(chart))
    for row, (hypothesis, percent) in zip(rows.all(), chart, strict=True):
        expect(row.locator("td").first).to_have_text(hypothesis)
        expect(row).to_contain_text(percent)
        bar = row.locator("svg")
        expect(bar).to_be_visible()
        assert bar_share(bar) == pytest.approx(float(percent.rstrip("%").replace(",", ".")) / 100, abs=0.01)
    expect(page.locator("ul.symptoms li.yes")).to_have_text(symptoms)  # every symptom is listed; these answered
    expect(page.locator("section[aria-labelledby=why-title]")).to_contain_text(why)
    expect(page.locator(".receipt a.url")).to_have_text(page.url)


@pytest.mark.parametrize(
    "lang, name, filename, outcome",
    [
        ("id", "diagnosis-3", "pakar-diagnosis.pdf", "PC02"),
        ("en", "screening-S1", "pakar-screening.pdf", "S1"),
    ],
)
def test_pdf_download(page, shared_result, ui, lang, name, filename, outcome):
    """The "Download PDF" link gives a one-page PDF of the result, named after its kind."""
    url = shared_result(name, lang)
    open_result(page, url, lang)
    with page.expect_download() as info:
        page.get_by_role("link", name=ui(lang, "Download PDF"), exact=True).click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == filename
    with open(download.path(), "rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-")
    assert pdf_pages(data) == 1
    text = pdf_text(data).replace("\n", "")
    assert outcome in text and url in text


@pytest.mark.parametrize("lang", ["id", "en"])
def test_print_button_prints(new_page, shared_result, ui, lang):
    """With scripts on, the "Print result" button is shown (the no-script hint is not) and calls print."""
    page = new_page()
    page.add_init_script("window.__printed = 0; window.print = function () { window.__printed += 1; };")
    open_result(page, shared_result("diagnosis-3", lang), lang)
    hint = page.locator(".print-hint")
    expect(hint).to_be_hidden()
    button = page.get_by_role("button", name=ui(lang, "Print result"), exact=True)
    expect(button).to_be_visible()
    assert page.evaluate("window.__printed") == 0
    button.click()
    assert page.evaluate("window.__printed") == 1


@pytest.mark.parametrize("lang, mode", [("id", "screening"), ("en", "diagnosis")])
def test_delete_result(page, base_url, bundled_kb, ui, lang, mode):
    """ "Delete this result": the home page with a confirmation, and the old link is a 404 page."""
    if mode == "screening":
        url = run_screening(page, base_url, bundled_kb, ui, lang, S1_ANSWERS)
    else:
        url = run_diagnosis(page, base_url, bundled_kb, ui, lang, {"GC01": "mungkin_iya"})
    delete_button = page.get_by_role("button", name=ui(lang, "Delete for good"), exact=True)
    expect(delete_button).to_be_hidden()
    page.locator("details.delete summary").click()
    expect(page.locator("details.delete summary")).to_have_text(ui(lang, "Delete this result"))
    delete_button.click()

    expect(page).to_have_url(base_url + "/")
    expect(page.locator(".flash[role=status]")).to_have_text(
        ui(lang, "The result has been deleted. Its link no longer works.")
    )
    page.watch.expect_status(url, 404)
    response = page.goto(url)
    assert response.status == 404
    expect(page.locator("h1")).to_have_text(ui(lang, "Page not found"))
    expect(page.locator(".report")).to_have_count(0)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_without_javascript(new_page, base_url, bundled_kb, ui, lang):
    """Scripts off: the language switch, a screening, a diagnosis and deleting all work as plain HTML."""
    page = new_page(java_script_enabled=False)
    url = run_screening(page, base_url, bundled_kb, ui, lang, S2_ANSWERS, for_other=True)
    expect(page.locator("#outcome-title")).to_contain_text("S2")
    expect(page.locator(".print-hint")).to_be_visible()
    expect(page.locator("button[data-print]")).to_be_hidden()
    expect(page.locator(".receipt a.url")).to_have_text(url)

    url = run_diagnosis(page, base_url, bundled_kb, ui, lang, {"GC03": "pasti", "GC04": "kemungkinan_besar"})
    expect(page.locator("#outcome-title")).to_contain_text("PC01")
    expect(page.locator("table.ranking tbody tr svg")).to_have_count(2)
    page.locator("details.delete summary").click()
    page.get_by_role("button", name=ui(lang, "Delete for good"), exact=True).click()
    expect(page).to_have_url(base_url + "/")
    expect(page.locator(".flash")).to_have_text(ui(lang, "The result has been deleted. Its link no longer works."))
