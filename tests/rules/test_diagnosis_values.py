"""Exact CF values through the real engine: per rule CF = expert CF x user CF, MYCIN combination per
hypothesis, printed without float noise. Values that the paper's Tabel 9 reports appear here with inputs
that produce them."""

from __future__ import annotations

from fractions import Fraction

import pytest

import rules


def cf(text):
    return Fraction(text)


@pytest.mark.parametrize(
    "symptoms, expected",
    [
        # one symptom: CF = expert CF x user CF
        ({"GC03": cf("0.8")}, {"PC01": cf("0.8"), "PC02": cf("0.8")}),
        ({"GC01": cf("0.4")}, {"PC01": cf("0.32")}),
        # two symptoms: 0.8 + 0.6 x (1 - 0.8) = 0.92 (PC01); PC02 sees only fever
        ({"GC03": cf("0.8"), "GC02": cf("1")}, {"PC01": cf("0.92"), "PC02": cf("0.8")}),
        # values the paper's Tabel 9 reports: 0.16, 0.3616, 0.9232
        ({"GC01": cf("0.2")}, {"PC01": cf("0.16")}),
        ({"GC09": cf("0.6"), "GC08": cf("0.4")}, {"PC02": cf("0.36") + cf("0.24") * (1 - cf("0.36"))}),
        ({"GC01": cf("0.2"), "GC02": cf("0.4")}, {"PC01": cf("0.3616")}),
        ({"GC03": cf("0.8"), "GC06": cf("0.8"), "GC09": cf("0.2")}, {"PC01": cf("0.8"), "PC02": cf("0.93664")}),
        ({"GC06": cf("0.8"), "GC03": cf("0.6")}, {"PC01": cf("0.6"), "PC02": cf("0.856")}),
    ],
)
def test_exact_cf_per_hypothesis(engine, symptoms, expected):
    state = engine.consult(symptoms)
    assert {code: acc.value for code, acc in state.acc.items()} == expected


@pytest.mark.parametrize(
    "symptoms, cf_value, percent, steps",
    [
        # Tabel 9's 0.9232: contributions 0.8 (GC03), 0.4 (GC04), 0.36 (GC08 0.6 x 0.6)
        ({"GC03": 0.8, "GC04": 0.4, "GC08": 0.6}, 0.9232, 92.32, ["0.8", "0.88", "0.9232"]),
        # 0.64 (GC06) -> +0.36 x 0.36 = 0.7696 -> +0.12 x 0.2304 = 0.797248 -> +0.36 x 0.202752 = 0.87023872
        (
            {"GC06": 0.8, "GC08": 0.6, "GC13": 0.6, "GC09": 0.2},
            0.87023872,
            87.023872,
            ["0.64", "0.7696", "0.797248", "0.87023872"],
        ),
    ],
)
def test_values_are_exact_and_printed_without_float_noise(kb, symptoms, cf_value, percent, steps):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": symptoms})
    pc02 = next(r for r in result["ranking"] if r["code"] == "PC02")
    assert pc02["cf"] == cf_value
    assert pc02["percent"] == percent
    assert [f["after"] for f in result["trace"]["firings"] if f.get("conclusion") == "PC02"] == steps


def test_each_cf_step_is_in_the_trace(kb):
    result = rules.consult(kb, {"mode": "diagnosis", "symptoms": {"GC01": 0.8, "GC03": 0.6, "GC04": 0.4}})
    steps = [
        (f["rule"], f["conclusion"], f["premise_cf"], f["rule_cf"], f["cf"], f["before"], f["after"])
        for f in result["trace"]["firings"]
        if "conclusion" in f
    ]
    assert steps == [
        ("R01", "PC01", "0.8", "0.8", "0.64", "0", "0.64"),
        ("R03", "PC01", "0.6", "1", "0.6", "0.64", "0.856"),
        ("R04", "PC01", "0.4", "1", "0.4", "0.856", "0.9136"),
        ("R10", "PC02", "0.6", "1", "0.6", "0", "0.6"),
        ("R11", "PC02", "0.4", "1", "0.4", "0.6", "0.76"),
    ]
    assert [f["rule"] for f in result["trace"]["firings"]][-1] == "rank"
    assert result["diagnosis"] == "PC01"
    assert result["cf"] == 0.9136 and result["percent"] == 91.36
