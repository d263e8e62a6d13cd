"""Three-valued (Kleene) logic of the triage conditions, and how answers become criterion statuses."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from kb.model import FALSE, TRUE, UNKNOWN, Condition, kleene_all, kleene_any, kleene_at_least

T, Fa, U = TRUE, FALSE, UNKNOWN

# Every pair of statuses: all (AND), any (OR), exactly as Kleene's strong three-valued logic.
PAIRS = [
    # a,  b,  all, any
    (T, T, T, T),
    (T, U, U, T),
    (T, Fa, Fa, T),
    (U, T, U, T),
    (U, U, U, U),
    (U, Fa, Fa, U),
    (Fa, T, Fa, T),
    (Fa, U, Fa, U),
    (Fa, Fa, Fa, Fa),
]


@pytest.mark.parametrize("a, b, all_, any_", PAIRS)
def test_all_and_any_on_two_statuses(a, b, all_, any_):
    assert kleene_all([a, b]) == all_
    assert kleene_any([a, b]) == any_
    statuses = {"a": a, "b": b}
    assert Condition("all", items=(Condition("is", "a"), Condition("is", "b"))).value(statuses) == all_
    assert Condition("any", items=(Condition("is", "a"), Condition("is", "b"))).value(statuses) == any_


# at_least N of three: (#true, #unknown) -> status for N = 1, 2, 3.
AT_LEAST = {
    (0, 0): (Fa, Fa, Fa),
    (0, 1): (U, Fa, Fa),
    (0, 2): (U, U, Fa),
    (0, 3): (U, U, U),
    (1, 0): (T, Fa, Fa),
    (1, 1): (T, U, Fa),
    (1, 2): (T, U, U),
    (2, 0): (T, T, Fa),
    (2, 1): (T, T, U),
    (3, 0): (T, T, T),
}


@pytest.mark.parametrize("values", list(itertools.product((T, U, Fa), repeat=3)), ids=lambda v: "-".join(v))
def test_at_least_of_three(values):
    expected = AT_LEAST[(values.count(T), values.count(U))]
    for n in (1, 2, 3):
        assert kleene_at_least(n, values) == expected[n - 1]
        condition = Condition("at_least", items=tuple(Condition("is", c) for c in "xyz"), n=n)
        assert condition.value(dict(zip("xyz", values, strict=False))) == expected[n - 1]


def test_a_code_nobody_reported_is_unknown_and_nesting_works():
    nested = Condition(
        "any",
        items=(
            Condition("all", items=(Condition("is", "a"), Condition("is", "b"))),
            Condition("at_least", items=(Condition("is", "c"), Condition("is", "d")), n=2),
        ),
    )
    assert nested.value({"a": T}) == U
    assert nested.value({"a": T, "b": T}) == T
    assert nested.value({"a": Fa, "c": T, "d": T}) == T
    assert nested.value({"a": Fa, "c": T, "d": Fa}) == Fa
    assert str(nested) == "ANY(ALL(a, b), AT_LEAST 2 OF(c, d))"


# The bundled KB: a diagnosis certainty is TRUE from "Likely" (0.6), FALSE up to "Probably not" (0.2).
@pytest.mark.parametrize(
    "cf, fever, contact_or_travel",
    [
        (Fraction(0), Fa, U),
        (Fraction(1, 5), Fa, U),
        (Fraction(2, 5), U, U),
        (Fraction(3, 5), T, T),
        (Fraction(4, 5), T, T),
        (Fraction(1), T, T),
    ],
)
def test_diagnosis_bands(kb, cf, fever, contact_or_travel):
    statuses = kb.triage.criteria_statuses("diagnosis", symptoms={"GC03": cf, "GC05": cf} if cf else {})
    assert statuses["fever"] == fever
    assert statuses["contact_or_travel"] == contact_or_travel
    assert statuses["travel"] == U  # the diagnosis does not ask it
    assert statuses["emergency_now"] == Fa


@pytest.mark.parametrize(
    "q1, contact, travel, either",
    [
        ("ya", U, U, T),
        ("ragu", U, U, U),
        ("tidak", Fa, Fa, Fa),
    ],
)
def test_screening_q1_is_contact_or_travel(kb, q1, contact, travel, either):
    answers = {"Q1": q1, "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "tidak", "Q6": "tidak"}
    statuses = kb.triage.criteria_statuses("screening", answers=answers)
    assert (statuses["contact"], statuses["travel"], statuses["contact_or_travel"]) == (contact, travel, either)
    assert (statuses["fever"], statuses["cough"], statuses["chest_pain"]) == (T, Fa, U)


def test_the_gate_leaves_everything_else_unknown(kb):
    statuses = kb.triage.criteria_statuses("diagnosis", symptoms={"GC03": Fraction(1)}, emergency=True)
    assert statuses["emergency_now"] == T
    assert {s for code, s in statuses.items() if code != "emergency_now"} == {U}
