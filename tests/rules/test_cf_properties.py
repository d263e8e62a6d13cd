"""Properties of the MYCIN/EMYCIN combination over arbitrary exact CFs (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.engine.cf import Accumulator, combine, combine_all

pytestmark = pytest.mark.slow  # hundreds of examples per property

CF = st.fractions(min_value=-1, max_value=1, max_denominator=1000)
OPEN_CF = st.fractions(min_value=-1, max_value=1, max_denominator=1000).filter(lambda v: abs(v) != 1)


@given(st.lists(CF, min_size=1, max_size=6), st.randoms(use_true_random=False))
@settings(max_examples=300, deadline=None)
def test_order_does_not_matter(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert combine_all(shuffled) == combine_all(values)


@given(CF, CF)
def test_result_stays_within_bounds(x, y):
    assert -1 <= combine(x, y) <= 1


@given(CF, CF)
def test_commutative(x, y):
    assert combine(x, y) == combine(y, x)


@given(OPEN_CF, OPEN_CF, OPEN_CF)
def test_associative_away_from_the_plus_minus_one_conflict(x, y, z):
    assert combine(combine(x, y), z) == combine(x, combine(y, z))


@given(CF)
def test_zero_is_neutral(x):
    assert combine(x, Fraction(0)) == x


@given(
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
)
def test_positive_evidence_never_lowers_belief(x, y):
    assert combine(x, y) >= max(x, y)


@given(
    st.fractions(min_value=-1, max_value=0, max_denominator=1000),
    st.fractions(min_value=-1, max_value=0, max_denominator=1000),
)
def test_evidence_against_accumulates_like_evidence_for(x, y):
    assert combine(x, y) == -combine(-x, -y)


@given(OPEN_CF)
def test_equal_and_opposite_evidence_cancels(x):
    assert combine(x, -x) == 0


@given(st.lists(OPEN_CF, max_size=4), st.lists(OPEN_CF, max_size=4))
def test_certain_for_and_against_is_a_conflict_at_zero_in_any_order(before, after):
    acc = Accumulator()
    for value in [*before, Fraction(1), *after, Fraction(-1)]:
        acc.add(value)
    assert acc.value == 0 and acc.conflict
