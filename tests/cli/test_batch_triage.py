"""`pakar batch` (in process, through rules.cli.main) answers the emergency gate and gives every result its
triage and case definition: the same JSON contract as the web API (tests/webui/test_openapi.py checks the
API's against the OpenAPI document)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from rules.cli import main

ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}
KMK_EN = "Indonesian Ministry of Health case definition (KMK HK.01.07/MENKES/413/2020, revision 5, 2020)"
KMK_ID = "Definisi kasus Kementerian Kesehatan (KMK HK.01.07/MENKES/413/2020, revisi 5, 2020)"


@pytest.fixture
def batch(capsys, monkeypatch):
    """Run `pakar batch --no-trace` on these request lines; the exit status and the result lines."""

    def run(*requests: dict) -> tuple[int, list[dict]]:
        monkeypatch.setattr(sys, "stdin", io.StringIO("".join(json.dumps(r) + "\n" for r in requests)))
        code = main(["batch", "--no-trace"])
        out, err = capsys.readouterr()
        assert err == ""
        return code, [json.loads(line) for line in out.splitlines()]

    yield run


def test_a_screening_a_diagnosis_and_an_emergency_line(batch):
    code, (screening, diagnosis, emergency) = batch(
        {
            "id": 1,
            "mode": "screening",
            "lang": "en",
            "emergency": False,
            "answers": {**ALL_NO, "Q1": "ya", "Q2": "ya", "Q4": "ya"},
        },
        {"id": 2, "mode": "diagnosis", "symptoms": {"GC06": 1, "GC08": 1, "GC20": 1}},
        {"id": 3, "mode": "diagnosis", "lang": "en", "emergency": True},
    )
    assert code == 0
    assert (screening["solution"], screening["triage"]["level"], screening["triage"]["rule"]) == (
        "S2",
        "test_and_isolate",
        "T07",
    )
    assert screening["triage"]["title"] == "Get tested for COVID-19 and isolate until the result comes"
    assert screening["case_definition"] == {"suspect": "met", "probable": "unknown", "source": KMK_EN}
    assert "emergency" not in screening  # the papers' result: the gate was answered no
    assert (diagnosis["diagnosis"], diagnosis["triage"]["level"], diagnosis["triage"]["rule"]) == (
        "PC02",
        "emergency",
        "T02",
    )
    assert diagnosis["triage"]["title"] == "Darurat: hubungi 119 atau segera ke IGD sekarang"
    assert diagnosis["case_definition"] == {"suspect": "not_met", "probable": "not_met", "source": KMK_ID}
    assert emergency == {
        "id": 3,
        "mode": "diagnosis",
        "kb_version": emergency["kb_version"],
        "lang": "en",
        "emergency": True,
        "triage": {
            "level": "emergency",
            "rule": "T01",
            "title": "Emergency: call 119 or go to the emergency department now",
            "advice": emergency["triage"]["advice"],
        },
        "case_definition": {"suspect": "unknown", "probable": "unknown", "source": KMK_EN},
        "hotline": {"name": "PSC 119 (emergency medical service)", "number": "119"},
        "note": (
            "The consultation stopped at the danger-sign question (answer: yes), so the papers' model was not"
            " run. Do not wait: call 119 or go to the emergency department now."
        ),
        "how": emergency["how"],
        "disclaimer": emergency["disclaimer"],
        "diagnosis": None,
        "ranking": [],
        "symptoms": [],
    }
    assert emergency["triage"]["advice"].startswith("- Call 119 (PSC, the emergency medical service)")


def test_a_bad_emergency_value_is_an_error_line_and_exit_1(batch):
    code, (line,) = batch({"id": 9, "mode": "screening", "emergency": "ya", "answers": ALL_NO})
    assert code == 1
    assert line == {
        "id": 9,
        "error": {"code": "bad_emergency", "message": '"emergency" harus true atau false, bukan "ya".'},
    }
