"""bench.impact: its population model, its draft, its table lines, and one small run (no timed assertion)."""

from __future__ import annotations

from collections import Counter

import pytest

import kb
from bench import impact


@pytest.fixture(scope="module")
def bundled():
    yield kb.load()


def test_the_population_is_seeded_and_shaped_as_documented(bundled):
    drawn = impact.population(bundled, 4000)
    assert drawn == impact.population(bundled, 4000)
    kinds = Counter("emergency" if r.get("emergency") else r["mode"] for r, _ in drawn)
    assert set(kinds) == {"emergency", "screening", "diagnosis"}
    assert 120 < kinds["emergency"] < 280 and 1600 < kinds["screening"] < 2000 and 1800 < kinds["diagnosis"] < 2200
    assert 280 < sum(earlier for _, earlier in drawn) < 520
    assert {r["lang"] for r, _ in drawn} == {"id", "en"}
    levels = {float(level.cf) for level in bundled.scale if level.cf > 0}
    for request, _ in drawn:
        if request["mode"] == "diagnosis" and not request.get("emergency"):
            assert set(request["symptoms"].values()) <= levels


def test_the_draft_is_gc03_at_08(bundled):
    from kb.diff import diff

    draft = kb.load_files(impact.draft_files())
    assert diff(bundled, draft).lines() == ["GC03 CF 1 → 0.8", "R03 CF 1 → 0.8", "R10 CF 1 → 0.8"]


FIGURES = {
    "rows": 5000,
    "distinct": 1800,
    "reached": 250,
    "replayed": 1900,
    "reused": 1700,
    "changed": 150,
    "counts": {"invalid": 0, "emergency": 0, "screening": 0, "diagnosis": 2, "triage": 0, "cf": 150},
    "processes": 2,
    "seconds": 2.5,
    "rows_per_s": 2000,
    "replays_per_s": 760,
    "scaled_100k_s": 50.0,
}


def test_the_table_lines():
    assert impact.lines(FIGURES) == [
        "",
        "7. Impact: stored consultations replayed under the active KB and a draft (GC03 CF 1 -> 0.8), SQLite,"
        " 2 worker processes",
        "   5,000 rows, 1,800 distinct requests (250 within the change's reach), 1,900 engine runs (1,700 outcomes"
        " read from stored results): 2.5 s, 2,000 rows/s, 760 runs/s",
        "   changed: 150 (diagnosis 2, cf 150)",
        "   impact: 100,000 stored consultations replayed <= 60 s: 50.0 s (PASS), scaled from 5,000 rows",
    ]
    assert impact.lines(None)[-1] == "   (not run)"
    assert impact.target({**FIGURES, "scaled_100k_s": 61.0})["pass"] is False


@pytest.mark.slow  # builds an app, answers and stores 300 consultations, starts worker processes
def test_a_small_run():
    figures = impact.section(rows=300, processes=2)
    assert figures["rows"] == 300
    # Only requests the change can reach are replayed: under the new KB each, under the old one too when no
    # stored result of the old version stands for it.
    assert 0 < figures["reached"] <= figures["distinct"] <= 300
    assert figures["reached"] <= figures["replayed"] <= 2 * figures["reached"]
    # Diagnoses with GC03 among 300 consultations: some CF changes, and nothing but the diagnosis part.
    assert figures["changed"] > 0 and figures["counts"]["cf"] > 0
    assert figures["counts"]["screening"] == figures["counts"]["invalid"] == 0
