"""What the report reads beside the papers' models, exactly: citations by the KB's short form (never an
internal id), the triage block's source and review status, and which criteria an unknown definition waits for."""

from __future__ import annotations

import pytest

import rules
from reports.assessment import answer_groups, case_definitions_view, cite, triage_view
from rules.results import from_json


def result_of(kb, request: dict, lang: str = "en"):
    full = rules.consult(kb, {**request, "lang": lang})
    return from_json({k: v for k, v in full.items() if k != "trace"}, full["trace"])


@pytest.mark.parametrize(
    "source, cited",
    [
        pytest.param("kmk413 (suspect a, b, c)", "Kemenkes RI, KMK HK.01.07/MENKES/413/2020", id="one"),
        pytest.param("seed001 Tabel 3, Tabel 7", "Pratama et al. (n.d.)", id="paper"),
        pytest.param(
            "who (seek immediate medical attention); peers' triage ask danger signs first; who",
            "WHO, COVID-19 questions and answers: symptoms and urgent care",
            id="unknown-words-left-out-and-once",
        ),
        pytest.param(
            "kmk413 (x); pakar (level)",
            "Kemenkes RI, KMK HK.01.07/MENKES/413/2020; Pakar knowledge engineers (awaiting medical review)",
            id="two",
        ),
        pytest.param("", "", id="empty"),
    ],
)
def test_cite_uses_short_citations(kb, source, cited):
    assert cite(kb, source) == cited


def test_the_triage_view_of_a_suspect_case(kb):
    view = triage_view(kb, result_of(kb, {"mode": "diagnosis", "symptoms": {"GC03": 1, "GC04": 1, "GC05": 1}}), "en")
    assert view is not None
    assert (view.level, view.title, view.pending, view.emergency) == (
        "test_and_isolate",
        "Get tested for COVID-19 and isolate until the result comes",
        True,
        False,
    )
    assert view.reason == "The answers meet the suspect case definition, so a test and isolation are needed."
    assert view.sources == "Kemenkes RI, KMK HK.01.07/MENKES/413/2020"


def test_screening_contact_or_travel_is_not_settled(kb):
    answers = {"Q1": "ya", "Q2": "ya", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}
    view = case_definitions_view(kb, result_of(kb, {"mode": "screening", "answers": answers}), "en")
    assert view is not None
    suspect, probable = view.national
    # Cough and Q1 "yes" (contact OR travel, not which): no fever, so no ISPA; the close-contact part waits
    # for Q1 to say which it was.
    assert (suspect.status, probable.status) == ("unknown", "not_met")  # probable needs severe ISPA: no fever
    assert suspect.not_asked == ()  # the other ways are already false (no ISPA): nothing else matters
    assert suspect.unsettled == ("Close contact with a probable or confirmed case in the last 14 days",)
    assert (probable.also, probable.not_asked, probable.unsettled) == (False, (), ())
    assert [d.name for d in view.who] == ["Suspected case (WHO 2020)", "Probable case (WHO 2020)"]


def test_every_symptom_is_listed_with_its_answer(kb):
    groups = answer_groups(kb, result_of(kb, {"mode": "diagnosis", "symptoms": {"GC13": 1}}, "id"), "id")
    assert [g.name for g in groups][-3:] == [
        "Faktor risiko: penyakit yang sudah ada",
        "Kontak dan perjalanan",
        "Tanda sakit berat",
    ]
    answered = [(a.name, a.level) for g in groups for a in g.answers if a.yes]
    assert answered == [("Penyakit penyerta diabetes", "Pasti Iya")]
    assert sum(len(g.answers) for g in groups) == 20
    assert {a.level for g in groups for a in g.answers if not a.yes} == {"Tidak"}
