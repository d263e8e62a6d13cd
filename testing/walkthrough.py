"""The walk-through of issue 8, as a person would try it: six detailed diagnoses, each with the triage level it
must lead with and the official (KMK 413/2020) suspect and probable statuses. One table for the web and the
browser tests."""

from __future__ import annotations

import pytest

ALL_PASTI = {f"GC{i:02d}": "pasti" for i in range(1, 21)}
"""All twenty symptoms at "Pasti Iya" (certainly)."""

WALK_THROUGH = [
    # diagnosis answers (symptom -> level code), triage level, KMK suspect, KMK probable
    pytest.param({"GC03": "pasti"}, "self_care", "not_met", "not_met", id="fever-alone"),
    pytest.param({"GC05": "pasti"}, "test_and_isolate", "not_met", "not_met", id="contact-alone"),
    pytest.param({"GC13": "pasti"}, "self_care", "not_met", "not_met", id="diabetes-alone"),
    pytest.param(
        {"GC06": "pasti", "GC08": "pasti", "GC20": "pasti"}, "emergency", "not_met", "not_met", id="red-flags"
    ),
    pytest.param(
        {"GC03": "pasti", "GC04": "pasti", "GC05": "pasti"}, "test_and_isolate", "met", "unknown", id="suspect"
    ),
    pytest.param(ALL_PASTI, "emergency", "met", "unknown", id="all-20"),
]
